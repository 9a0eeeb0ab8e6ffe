"""config.json roles and their defaults, .env parsing, API-key lookup, and updating the config safely."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import make_project
from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models import registry
from taskmaster_mcp.store import config
from taskmaster_mcp.store.paths import Paths


def write_config(root: Path, data: Any) -> Paths:
    make_project(root)
    (root / ".taskmaster" / "config.json").write_text(json.dumps(data))
    return Paths(root)


def test_role_blocks_merge_over_the_defaults(tmp_path: Path) -> None:
    paths = write_config(
        tmp_path,
        {
            "models": {
                "main": {"modelId": "claude-x", "temperature": 0},
                "research": {"provider": "OpenAI", "modelId": "gpt-x", "baseURL": "http://127.0.0.1:1"},
            }
        },
    )
    cfg = config.load_config(paths)
    main = cfg.role("main")
    assert main is not None
    assert (main.provider, main.model_id, main.max_tokens, main.temperature) == ("anthropic", "claude-x", 64000, 0.0)
    research = cfg.role("research")
    assert research is not None
    assert (research.provider, research.max_tokens, research.base_url) == ("openai", 8700, "http://127.0.0.1:1")
    assert cfg.global_settings["defaultTag"] == "master"


def test_a_missing_config_gives_defaults_and_no_fallback(tmp_path: Path) -> None:
    cfg = config.load_config(Paths(tmp_path))
    assert cfg.role("main") is not None
    assert cfg.role("fallback") is None


def test_the_fallback_role_needs_both_provider_and_model_id(tmp_path: Path) -> None:
    assert (
        config.load_config(write_config(tmp_path, {"models": {"fallback": {"provider": "openai"}}})).role("fallback")
        is None
    )
    assert (
        config.load_config(write_config(tmp_path, {"models": {"fallback": {"modelId": "x"}}})).role("fallback") is None
    )
    fallback = config.load_config(
        write_config(tmp_path, {"models": {"fallback": {"provider": "openai", "modelId": "x"}}})
    ).role("fallback")
    assert fallback is not None and fallback.max_tokens == 120000


@pytest.mark.parametrize(
    ("role", "block", "named"),
    [
        ("main", {"maxTokens": "lots"}, "models.main.maxTokens"),
        ("main", {"maxTokens": 0}, "models.main.maxTokens"),
        ("main", {"maxTokens": True}, "models.main.maxTokens"),
        ("research", {"temperature": 3}, "models.research.temperature"),
        ("research", {"temperature": "hot"}, "models.research.temperature"),
        ("main", {"provider": ""}, "models.main"),
    ],
)
def test_invalid_role_settings_raise_config_error_naming_the_key(
    tmp_path: Path, role: config.Role, block: dict[str, Any], named: str
) -> None:
    cfg = config.load_config(write_config(tmp_path, {"models": {role: block}}))
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        cfg.role(role)


def test_dotenv_parsing_handles_export_quotes_comments_and_blank_lines(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# keys\n\nexport A=1\nB = 'two words'\nC=\"x # not a comment\"\nD=val # comment\nnoequals\nE=\n")
    assert config.read_dotenv(env) == {"A": "1", "B": "two words", "C": "x # not a comment", "D": "val", "E": ""}
    assert config.read_dotenv(tmp_path / "missing") == {}


def test_key_lookup_prefers_the_environment_over_dotenv_and_skips_placeholders(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv\nOPENAI_API_KEY=YOUR_OPENAI_API_KEY_HERE\n")
    from_env = registry.resolve_key("anthropic", {"ANTHROPIC_API_KEY": "from-env"}, paths)
    assert (from_env.source, from_env.value) == ("env", "from-env")
    placeholder_env = registry.resolve_key("anthropic", {"ANTHROPIC_API_KEY": "YOUR_KEY_HERE"}, paths)
    assert (placeholder_env.source, placeholder_env.value) == (".env", "from-dotenv")
    assert registry.resolve_key("anthropic", {"ANTHROPIC_API_KEY": ""}, paths).source == ".env"
    missing = registry.resolve_key("openai", {}, paths)
    assert (missing.source, missing.present, missing.variable) == ("missing", False, "OPENAI_API_KEY")
    assert registry.resolve_key("ollama", {}, paths).source == "not-needed"
    assert registry.resolve_key("my-proxy", {"MY_PROXY_API_KEY": "k"}, None).source == "env"
    assert "from-env" not in repr(from_env)


def test_update_config_preserves_unknown_sections_and_the_trailing_newline(tmp_path: Path) -> None:
    paths = write_config(tmp_path, {})
    original = {
        "models": {"main": {"provider": "anthropic", "modelId": "a"}},
        "global": {"x": 1},
        "claudeCode": {"keep": True},
        "storage": {"type": "file"},
    }
    paths.config_file.write_text(json.dumps(original, indent=2) + "\n")
    cfg = config.update_config(paths, lambda raw: raw["models"]["main"].update(modelId="b"))
    data = json.loads(paths.config_file.read_text())
    assert data == {**original, "models": {"main": {"provider": "anthropic", "modelId": "b"}}}
    assert paths.config_file.read_text().endswith("}\n")
    assert cfg.raw == data


def test_update_config_writes_nothing_when_the_change_raises(tmp_path: Path) -> None:
    paths = write_config(tmp_path, {"models": {}})
    before = paths.config_file.read_bytes()

    def boom(raw: dict[str, Any]) -> None:
        raw["models"]["main"] = {}
        raise ValueError("no")

    with pytest.raises(ValueError):
        config.update_config(paths, boom)
    assert paths.config_file.read_bytes() == before
    assert not [name for name in os.listdir(paths.taskmaster) if name.endswith(".tmp")]
