"""The provider registry: one row per provider carries every provider fact the other modules used to keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.registry import (
    AGENTS,
    BY_NAME,
    HINT_PROVIDERS,
    ROWS,
    key_variables,
    resolve_base_url,
    resolve_key,
    row,
)
from taskmaster_mcp.store.paths import Paths


def test_every_catalogue_provider_has_a_row_and_rows_are_unique() -> None:
    assert len(BY_NAME) == len(ROWS)
    missing = set(catalogue.providers()) - set(BY_NAME)
    assert not missing


def test_hint_flags_keep_task_masters_order() -> None:
    assert HINT_PROVIDERS == (
        "openrouter",
        "ollama",
        "lmstudio",
        "bedrock",
        "azure",
        "vertex",
        "openai-compatible",
        "claude-code",
        "gemini-cli",
        "codex-cli",
        "grok-cli",
    )


def test_agents_and_self_located_wires_come_from_the_rows() -> None:
    assert set(AGENTS) == {"claude-code", "codex-cli", "gemini-cli", "grok-cli"}
    assert all(row(name).wire == "agent" and row(name).self_located for name in AGENTS)
    assert resolve_base_url("bedrock", None, {}, {}) is None
    with pytest.raises(ConfigError, match=r"global\.azureBaseURL"):
        resolve_base_url("azure", None, {}, {})
    azure = resolve_base_url("azure", None, {}, {"azureBaseURL": "https://x.openai.azure.com/openai"})
    assert azure == "https://x.openai.azure.com/openai/v1"


def test_unknown_provider_is_an_openai_wire_with_its_own_key_variable(tmp_path: Path) -> None:
    assert row("acme-ai").wire == "openai" and row("acme-ai").key_variable == "ACME_AI_API_KEY"
    (tmp_path / ".env").write_text("ACME_AI_API_KEY=sk-acme-123\n")
    found = resolve_key("acme-ai", {}, Paths(tmp_path))
    assert found.source == ".env" and found.present and "sk-acme" not in repr(found)


def test_key_variables_are_listed_once() -> None:
    variables = key_variables()
    assert len(variables) == len(set(variables)) and "ZAI_API_KEY" in variables and "ANTHROPIC_API_KEY" in variables
