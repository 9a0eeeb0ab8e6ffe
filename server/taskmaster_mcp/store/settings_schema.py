"""The schema of config.json's ``taskmasterMcp`` section as pydantic models: names, types, defaults, bounds, meaning.

This is the one place a setting's default and bounds are written. ``store/settings.py`` validates against it (with
today's error messages, which are part of the interface) and ``docs/config_reference.py`` renders
``docs/configuration.md`` from it. A model field's alias is the key in config.json.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class _Section(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class Timeouts(_Section):
    """How long a model call, a role and a whole command may take."""

    request_seconds: float = Field(
        120.0, alias="requestSeconds", ge=0.001, description="One model request; bounds an answer that is streaming."
    )
    total_seconds: float = Field(
        300.0, alias="totalSeconds", ge=0.001, description="One whole routed call, retries and fallbacks included."
    )
    first_byte_seconds: float = Field(
        15.0,
        alias="firstByteSeconds",
        ge=0.001,
        description="A request whose stream has sent nothing after this long is a retryable timeout; raise it "
        "for models that think silently before answering (OpenAI o-series).",
    )
    role_seconds: float = Field(
        25.0,
        alias="roleSeconds",
        ge=0.001,
        description="How long one role gets to start answering, retries and back-off included, before the next "
        "role takes over; an answer that is streaming is never cut by it.",
    )
    tool_seconds: float = Field(
        50.0,
        alias="toolSeconds",
        ge=0.001,
        description="How long expand_all keeps starting work (under the ~60 s limit of MCP clients).",
    )


class Retries(_Section):
    """Retries of a failing model before the next role."""

    per_role: int = Field(2, alias="perRole", ge=0, description="Retries of 408/409/429/5xx/529/timeouts on one role.")
    base_delay_seconds: float = Field(
        1.0, alias="baseDelaySeconds", ge=0, description="First back-off delay; retry-after is honoured, capped."
    )
    max_delay_seconds: float = Field(8.0, alias="maxDelaySeconds", ge=0, description="Longest back-off delay.")


class CircuitBreaker(_Section):
    """A model that keeps failing is skipped for a while."""

    failures: int = Field(3, ge=1, description="A provider+model failing this often is skipped (reported).")
    cooldown_seconds: float = Field(60.0, alias="cooldownSeconds", ge=0, description="How long it is skipped.")


class CommandCap(_Section):
    """A per-command cap given as an object."""

    daily_usd: float | None = Field(None, alias="dailyUsd", ge=0, description="USD a day.")
    monthly_usd: float | None = Field(None, alias="monthlyUsd", ge=0, description="USD a month.")


class BudgetsSection(_Section):
    """Spending limits (USD) kept in the ledger; unknown keys are refused."""

    daily_usd: float | None = Field(
        None,
        alias="dailyUsd",
        ge=0,
        description="A call that would start past it is refused; spend comes from the ledger.",
    )
    monthly_usd: float | None = Field(None, alias="monthlyUsd", ge=0, description="Like dailyUsd, per calendar month.")
    per_command_usd: dict[str, float | CommandCap] = Field(
        default_factory=lambda: {},
        alias="perCommandUsd",
        description='A cap per command, e.g. {"research": 5, "review": {"monthlyUsd": 30}}: a number is USD a day '
        "(UTC), an object gives dailyUsd and/or monthlyUsd; a command's cap covers its research steps.",
    )
    warn_at: float = Field(
        0.8,
        alias="warnAt",
        ge=0,
        le=1,
        description="Past this share of a budget or cap, AI results carry usage.warnings.",
    )


class Concurrency(_Section):
    """How many model calls run at once (an adaptive limit between ``start`` and ``max``)."""

    expand_all: int = Field(4, alias="expandAll", ge=1, description="Older name of concurrency.start, still read.")
    start: int = Field(
        8,
        ge=1,
        description="Requests sent to one provider/model at once to begin with (default: expandAll when only "
        "that is set, else 8); the limit then adapts: it grows while calls succeed and halves on a 429/529.",
    )
    max: int = Field(16, ge=1, description="The most requests sent to one provider/model at once.")
    adaptive: bool = Field(True, description="false keeps the limit fixed at concurrency.start.")
    update: int | None = Field(None, ge=1, description="Cap on parallel batches of update (none: adaptive limit).")


class Review(_Section):
    """The review of a finished task."""

    approve_score: int = Field(
        80,
        alias="approveScore",
        ge=0,
        le=100,
        description="review with apply: approve at or above this score marks the task done.",
    )
    consensus_threshold: int = Field(
        20,
        alias="consensusThreshold",
        ge=0,
        le=100,
        description="review with reviewers: the widest score spread that still counts as agreement.",
    )


class Critique(_Section):
    """The critique of a draft plan."""

    role: str = Field(
        "fallback",
        description="The role that critiques drafts of parse_prd / expand_task with critique; it must be configured.",
    )


class Cache(_Section):
    """The response cache: an identical request is answered from disk; unknown keys are refused."""

    enabled: bool = Field(True, description="Answer an identical request from the cache.")
    ttl_seconds: float = Field(1800.0, alias="ttlSeconds", ge=0, description="How long a cached answer is reused.")
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
        default_factory=lambda: {},
        alias="commandRoles",
        description='Start a command on another role, e.g. {"analyze_project_complexity": "fallback"}.',
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
        description="Prices for custom or local models, keyed by provider/modelId or by role name; they replace the "
        "catalogue's. A model without a price has unknown cost and counts against no budget.",
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


@functools.cache
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
