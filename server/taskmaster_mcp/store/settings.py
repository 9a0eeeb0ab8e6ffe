"""Validation of every setting in config.json's ``taskmasterMcp`` section against its schema (settings_schema.py).

Every invalid value raises ConfigError naming the key, the valid values, and the file to fix. Absent keys take the
schema's defaults, so an untouched Task Master config works as is. Each result is kept on the :class:`Config` it came
from (``Config.parsed``), so a call parses each setting once per read of config.json, however many readers ask.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar, cast, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.store.config import EXTRA_ROLES, OUR_SECTION, ROLES, Config
from taskmaster_mcp.store.settings_schema import (
    SECTIONS,
    CommandCap,
    PriceEntry,
    TaskmasterMcp,
    bounds,
    field_of,
    keys_of,
)

T = TypeVar("T")


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
    concurrency_start: int = 8  # models/concurrency.py explains the adaptive limit and these defaults
    concurrency_max: int = 16
    adaptive: bool = True


_T, _B, _C, _R = SECTIONS["timeouts"], SECTIONS["budgets"], SECTIONS["concurrency"], SECTIONS["review"]


def _where(key: str) -> str:
    return f"{OUR_SECTION}.{key} in .taskmaster/config.json"


def _section(ours: dict[str, Any], key: str) -> dict[str, Any]:
    value = ours.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(key)} must be an object, got {value!r}.")
    return cast(dict[str, Any], value)


def _known_keys(section: dict[str, Any], parent: str, accepted: tuple[str, ...]) -> None:
    """A misspelt key (``ttlHours``, ``perCommandUSD``) would be silently ignored: refuse it, naming the ones that
    count."""
    for key in section:
        if key not in accepted:
            raise ConfigError(
                f"{_where(f'{parent}.{key}')} must be absent: {parent} accepts only "
                f"{', '.join(accepted)}, got {_short(section[key])}."
            )


_UNSET: Any = object()


def _value(section: dict[str, Any], model: type[BaseModel], parent: str | None, key: str, default: Any = _UNSET) -> Any:
    """A number setting validated by pydantic against its schema field (strict: no ``"3"`` for 3, no ``true`` for 1);
    the refusal keeps today's message, which is part of the interface."""
    info = field_of(model, key)
    kinds = get_args(info.annotation) if isinstance(info.annotation, types.UnionType) else (info.annotation,)
    value = section.get(
        key, (None if info.default is PydanticUndefined else info.default) if default is _UNSET else default
    )
    try:
        value = _adapter(model, key).validate_python(value, strict=True)
    except ValidationError:
        raise ConfigError(_refusal(parent, key, value, *bounds(info), integer=int in kinds)) from None
    return value if value is None or int in kinds else float(value)


@functools.cache
def _adapter(model: type[BaseModel], key: str) -> TypeAdapter[Any]:
    info = field_of(model, key)
    return TypeAdapter(cast(Any, Annotated)[(info.annotation, *info.metadata)])


def _refusal(parent: str | None, key: str, value: Any, low: float | None, high: float | None, *, integer: bool) -> str:
    what = "an integer" if integer else "a number"
    bound = f"from {low or 0:g} to {high:g}" if high is not None else f">= {low or 0:g}"
    return f"{_where(f'{parent}.{key}' if parent else key)} must be {what} {bound}, got {value!r}."


