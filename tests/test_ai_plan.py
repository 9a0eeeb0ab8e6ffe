"""parse_prd and add_task with a prompt, end to end: MCP client -> our server -> real SDKs -> scripted provider."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply


def plan(*tasks: tuple[int, str, list[int]]) -> str:
    return as_json({"tasks": [
        {"id": i, "title": title, "description": f"{title}.", "details": "How.", "testStrategy": "Tests.",
         "priority": "high" if not deps else "medium", "dependencies": deps} for i, title, deps in tasks]})


def stored(root: Path, tag: str = "master") -> list[dict[str, Any]]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))[tag]["tasks"]


async def test_parse_prd_writes_dependency_ordered_tasks_with_our_ids(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / ".taskmaster/docs").mkdir()
    (root / ".taskmaster/docs/prd.txt").write_text((shared_fixtures / "prd-bookmarks.md").read_text())
    provider_server.script(MESSAGES, Reply(text=plan((1, "Project skeleton", []), (2, "Accounts", [1]),
                                                     (3, "Bookmarks CRUD", [2, 9, 3]))))
    progress: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await client.call_tool("parse_prd", {"numTasks": 3}, progress_callback=on_progress)
    assert not result.is_error, result.content
    data = result.structured_content or {}
    assert [t["id"] for t in data["created"]] == [1, 2, 3]
    assert data["created"][2]["dependencies"] == [2]
    assert data["droppedDependencies"] == 2
    assert data["usage"]["models"] == [f"main anthropic/{MAIN_MODEL}"]
    assert data["usage"]["inputTokens"] > 0 and data["usage"]["costUsd"] is not None
    tasks = stored(root)
    assert tasks[1] == {"id": 2, "title": "Accounts", "description": "Accounts.", "details": "How.",
                        "testStrategy": "Tests.", "status": "pending", "dependencies": [1], "priority": "medium",
                        "subtasks": []}
    sent = provider_server.seen(MESSAGES)[0].body
    assert "Linkshelf" in json.dumps(sent)
    assert any("planning part 1 of 1" in p for p in progress)


async def test_parse_prd_refuses_to_overwrite_without_force_or_append(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd="# PRD\nBuild a thing.")
    assert "append=true" in message and "force=true" in message
    assert provider_server.seen() == []
    assert snapshot(root) == before


async def test_parse_prd_append_numbers_after_existing_tasks_and_keeps_other_tags(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    other_tag = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["feature-auth"]
    provider_server.script(MESSAGES, Reply(text=plan((9, "Docs site", [4]), (10, "Release notes", [9]))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# More\nDocs and notes.", append=True)
    assert [t["id"] for t in data["created"]] == [9, 10]
    tasks = stored(root)
    assert [t["id"] for t in tasks][-3:] == [8, 9, 10]
    assert tasks[-2]["dependencies"] == [4] and tasks[-1]["dependencies"] == [9]
    assert json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["feature-auth"] == other_tag


async def test_parse_prd_force_replaces_only_the_target_tag(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=plan((1, "Fresh start", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# New\nStart over.", force=True, tag="feature-auth")
    assert data["replaced"] == 2
    assert [t["title"] for t in stored(root, "feature-auth")] == ["Fresh start"]
    assert len(stored(root)) == 8


async def test_malformed_model_output_is_reasked_once_then_accepted(
        tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text='{"tasks": [{"id": 1, "title": "x"}]}'),
                           Reply(text=plan((1, "Valid task", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nA thing.")
    assert data["created"][0]["title"] == "Valid task"
    second = json.dumps(provider_server.seen(MESSAGES)[1].body)
    assert "not valid against the schema" in second


async def test_invalid_output_from_every_role_changes_nothing_and_says_why(
        tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.defaults[MESSAGES] = Reply(text="I cannot do JSON today")
    provider_server.defaults[CHAT] = Reply(text="nor can I")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd="# PRD\nA thing.")
    assert "Every configured model failed" in message and "invalid output" in message
    assert snapshot(root) == before


async def test_research_flag_asks_the_research_role_first_then_main_uses_its_findings(
        tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(CHAT, Reply(text="- FastAPI 0.120 is current"))
    provider_server.script(MESSAGES, Reply(text=plan((1, "Skeleton", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nUse FastAPI.", research=True)
    assert data["usage"]["calls"] == 2
    assert "FastAPI 0.120 is current" in json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert provider_server.seen(CHAT)[0].model == "sonar-pro"


async def test_a_long_prd_is_planned_in_parts_with_consistent_ids(
        tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server, ours={"inputBudgetTokens": 8000})
    sections = "\n\n".join(f"## Feature {n}\n" + ("Detail sentence. " * 1500) for n in range(1, 5))
    provider_server.script(MESSAGES, *[Reply(text=plan((n, f"Feature {n}", [n - 1] if n > 1 else [])))
                                       for n in range(1, 9)])
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=sections)
    assert data["parts"] > 1
    ids = [t["id"] for t in stored(root)]
    assert ids == list(range(1, len(ids) + 1))
    second_prompt = json.dumps(provider_server.seen(MESSAGES)[1].body)
    assert "1: Feature 1 [pending]" in second_prompt


async def test_add_task_with_a_prompt_drafts_a_task_and_keeps_user_fields(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=as_json({
        "title": "Rate limiting", "description": "Limit API calls.", "details": "Token bucket.",
        "testStrategy": "Burst test.", "priority": "high", "dependencies": [4, 77]})))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "add_task", prompt="Add rate limits to the API", dependencies="6", priority="low")
    task = data["task"]
    assert (task["id"], task["title"], task["priority"]) == (9, "Rate limiting", "low")
    assert task["dependencies"] == [6, 4]
    assert "storage-team" not in json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert data["usage"]["calls"] == 1


async def test_progress_values_always_increase_across_parts_and_model_heartbeats(
        tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server, ours={"inputBudgetTokens": 2000})
    sections = "\n\n".join(f"## Part {n}\n" + ("Some requirement. " * 300) for n in range(1, 4))
    provider_server.defaults[MESSAGES] = Reply(text=plan((1, "A task", [])), chunks=6)
    values: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        values.append(done)

    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await client.call_tool("parse_prd", {"prd": sections}, progress_callback=on_progress)
    assert not result.is_error
    assert len(values) >= 4
    assert all(b > a for a, b in itertools.pairwise(values))
