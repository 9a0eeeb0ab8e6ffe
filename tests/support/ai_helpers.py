"""Projects wired to the scripted provider server, for AI tools tested end to end through the MCP client."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from provider_server import ProviderServer, write_config

MAIN_MODEL = "claude-sonnet-4-20250514"
FALLBACK_MODEL = "gpt-4o"
RESEARCH_MODEL = "sonar-pro"
FAST = {"retries": {"perRole": 1, "baseDelaySeconds": 0, "maxDelaySeconds": 0.05}}


def ai_env(tmp_path: Path) -> dict[str, str]:
    """Fake keys for every provider in use, and ledger and cache directories inside tmp_path."""
    return {
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "OPENAI_API_KEY": "sk-openai-test",
        "PERPLEXITY_API_KEY": "pplx-test",
        "TASKMASTER_MCP_DATA_DIR": str(tmp_path / "ledger"),
        "TASKMASTER_MCP_CACHE_DIR": str(tmp_path / "cache"),
    }


def ai_project(
    root: Path,
    server: ProviderServer,
    tasks: Path | None = None,
    ours: dict[str, Any] | None = None,
    **global_settings: Any,
) -> Path:
    """A project whose roles all point at ``server``: main anthropic, fallback openai, research perplexity."""
    (root / ".taskmaster" / "tasks").mkdir(parents=True, exist_ok=True)
    if tasks is not None:
        shutil.copyfile(tasks, root / ".taskmaster" / "tasks" / "tasks.json")
    write_config(
        root,
        {
            "main": {"provider": "anthropic", "modelId": MAIN_MODEL, "maxTokens": 4000, "baseURL": server.url},
            "fallback": {
                "provider": "openai",
                "modelId": FALLBACK_MODEL,
                "maxTokens": 4000,
                "baseURL": server.url + "/v1",
            },
            "research": {
                "provider": "perplexity",
                "modelId": RESEARCH_MODEL,
                "maxTokens": 4000,
                "baseURL": server.url + "/v1",
            },
        },
        {**FAST, **(ours or {})},
        global_settings,
    )
    return root


def as_json(value: Any) -> str:
    """A model reply carrying ``value`` as JSON text."""
    return json.dumps(value)


def message_text(content: Any) -> str:
    """A message's text: a plain string, or the text blocks of an Anthropic message (the prompt-cached prefix is a
    block of its own) joined back together."""
    if isinstance(content, list):
        return "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))  # pyright: ignore
    return str(content)