def _number(section: dict[str, Any], parent: str, key: str, default: float | None, *, minimum: float) -> float:
    """A number >= ``minimum`` whose key is not a schema field (``budgets.perCommandUsd.<command>``)."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(_refusal(parent, key, value, minimum, None, integer=False))
    return float(value)


def _low(model: type[BaseModel], key: str) -> float:
    return bounds(field_of(model, key))[0] or 0


def _once(config: Config, name: str, parse: Callable[[Config], T]) -> T:
    """``parse(config)``, kept on ``config`` so each setting is validated once per read of config.json (an invalid
    value is not kept: it raises on every call until the file is fixed)."""
    if name not in config.parsed:
        config.parsed[name] = parse(config)
    return cast(T, config.parsed[name])


def _flag(section: dict[str, Any], parent: str, key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{_where(f'{parent}.{key}')} must be true or false, got {value!r}.")
    return value


def _role(value: Any, key: str, known: tuple[str, ...] = ROLES) -> str:
    if value not in known:
        raise ConfigError(f"{_where(key)} must be one of {', '.join(known)}, got {value!r}.")
    return value


def extra_chain(role: str) -> tuple[str, ...]:
    """An extra role's fallback order when ``fallbackOrder.<role>`` does not set one: itself, then main's chain."""
    return (role, *DEFAULT_FALLBACK_ORDER["main"])


def _check_shape(config: Config) -> None:
    """``taskmasterMcp`` and its ``roles`` are objects, and no extra role takes a Task Master role's name (Config
    reads a misshapen section as empty and skips such a role, which would silently drop the user's settings)."""
    section = config.raw.get(OUR_SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(
            f"{OUR_SECTION} in .taskmaster/config.json must be an object of taskmaster-mcp settings, "
            f"got {_short(section)}."
        )
    roles = cast(dict[str, Any], section).get(EXTRA_ROLES, {})
    if not isinstance(roles, dict):
        raise ConfigError(
            f'{_where(EXTRA_ROLES)} must be an object like {{"fast": {{"provider": "anthropic", '
            f'"modelId": "claude-haiku-4-5-20251001"}}}}, got {_short(roles)}.'
        )
    for name in cast(dict[str, Any], roles):
        if name in ROLES:
            raise ConfigError(
                f"{_where(f'{EXTRA_ROLES}.{name}')} must be absent: {name} is a Task Master role, set "
                f"under models.{name} (`taskmaster-mcp models --set-{name} MODEL`); name an extra role "
                "something else, e.g. fast or strong."
            )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def settings_from_config(config: Config) -> RouterSettings:
    """Validate ``taskmasterMcp`` and return the settings; raise ConfigError naming the first bad key."""
    return _once(config, "router", _router_settings)


def _router_settings(config: Config) -> RouterSettings:
    _check_shape(config)
    ours = config.ours
    known = config.role_names()
    order: dict[str, tuple[str, ...]] = {**DEFAULT_FALLBACK_ORDER, **{r: extra_chain(r) for r in known[len(ROLES) :]}}
    for start, chain in _section(ours, "fallbackOrder").items():
        first = _role(start, f"fallbackOrder key {start!r}", known)
        if not isinstance(chain, list) or not chain:
            raise ConfigError(
                f"{_where(f'fallbackOrder.{start}')} must be a non-empty list of roles "
                f"({', '.join(known)}), got {chain!r}."
            )
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
        request_seconds=_value(timeouts, _T, "timeouts", "requestSeconds"),
        total_seconds=_value(timeouts, _T, "timeouts", "totalSeconds"),
        first_byte_seconds=_value(timeouts, _T, "timeouts", "firstByteSeconds"),
        role_seconds=_value(timeouts, _T, "timeouts", "roleSeconds"),
        retries_per_role=_value(retries, SECTIONS["retries"], "retries", "perRole"),
        base_delay=_value(retries, SECTIONS["retries"], "retries", "baseDelaySeconds"),
        max_delay=_value(retries, SECTIONS["retries"], "retries", "maxDelaySeconds"),
        breaker_failures=_value(breaker, SECTIONS["circuitBreaker"], "circuitBreaker", "failures"),
        breaker_cooldown=_value(breaker, SECTIONS["circuitBreaker"], "circuitBreaker", "cooldownSeconds"),
        budgets=Budgets(
            daily_usd=_value(budgets, _B, "budgets", "dailyUsd"),
            monthly_usd=_value(budgets, _B, "budgets", "monthlyUsd"),
        ),
        expand_all_concurrency=_value(concurrency, _C, "concurrency", "expandAll"),
        concurrency_start=_value(
            concurrency, _C, "concurrency", "start", concurrency.get("expandAll", field_of(_C, "start").default)
        ),
        concurrency_max=_value(concurrency, _C, "concurrency", "max"),
        adaptive=_flag(concurrency, "concurrency", "adaptive", field_of(_C, "adaptive").default),
    )
    return settings


# Settings of single commands, validated only when that command runs, so a bad value blocks only its command.


def tool_seconds(config: Config) -> float:
    """``timeouts.toolSeconds``: how long expand_all keeps starting work (default 50, under ~60 s client limits)."""
    return _once(config, "toolSeconds", lambda c: _value(_section(c.ours, "timeouts"), _T, "timeouts", "toolSeconds"))


def update_concurrency(config: Config) -> int | None:
    """``concurrency.update``: a cap on parallel batches of the update command (default none: the adaptive limit
    paces them)."""
    return _once(config, "update", lambda c: _value(_section(c.ours, "concurrency"), _C, "concurrency", "update"))


def approve_score(config: Config) -> int:
    """``review.approveScore``: the score at or above which an approving review marks a task done (default 80)."""
    return _once(config, "approveScore", lambda c: _value(_section(c.ours, "review"), _R, "review", "approveScore"))


def input_budget_tokens(config: Config) -> int | None:
    """``inputBudgetTokens``: a cap on prompt size per model call (default: from the model's context window)."""
    return _once(config, "inputBudget", lambda c: _value(c.ours, TaskmasterMcp, None, "inputBudgetTokens"))


def critique_role(config: Config) -> str:
    """``critique.role``: the role that critiques a draft plan (default ``fallback``); checked as a role by the caller
    (``ai.panel_roles.configured_role``), so named roles need no change here."""
    return _once(config, "critique", _critique_role)


