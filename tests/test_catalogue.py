"""The model catalogue: lookups, prices, unknown costs, role filters."""

from __future__ import annotations

import pytest

from taskmaster_mcp.models import catalogue


def test_lookup_finds_a_listed_anthropic_model_with_prices_and_limits() -> None:
    info = catalogue.lookup("anthropic", "claude-sonnet-4-20250514")
    assert info is not None
    assert info.input_price == 3 and info.output_price == 15 and info.cached_input_price == 0.3
    assert info.context_window == 200000 and info.max_output_tokens == 64000
    assert "main" in info.allowed_roles


def test_lookup_of_an_unlisted_model_returns_none_and_its_cost_is_unknown() -> None:
    assert catalogue.lookup("anthropic", "claude-from-the-future") is None
    assert catalogue.cost(None, 1000, 1000) is None


def test_cost_bills_cached_tokens_at_the_cached_price() -> None:
    info = catalogue.lookup("openai", "gpt-4o")
    assert info is not None
    # 1M prompt tokens of which 400k cached, 100k output
    expected = (600_000 * 2.5 + 400_000 * 1.25 + 100_000 * 10) / 1_000_000
    assert catalogue.cost(info, 1_000_000, 100_000, 400_000) == pytest.approx(expected)


def test_local_models_have_unknown_not_zero_prices() -> None:
    for provider in ("ollama", "lmstudio"):
        listed = catalogue.models(provider)
        assert listed
        assert all(m.input_price is None and catalogue.cost(m, 10, 10) is None for m in listed)


def test_mcp_sampling_costs_nothing() -> None:
    info = catalogue.lookup("mcp", "mcp-sampling")
    assert info is not None
    assert catalogue.cost(info, 5000, 5000) == 0


def test_models_filters_by_provider_and_role() -> None:
    research = catalogue.models("perplexity", role="research")
    ids = {m.id for m in research}
    assert {"sonar", "sonar-pro", "sonar-reasoning-pro", "sonar-deep-research"} <= ids
    assert all(m.provider == "perplexity" for m in research)
    assert "sonar-deep-research" not in {m.id for m in catalogue.models("perplexity", role="main")}


def test_every_expected_provider_is_listed() -> None:
    expected = {"anthropic", "openai", "google", "perplexity", "xai", "groq", "mistral", "deepseek", "openrouter",
                "ollama", "lmstudio", "mcp"}
    assert expected <= set(catalogue.providers())


def test_structured_output_support_is_per_model() -> None:
    assert catalogue.lookup("openai", "gpt-4.1").supports_structured_output  # type: ignore[union-attr]
    assert not catalogue.lookup("anthropic", "claude-3-7-sonnet-20250219").supports_structured_output  # type: ignore[union-attr]
