"""The model catalogue: lookups, prices, unknown costs, role filters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES
from taskmaster_mcp.models import catalogue, catalogue_refresh


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
    expected = {
        "anthropic",
        "openai",
        "google",
        "perplexity",
        "xai",
        "groq",
        "mistral",
        "deepseek",
        "openrouter",
        "ollama",
        "lmstudio",
        "mcp",
        "claude-code",
        "codex-cli",
        "gemini-cli",
        "grok-cli",
        "zai",
        "zai-coding",
        "azure",
        "bedrock",
    }
    assert expected <= set(catalogue.providers())


def test_structured_output_support_is_per_model() -> None:
    assert catalogue.lookup("openai", "gpt-4.1").supports_structured_output  # type: ignore[union-attr]
    assert not catalogue.lookup("anthropic", "claude-3-7-sonnet-20250219").supports_structured_output  # type: ignore[union-attr]


# A copy of Task Master 0.43.1's scripts/modules/supported-models.json.
TASK_MASTER = FIXTURES / "taskmaster-supported-models.json"


def test_the_catalogue_lists_every_model_of_task_masters_supported_models_json() -> None:
    theirs = json.loads(TASK_MASTER.read_text(encoding="utf-8"))
    missing = [
        (provider, entry["id"])
        for provider, entries in theirs.items()
        for entry in entries
        if catalogue.lookup(provider, entry["id"]) is None
    ]
    assert sum(len(entries) for entries in theirs.values()) == 127 and len(theirs) == 17
    assert missing == []


def test_a_model_may_fill_every_role_task_master_allows_it() -> None:
    theirs = json.loads(TASK_MASTER.read_text(encoding="utf-8"))
    for provider, entries in theirs.items():
        for entry in entries:
            info = catalogue.lookup(provider, entry["id"])
            assert info is not None and set(entry["allowed_roles"]) <= set(info.allowed_roles), (provider, entry["id"])


def test_the_committed_catalogue_is_what_the_refresh_script_makes_from_task_masters_file() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "taskmaster_mcp.models.catalogue_refresh", str(TASK_MASTER), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr


def test_refresh_fills_gaps_keeps_our_values_and_never_prices_unknowns_as_free() -> None:
    ours = {
        "note": "n",
        "providers": {
            "openai": [
                {
                    "id": "gpt-x",
                    "context_window": 1000,
                    "max_output_tokens": 100,
                    "cost_per_1m_tokens": {"input": 1, "output": None, "cached_input": 0.1},
                    "allowed_roles": ["main"],
                    "supports_structured_output": True,
                }
            ]
        },
    }
    theirs = {
        "openai": [
            {
                "id": "gpt-x",
                "swe_score": 0.5,
                "cost_per_1m_tokens": {"input": 9, "output": 4},
                "allowed_roles": ["main", "research"],
                "max_tokens": 999,
                "supported": True,
            }
        ],
        "azure": [
            {
                "id": "gpt-x",
                "swe_score": 0,
                "cost_per_1m_tokens": {"input": 2},
                "allowed_roles": ["main"],
                "max_tokens": 50,
            }
        ],
        "ollama": [
            {
                "id": "llama",
                "swe_score": 0,
                "cost_per_1m_tokens": {"input": 0, "output": 0},
                "allowed_roles": ["main"],
                "max_tokens": None,
                "supported": False,
            }
        ],
    }
    merged, notes = catalogue_refresh.merge(ours, theirs)
    openai = merged["providers"]["openai"][0]
    assert openai["cost_per_1m_tokens"] == {"input": 1, "output": 4, "cached_input": 0.1}  # ours kept, gap filled
    assert openai["max_output_tokens"] == 100 and openai["swe_score"] == 0.5
    assert openai["allowed_roles"] == ["main", "research"]
    assert any("input price ours 1, Task Master 9" in note for note in notes)
    azure = merged["providers"]["azure"][0]
    assert azure["cost_per_1m_tokens"]["output"] is None and azure["swe_score"] is None
    assert azure["context_window"] == 1000 and azure["supports_structured_output"] is True  # borrowed from openai
    ollama = merged["providers"]["ollama"][0]
    assert ollama["cost_per_1m_tokens"]["input"] is None and ollama["supported"] is False
    written = json.loads(catalogue_refresh.dumps(merged))  # one entry per line; a null swe_score is left out
    assert written["providers"]["openai"] == merged["providers"]["openai"]
    assert "swe_score" not in written["providers"]["azure"][0]


def test_unsupported_models_are_found_but_not_listed() -> None:
    info = catalogue.lookup("openrouter", "thudm/glm-4-32b:free")
    assert info is not None and not info.supported
    assert "thudm/glm-4-32b:free" not in {m.id for m in catalogue.models("openrouter")}


def test_subscription_cli_agents_cost_nothing_and_grok_cli_is_unknown() -> None:
    assert catalogue.cost(catalogue.lookup("claude-code", "sonnet"), 1000, 1000) == 0
    assert catalogue.cost(catalogue.lookup("codex-cli", "gpt-5.2-codex"), 1000, 1000) == 0
    assert catalogue.cost(catalogue.lookup("grok-cli", "grok-4-latest"), 1000, 1000) is None
