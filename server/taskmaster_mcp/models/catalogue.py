"""The model catalogue shipped as package data (``data/models.json``).

Per provider: each model's context window, output limit, USD price per million input / output / cached-input tokens,
the roles it may fill, whether our adapter can ask it for native JSON-schema output, and an optional SWE-bench score.

A ``null`` price means *unknown*, never free: :func:`cost` then returns None, and the ledger counts such calls
separately instead of adding zero. Model ids that are not listed are allowed everywhere; their cost is unknown.
Listed with a price of 0: provider ``mcp`` (model ``mcp-sampling``, the MCP client's own model), the subscription
CLI agents (claude-code, codex-cli, gemini-cli: a flat-rate plan; calls they make with an API key are recorded as
unknown, see ``agents.py``), zai-coding (Z.ai's coding plan) and the free OpenRouter models.

The file covers every entry of Task Master's ``supported-models.json`` and is refreshed from it with
``python -m taskmaster_mcp.models.catalogue_refresh PATH`` (``catalogue_refresh.py`` gives the merge rules).
Entries Task Master marks ``supported: false`` are found by :func:`lookup` but left out of :func:`models`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

ROLE_NAMES = ("main", "fallback", "research")
# The minimum cacheable prompt prefix, in tokens, by model family (first match wins; provider-realities.md):
# Anthropic caches nothing under 1,024 tokens (Sonnet 4/4.5, Opus 4/4.1, Claude 3.x), 2,048 (Sonnet 4.6, Haiku
# 3.5) or 4,096 (Opus 4.5/4.6, Haiku 4.5), also on Bedrock and Vertex; OpenAI under 1,024.
CACHE_MINIMUMS: tuple[tuple[str, int], ...] = (
    ("opus-4-5", 4096),
    ("opus-4-6", 4096),
    ("haiku-4-5", 4096),
    ("sonnet-4-6", 2048),
    ("3-5-haiku", 2048),
    ("haiku-3-5", 2048),
)
DEFAULT_CACHE_MINIMUM = 1024


def min_cache_tokens(model_id: str) -> int:
    """The fewest prompt-prefix tokens ``model_id``'s provider caches (below it nothing is cached, silently)."""
    return next((tokens for fragment, tokens in CACHE_MINIMUMS if fragment in model_id), DEFAULT_CACHE_MINIMUM)


@dataclass(frozen=True)
class ModelInfo:
    """One catalogue entry. Prices are USD per 1M tokens; None means unknown."""

    provider: str
    id: str
    context_window: int | None
    max_output_tokens: int | None
    input_price: float | None
    output_price: float | None
    cached_input_price: float | None
    allowed_roles: tuple[str, ...]
    supports_structured_output: bool
    swe_score: float | None = None
    supported: bool = True

    @property
    def priced(self) -> bool:
        """True when both the input and output prices are known."""
        return self.input_price is not None and self.output_price is not None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"catalogue price must be a number or null, got {value!r}")
    return float(value)


def _integer(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"catalogue token limit must be an integer or null, got {value!r}")
    return value


def _entry(provider: str, raw: dict[str, Any]) -> ModelInfo:
    prices: dict[str, Any] = raw.get("cost_per_1m_tokens") or {}
    roles = tuple(str(r) for r in raw.get("allowed_roles") or ROLE_NAMES)
    return ModelInfo(
        provider=provider,
        id=str(raw["id"]),
        context_window=_integer(raw.get("context_window")),
        max_output_tokens=_integer(raw.get("max_output_tokens")),
        input_price=_number(prices.get("input")),
        output_price=_number(prices.get("output")),
        cached_input_price=_number(prices.get("cached_input")),
        allowed_roles=roles,
        supports_structured_output=bool(raw.get("supports_structured_output", False)),
        swe_score=_number(raw.get("swe_score")),
        supported=raw.get("supported", True) is not False,
    )


@cache
def _catalogue() -> dict[str, dict[str, ModelInfo]]:
    text = resources.files("taskmaster_mcp").joinpath("data", "models.json").read_text(encoding="utf-8")
    document = json.loads(text)
    table: dict[str, dict[str, ModelInfo]] = {}
    for provider, entries in document["providers"].items():
        table[provider] = {e["id"]: _entry(provider, e) for e in entries}
    return table


def providers() -> list[str]:
    """Every provider the catalogue lists, in file order."""
    return list(_catalogue())


def lookup(provider: str, model_id: str) -> ModelInfo | None:
    """The catalogue entry for ``provider``/``model_id``; None for a model we do not list (which is allowed)."""
    return _catalogue().get(provider.lower(), {}).get(model_id)


def models(provider: str | None = None, role: str | None = None) -> list[ModelInfo]:
    """Listed models, optionally only one provider's and only those allowed in ``role``."""
    found: list[ModelInfo] = []
    for name, entries in _catalogue().items():
        if provider is not None and name != provider.lower():
            continue
        found.extend(m for m in entries.values() if m.supported and (role is None or role in m.allowed_roles))
    return found


def cost(info: ModelInfo | None, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float | None:
    """USD cost of one call, or None when the price is unknown.

    ``input_tokens`` counts every prompt token, cached ones included; ``cached_tokens`` is the part read from the
    provider's prompt cache, billed at the cached price (the input price when no cached price is listed).
    """
    if info is None or info.input_price is None or info.output_price is None:
        return None
    cached = max(0, min(cached_tokens, input_tokens))
    cached_price = info.cached_input_price if info.cached_input_price is not None else info.input_price
    total = (input_tokens - cached) * info.input_price + cached * cached_price + output_tokens * info.output_price
    return total / 1_000_000