def _critique_role(config: Config) -> str:
    value = _section(config.ours, "critique").get("role", field_of(SECTIONS["critique"], "role").default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'{_where("critique.role")} must be a role name such as "fallback", got {value!r}.')
    return value.strip()


def consensus_threshold(config: Config) -> int:
    """``review.consensusThreshold``: the widest score spread between reviewers that still counts as agreement
    (default 20 points)."""
    return _once(config, "consensus", lambda c: _value(_section(c.ours, "review"), _R, "review", "consensusThreshold"))


@dataclass(frozen=True)
class CacheSettings:
    """``cache``: the response cache (models/response_cache.py). On by default: an identical request within
    ``ttlSeconds`` (default 1800) is answered from the cache; ``maxMegabytes`` (default 50) bounds its folder."""

    enabled: bool = True
    ttl_seconds: float = 1800.0
    max_bytes: int = 50 * 1024 * 1024


def cache_settings(config: Config) -> CacheSettings:
    """``cache.enabled``, ``cache.ttlSeconds`` and ``cache.maxMegabytes``, validated."""
    return _once(config, "cache", _cache_settings)


def _cache_settings(config: Config) -> CacheSettings:
    section = _section(config.ours, "cache")
    _known_keys(section, "cache", keys_of(SECTIONS["cache"]))
    enabled = section.get("enabled", field_of(SECTIONS["cache"], "enabled").default)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{_where('cache.enabled')} must be true or false, got {enabled!r}.")
    ttl = _value(section, SECTIONS["cache"], "cache", "ttlSeconds")
    megabytes = _value(section, SECTIONS["cache"], "cache", "maxMegabytes")
    return CacheSettings(enabled=enabled, ttl_seconds=ttl, max_bytes=int(megabytes * 1024 * 1024))


@dataclass(frozen=True)
class Price:
    """A user's price for a model, USD per 1M tokens (``cached`` None: cache reads at the input price)."""

    input: float
    output: float
    cached: float | None = None


@dataclass(frozen=True)
class CostControls:
    """``budgets.perCommandUsd``, ``budgets.warnAt`` and ``costPer1M`` (models/spend.py applies them).

    ``per_command``: a cap per command name (the part before ``:``, so ``expand_all`` covers its research steps);
    a number is a daily cap, an object gives ``dailyUsd`` and/or ``monthlyUsd``. ``prices``: keyed by
    ``provider/modelId`` or by a role name (``main``...); Task Master owns ``models.*`` and may drop keys it does not
    know when it rewrites config.json, so user prices live in our own section.
    """

    per_command: dict[str, Budgets] = field(default_factory=lambda: {})
    warn_at: float = 0.8
    prices: dict[str, Price] = field(default_factory=lambda: {})


def cost_controls(config: Config) -> CostControls:
    """Validate ``budgets.perCommandUsd``, ``budgets.warnAt`` and ``costPer1M``."""
    return _once(config, "cost", _cost_controls)


def _cost_controls(config: Config) -> CostControls:
    budgets = _section(config.ours, "budgets")
    _known_keys(budgets, "budgets", keys_of(_B))
    caps: dict[str, Budgets] = {}
    per_command = budgets.get("perCommandUsd", {})
    if not isinstance(per_command, dict):
        raise ConfigError(
            f'{_where("budgets.perCommandUsd")} must be an object like {{"research": 5}}, got {per_command!r}.'
        )
    for command, cap in cast(dict[str, Any], per_command).items():
        where = f"budgets.perCommandUsd.{command}"
        if isinstance(cap, dict):
            limits = cast(dict[str, Any], cap)
            unknown = sorted(set(limits) - set(keys_of(CommandCap)))
            if unknown or not limits:
                raise ConfigError(
                    f"{_where(where)} must be a number (USD a day) or an object with dailyUsd and/or "
                    f"monthlyUsd, got {cap!r}."
                )
            caps[command] = Budgets(
                _value(limits, CommandCap, where, "dailyUsd"),
                _value(limits, CommandCap, where, "monthlyUsd"),
            )
        else:
            caps[command] = Budgets(
                daily_usd=_number(
                    {command: cap}, "budgets.perCommandUsd", command, None, minimum=_low(CommandCap, "dailyUsd")
                )
            )
    warn_at = _value(budgets, _B, "budgets", "warnAt")
    prices: dict[str, Price] = {}
    for name, raw in _section(config.ours, "costPer1M").items():
        where = f"costPer1M.{name}"
        if not isinstance(raw, dict):
            raise ConfigError(
                f'{_where(where)} must be an object like {{"input": 0.5, "output": 1.5}} (USD per '
                f"1M tokens), got {raw!r}."
            )
        entry = cast(dict[str, Any], raw)
        prices[name] = Price(
            _value(entry, PriceEntry, where, "input"),
            _value(entry, PriceEntry, where, "output"),
            _value(entry, PriceEntry, where, "cachedInput"),
        )
    return CostControls(per_command=caps, warn_at=warn_at, prices=prices)
