"""One model per agent, end to end: MCP client -> our server -> real SDK -> scripted provider. Each role is its own
model, so the model that saw a request says which route a call took; the agent comes from the item's live claim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front so a test's time budget covers model calls, not the SDK import

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import MESSAGES, ProviderServer, Reply

FAST = "claude-haiku-4-5-20251001"
STRONG = "claude-opus-4-5-20251101"
RULES = [{"agent": "docs", "role": "fast"}, {"agent": "architect", "role": "strong"}]
LATER = "2099-01-01T00:00:00.000Z"


def entry(tid: int, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "title": title,
        "description": f"{title}.",
        "status": "pending",
        "dependencies": [],
        "priority": "medium",
        "details": "",
        "testStrategy": "",
        "subtasks": [],
        **extra,
    }


def claimed(agent: str, until: str = LATER) -> dict[str, Any]:
    return {"taskmasterMcp": {"claim": {"agent": agent, "claimedAt": "2026-12-07T20:00:00.000Z", "until": until}}}


def agents_project(root: Path, server: ProviderServer, routing: list[dict[str, Any]] = RULES) -> Path:
    roles = {
        "fast": {"provider": "anthropic", "modelId": FAST, "maxTokens": 4000, "baseURL": server.url},
        "strong": {"provider": "anthropic", "modelId": STRONG, "maxTokens": 4000, "baseURL": server.url},
    }
    ai_project(root, server, ours={"roles": roles, "routing": routing, "cache": {"enabled": False}})
    sub = {"id": 1, "title": "Sketch the API", "description": "Sketch.", "status": "in-progress", "dependencies": []}
    tasks = [
        entry(1, "Write the user guide"),
        entry(
            2, "Design the storage layer", status="in-progress", subtasks=[{**sub, "metadata": claimed("architect")}]
        ),
        entry(3, "Add a flag", metadata=claimed("docs", until="2020-01-01T00:00:00.000Z")),  # an expired lease
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    return root


def plan(title: str) -> str:
    sub = {"id": 1, "title": title, "description": ".", "details": ".", "testStrategy": ".", "dependencies": []}
    return as_json({"subtasks": [sub]})


async def test_a_call_on_an_item_an_agent_claims_starts_on_that_agent_s_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = agents_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=plan("Outline")), model=FAST)
    provider_server.script(
        MESSAGES, Reply(text=as_json({"title": "Sketch the API", "description": "D.", "details": "X."})), model=STRONG
    )
    provider_server.script(MESSAGES, Reply(text=plan("Flag")), model=MAIN_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        got = await ok(client, "next_task", claim=True, agent="docs")
        docs = await ok(client, "expand_task", id=str(got["next"]["id"]))
        architect = await ok(client, "update_task", id="2.1", prompt="Keep it small")
        expired = await ok(client, "expand_task", id="3")
        table = await ok(client, "route")
    assert got["next"]["id"] == 1
    assert [r.model for r in provider_server.seen(MESSAGES)] == [FAST, STRONG, MAIN_MODEL]
    assert docs["usage"]["route"] == ["routing[0]: agent docs → fast"]
    assert architect["usage"]["route"] == ["routing[1]: agent architect → strong"]
    assert expired["usage"]["route"] == ["default: expand_task → main"]  # a lapsed lease routes as nobody
    rows = {row["id"]: row for row in table["rows"]}
    assert rows["1"]["agent"] == "docs" and rows["1"]["expand"] == "routing[0]: agent docs → fast"
    assert rows["2"].get("agent") is None and rows["3"].get("agent") is None  # 2's claim is on its subtask


async def test_an_invalid_agent_rule_is_refused_before_any_model_call_and_changes_nothing(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = agents_project(
        tmp_path / "p", provider_server, [{"agent": "docs", "role": "fast"}, {"agent": 3, "role": "fast"}]
    )
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        expanding = await error(client, "expand_task", id="1")
        routing = await error(client, "route")
    for message in (expanding, routing):
        assert "taskmasterMcp.routing[1].agent in .taskmaster/config.json must be an agent name" in message
    assert provider_server.seen() == [] and snapshot(root) == files
