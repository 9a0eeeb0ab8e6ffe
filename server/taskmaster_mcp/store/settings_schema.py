"""The schema of config.json's ``taskmasterMcp`` section as pydantic models: names, types, defaults, bounds, meaning.

This is the one place a setting's default and bounds are written. ``store/settings.py`` validates against it (with
today's error messages, which are part of the interface) and ``docs/config_reference.py`` renders
``docs/configuration.md`` from it. A model field's alias is the key in config.json.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class _Section(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class Timeouts(_Section):
    """How long a model call, a role and a whole command may take."""

    request_seconds: float = Field(120.0, alias="requestSeconds", ge=0.001, description="One HTTP request.")
    total_seconds: float = Field(
        300.0, alias="totalSeconds", ge=0.001, description="One AI call across every role it falls back to."
    )
    first_byte_seconds: float = Field(
        15.0, alias="firstByteSeconds", ge=0.001, description="Wait for the first streamed byte before retrying."
    )
    role_seconds: float = Field(25.0, alias="roleSeconds", ge=0.001, description="One role before falling back.")
    tool_seconds: float = Field(
        50.0,
        alias="toolSeconds",
        ge=0.001,
        description="How long expand_all keeps starting work (under the ~60 s limit of MCP clients).",
    )


class Retries(_Section):
    """Retries of a failing model before the next role."""

    per_role: int = Field(2, alias="perRole", ge=0, description="Retries per role.")
    base_delay_seconds: float = Field(1.0, alias="baseDelaySeconds", ge=0, description="First back-off delay.")
    max_delay_seconds: float = Field(8.0, alias="maxDelaySeconds", ge=0, description="Longest back-off delay.")


class CircuitBreaker(_Section):
    """A model that keeps failing is skipped for a while."""

    failures: int = Field(3, ge=1, description="Failures in a row that open the breaker.")
    cooldown_seconds: float = Field(60.0, alias="cooldownSeconds", ge=0, description="How long it stays open.")


class CommandCap(_Section):
    """A per-command cap given as an object."""

    daily_usd: float | None = Field(None, alias="dailyUsd", ge=0, description="USD a day.")
    monthly_usd: float | None = Field(None, alias="monthlyUsd", ge=0, description="USD a month.")


class BudgetsSection(_Section):
    """Spending limits (USD) kept in the ledger; unknown keys are refused."""

    daily_usd: float | None = Field(None, alias="dailyUsd", ge=0, description="All commands, per day (none: no cap).")
    monthly_usd: float | None = Field(
        None, alias="monthlyUsd", ge=0, description="All commands, per month (none: no cap)."
    )
    per_command_usd: dict[str, float | CommandCap] = Field(
        default_factory=lambda: {},
        alias="perCommandUsd",
        description='Caps per command name, e.g. {"research": 5} (USD a day) or {"research": {"monthlyUsd": 20}}.',
    )
    warn_at: float = Field(0.8, alias="warnAt", ge=0, le=1, description="Warn at this fraction of a cap.")


class Concurrency(_Section):
    """How many model calls run at once (an adaptive limit between ``start`` and ``max``)."""

    expand_all: int = Field(4, alias="expandAll", ge=1, description="Tasks expand_all expands at once.")
    start: int = Field(8, ge=1, description="Starting limit of parallel calls (default: expandAll when set, else 8).")
    max: int = Field(16, ge=1, description="Highest limit the adaptive limit may reach.")
    adaptive: bool = Field(True, description="Adapt the limit to the provider's answers (rate limits, latency).")
    update: int | None = Field(None, ge=1, description="Cap on parallel batches of update (none: adaptive limit).")


class Review(_Section):
    """The review of a finished task."""

    approve_score: int = Field(
        80, alias="approveScore", ge=0, le=100, description="An approving review at or above this marks a task done."
    )
    consensus_threshold: int = Field(
        20, alias="consensusThreshold", ge=0, le=100, description="Widest score spread between reviewers that agrees."
    )


class Critique(_Section):
    """The critique of a draft plan."""

    role: str = Field("fallback", description="The role that critiques a draft plan.")


class Cache(_Section):
    """The response cache: an identical request is answered from disk; unknown keys are refused."""

    enabled: bool = Field(True, description="Use the response cache.")
    ttl_seconds: float = Field(1800.0, alias="ttlSeconds", ge=0, description="How long an answer stays valid.")
    max_megabytes: float = Field(50.0, alias="maxMegabytes", ge=0.001, description="Size bound of the cache folder.")


class PriceEntry(_Section):
    """A user's price of a model, USD per 1M tokens."""

    input: float = Field(ge=0, description="Input tokens.")
    output: float = Field(ge=0, description="Output tokens.")
    cached_input: float | None = Field(
        None, alias="cachedInput", ge=0, description="Cache reads (none: the input price)."
    )


