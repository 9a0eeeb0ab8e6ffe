"""Validation of every setting in config.json's ``taskmasterMcp`` section (all keys are listed in README).

Every invalid value raises ConfigError naming the key, the valid values, and the file to fix. Absent keys take the
defaults below, so an untouched Task Master config works as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.store.config import OUR_SECTION, ROLES, Config


@dataclass(frozen=True)
class Budgets:
    """USD limits; None means no limit."""

    daily_usd: float | None = None
    monthly_usd: float | None = None


DEFAULT_FALLBACK_ORDER: dict[str, tuple[str, ...]] = {
    "main": ("main", "fallback", "research"),
    "research": ("research", "fallback", "main"),
    "fallback": ("fallback", "main", "research"),
}


@dataclass(frozen=True)
class RouterSettings:
    """The router's settings after validation, with defaults filled in."""

    fallback_order: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FALLBACK_ORDER))
    command_roles: dict[str, str] = field(default_factory=lambda: {})
    request_seconds: float = 120.0
    total_seconds: float = 300.0
    first_byte_seconds: float = 15.0  # defaults explained in models/router.py's docstring
    role_seconds: float = 25.0
    retries_per_role: int = 2
    base_delay: float = 1.0
    max_delay: float = 8.0
    breaker_failures: int = 3
    breaker_cooldown: float = 60.0
    budgets: Budgets = field(default_factory=Budgets)
    expand_all_concurrency: int = 4


def _where(key: str) -> str:
    return f"{OUR_SECTION}.{key} in .taskmaster/config.json"


def _section(ours: dict[str, Any], key: str) -> dict[str, Any]:
    value = ours.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(key)} must be an object, got {value!r}.")
    return cast(dict[str, Any], value)


def _number(section: dict[str, Any], parent: str | None, key: str, default: float | None, *, minimum: float,
            integer: bool = False, allow_none: bool = False, maximum: float | None = None) -> Any:
    value = section.get(key, default)
    if value is None and allow_none:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < minimum or \
            (maximum is not None and value > maximum):
        what = "an integer" if integer else "a number"
        bound = f"from {minimum:g} to {maximum:g}" if maximum is not None else f">= {minimum:g}"
        name = f"{parent}.{key}" if parent else key
        raise ConfigError(f"{_where(name)} must be {what} {bound}, got {value!r}.")
    return value if integer else float(value)


def _role(value: Any, key: str, known: tuple[str, ...] = ROLES) -> str:
    if value not in known:
        raise ConfigError(f"{_where(key)} must be one of {', '.join(known)}, got {value!r}.")
    return value


def extra_chain(role: str) -> tuple[str, ...]:
    """An extra role's fallback order when ``fallbackOrder.<role>`` does not set one: itself, then main's chain."""
    return (role, *DEFAULT_FALLBACK_ORDER["main"])


def settings_from_config(config: Config) -> RouterSettings:
    """Validate ``taskmasterMcp`` and return the settings; raise ConfigError naming the first bad key."""
    ours = config.ours
    known = config.role_names()
    order: dict[str, tuple[str, ...]] = {**DEFAULT_FALLBACK_ORDER, **{r: extra_chain(r) for r in known[len(ROLES):]}}
    for start, chain in _section(ours, "fallbackOrder").items():
        first = _role(start, f"fallbackOrder key {start!r}", known)
        if not isinstance(chain, list) or not chain:
            raise ConfigError(f"{_where(f'fallbackOrder.{start}')} must be a non-empty list of roles "
                              f"({', '.join(known)}), got {chain!r}.")
        roles: list[str] = [_role(r, f"fallbackOrder.{start}", known) for r in cast(list[Any], chain)]
        order[first] = tuple(dict.fromkeys(roles).keys())
    commands: dict[str, str] = {}
    for command, role in _section(ours, "commandRoles").items():
        commands[command] = _role(role, f"commandRoles.{command}", known)
    timeouts = _section(ours, "timeouts")
    retries = _section(ours, "retries")
    breaker = _section(ours, "circuitBreaker")
    budgets = _section(ours, "budgets")
    concurrency = _section(ours, "concurrency")
    settings = RouterSettings(
        fallback_order=order,
        command_roles=commands,
        request_seconds=_number(timeouts, "timeouts", "requestSeconds", 120.0, minimum=0.001),
        total_seconds=_number(timeouts, "timeouts", "totalSeconds", 300.0, minimum=0.001),
        first_byte_seconds=_number(timeouts, "timeouts", "firstByteSeconds", 15.0, minimum=0.001),
        role_seconds=_number(timeouts, "timeouts", "roleSeconds", 25.0, minimum=0.001),
        retries_per_role=_number(retries, "retries", "perRole", 2, minimum=0, integer=True),
        base_delay=_number(retries, "retries", "baseDelaySeconds", 1.0, minimum=0),
        max_delay=_number(retries, "retries", "maxDelaySeconds", 8.0, minimum=0),
        breaker_failures=_number(breaker, "circuitBreaker", "failures", 3, minimum=1, integer=True),
        breaker_cooldown=_number(breaker, "circuitBreaker", "cooldownSeconds", 60.0, minimum=0),
        budgets=Budgets(
            daily_usd=_number(budgets, "budgets", "dailyUsd", None, minimum=0, allow_none=True),
            monthly_usd=_number(budgets, "budgets", "monthlyUsd", None, minimum=0, allow_none=True),
        ),
        expand_all_concurrency=_number(concurrency, "concurrency", "expandAll", 4, minimum=1, integer=True),
    )
    return settings


# Settings of single commands, validated only when that command runs, so a bad value blocks only its command.

def tool_seconds(config: Config) -> float:
    """``timeouts.toolSeconds``: how long expand_all keeps starting work (default 50, under ~60 s client limits)."""
    return _number(_section(config.ours, "timeouts"), "timeouts", "toolSeconds", 50.0, minimum=0.001)


def update_concurrency(config: Config) -> int:
    """``concurrency.update``: parallel batches of the update command (default 3)."""
    return _number(_section(config.ours, "concurrency"), "concurrency", "update", 3, minimum=1, integer=True)


def approve_score(config: Config) -> int:
    """``review.approveScore``: the score at or above which an approving review marks a task done (default 80)."""
    return _number(_section(config.ours, "review"), "review", "approveScore", 80, minimum=0, maximum=100,
                   integer=True)


def input_budget_tokens(config: Config) -> int | None:
    """``inputBudgetTokens``: a cap on prompt size per model call (default: from the model's context window)."""
    return _number(config.ours, None, "inputBudgetTokens", None, minimum=1000, integer=True, allow_none=True)