class TaskmasterMcp(_Section):
    """The whole ``taskmasterMcp`` section; every key is optional."""

    fallback_order: dict[str, list[str]] = Field(
        default_factory=lambda: {},
        alias="fallbackOrder",
        description="Per starting role, the roles tried in order. Defaults: main → fallback → research; research → "
        "fallback → main; fallback → main → research; an extra role → itself, then main's chain.",
    )
    command_roles: dict[str, str] = Field(
        default_factory=lambda: {}, alias="commandRoles", description="Per command name, the role it starts with."
    )
    roles: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {},
        description='Extra named roles with the fields of models.*, e.g. {"fast": {"provider": "anthropic", '
        '"modelId": "claude-haiku-4-5-20251001"}}; a Task Master role name (main, research, fallback) is refused.',
    )
    timeouts: Timeouts = Field(default_factory=lambda: Timeouts.model_validate({}), description=Timeouts.__doc__)
    retries: Retries = Field(default_factory=lambda: Retries.model_validate({}), description=Retries.__doc__)
    circuit_breaker: CircuitBreaker = Field(
        default_factory=lambda: CircuitBreaker.model_validate({}),
        alias="circuitBreaker",
        description=CircuitBreaker.__doc__,
    )
    budgets: BudgetsSection = Field(
        default_factory=lambda: BudgetsSection.model_validate({}), description=BudgetsSection.__doc__
    )
    concurrency: Concurrency = Field(
        default_factory=lambda: Concurrency.model_validate({}), description=Concurrency.__doc__
    )
    review: Review = Field(default_factory=lambda: Review.model_validate({}), description=Review.__doc__)
    critique: Critique = Field(default_factory=lambda: Critique.model_validate({}), description=Critique.__doc__)
    cache: Cache = Field(default_factory=lambda: Cache.model_validate({}), description=Cache.__doc__)
    input_budget_tokens: int | None = Field(
        None,
        alias="inputBudgetTokens",
        ge=1000,
        description="Cap on prompt size per model call (none: from the model's context window).",
    )
    cost_per_1m: dict[str, PriceEntry] = Field(
        default_factory=lambda: {},
        alias="costPer1M",
        description="Prices keyed by provider/modelId or by role name, USD per 1M tokens.",
    )


SECTIONS: dict[str, type[_Section]] = {
    "timeouts": Timeouts,
    "retries": Retries,
    "circuitBreaker": CircuitBreaker,
    "budgets": BudgetsSection,
    "concurrency": Concurrency,
    "review": Review,
    "critique": Critique,
    "cache": Cache,
}


def field_of(model: type[BaseModel], key: str) -> FieldInfo:
    """The field whose config.json key is ``key``."""
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            return info
    raise KeyError(key)


def keys_of(model: type[BaseModel]) -> tuple[str, ...]:
    """The config.json keys of a section, in schema order."""
    return tuple(info.alias or name for name, info in model.model_fields.items())


def bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """The ``ge`` and ``le`` of a field (None when it has none)."""
    low: float | None = None
    high: float | None = None
    for meta in info.metadata:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high
