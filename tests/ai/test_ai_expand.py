"""expand_task and expand_all, end to end: MCP client -> our server -> real SDKs -> scripted provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front so a test's time budget covers model calls, not the SDK import

from ai_helpers import FALLBACK_MODEL, RESEARCH_MODEL, ai_env, ai_project, message_text
from ai_samples import pending_project, plan
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply

THREE = plan((1, "Define the schema", []), (2, "Write the adapter", [1]), (3, "Wire retries", [1, 2]))


def document(root: Path) -> dict[str, Any]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))


def task(root: Path, tid: Any, tag: str = "master") -> dict[str, Any]:
    return next(t for t in document(root)[tag]["tasks"] if str(t["id"]) == str(tid))


def bodies(server: ProviderServer, route: str = MESSAGES) -> str:
    return json.dumps([r.body for r in server.seen(route)])


def prompts(server: ProviderServer, route: str = MESSAGES) -> str:
    """The user messages the model was sent, as plain text."""
    return "\n".join(message_text(m.get("content")) for r in server.seen(route) for m in r.body.get("messages", []))


async def test_expand_task_appends_subtasks_with_int_sibling_dependencies_and_uses_the_report(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    (root / ".taskmaster/reports").mkdir()
    (root / ".taskmaster/reports/task-complexity-report.json").write_text(
        json.dumps(
            {
                "meta": {},
                "complexityAnalysis": [
                    {
                        "taskId": 3,
                        "taskTitle": "Implement storage layer",
                        "complexityScore": 8,
                        "recommendedSubtasks": 3,
                        "expansionPrompt": "Focus on connection retries.",
                    }
                ],
            }
        )
    )
    before = document(root)
    provider_server.script(
        MESSAGES,
        Reply(text=plan((1, "Define the schema", []), (2, "Write the adapter", [1, 7]), (3, "Wire retries", [1, 2]))),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="3")
    assert [c["id"] for c in data["created"]] == ["3.4", "3.5", "3.6"]
    assert data["droppedDependencies"] == 1 and data["usage"]["calls"] == 1
    stored = task(root, 3)
    assert stored["subtasks"][:3] == before["master"]["tasks"][2]["subtasks"]
    assert stored["subtasks"][3:] == [
        {
            "id": 4,
            "title": "Define the schema",
            "description": "Define the schema.",
            "dependencies": [],
            "details": "How to define the schema.",
            "status": "pending",
            "testStrategy": "Unit test.",
        },
        {
            "id": 5,
            "title": "Write the adapter",
            "description": "Write the adapter.",
            "dependencies": [4],
            "details": "How to write the adapter.",
            "status": "pending",
            "testStrategy": "Unit test.",
        },
        {
            "id": 6,
            "title": "Wire retries",
            "description": "Wire retries.",
            "dependencies": [4, 5],
            "details": "How to wire retries.",
            "status": "pending",
            "testStrategy": "Unit test.",
        },
    ]
    assert {k: v for k, v in stored.items() if k != "subtasks"} == {
        k: v for k, v in before["master"]["tasks"][2].items() if k != "subtasks"
    }
    after = document(root)
    assert after["feature-auth"] == before["feature-auth"] and after["empty-tag"] == before["empty-tag"]
    assert [t for t in after["master"]["tasks"] if t["id"] != "3"] == [
        t for t in before["master"]["tasks"] if t["id"] != "3"
    ]
    sent = bodies(provider_server)
    assert "Focus on connection retries." in sent and "about 3 subtasks" in sent
    assert "storage-team" not in sent and "ST-12" not in sent
    text = prompts(provider_server)
    builds_on, unblocks = text.split("It builds on these tasks")[1].split("These tasks depend on it")
    assert '"title":"Set up repository"' in builds_on  # a dependency, with its description and details
    assert (
        '{"id":"4","title":"HTTP API","status":"pending","description":"Expose CRUD endpoints.",'
        '"details":"REST first. <info added on' in unblocks
    )  # and a task that depends on it


async def test_expand_task_with_force_replaces_existing_subtasks(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=THREE))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="4", force=True, num=3, prompt="Keep it to REST.")
    assert data["removed"] == ["4.1", "4.2", "4.3"]
    subs = task(root, 4)["subtasks"]
    assert [(s["id"], s["dependencies"]) for s in subs] == [(1, []), (2, [1]), (3, [1, 2])]
    assert "Keep it to REST." in bodies(provider_server)


async def test_expanding_a_subtask_replaces_it_by_finer_steps_and_rewires_dependents(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        MESSAGES,
        Reply(text=plan((1, "Pick a validator", []), (2, "Validate bodies", []), (3, "Validate queries", [1]))),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="4.2")
    assert data["removed"] == ["4.2"] and [c["id"] for c in data["created"]] == ["4.4", "4.5", "4.6"]
    subs = task(root, 4)["subtasks"]
    assert [(s["id"], s["dependencies"]) for s in subs] == [(1, ["3.2"]), (4, [1]), (5, [4]), (6, [4]), (3, [1, 6])]
    assert "<subtask>" in prompts(provider_server) and '"id":"4.2"' in prompts(provider_server)


async def test_done_work_is_refused_with_what_to_do_and_nothing_changes(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_task", id="1")
        sub_message = await error(client, "expand_task", id="3.1")
    assert "Task 1 is done" in message and "pending" in message
    assert "Subtask 3.1 is done" in sub_message
    assert provider_server.seen() == [] and snapshot(root) == before


async def test_research_findings_reach_the_main_prompt(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(CHAT, Reply(text="- asyncpg 0.30 pools connections natively"))
    provider_server.script(MESSAGES, Reply(text=THREE))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="4", research=True)
    assert data["usage"]["calls"] == 2
    assert provider_server.seen(CHAT)[0].model == RESEARCH_MODEL
    assert "asyncpg 0.30 pools connections natively" in bodies(provider_server)


async def test_malformed_reply_is_reasked_then_accepted(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text='{"subtasks": [{"id": 1, "title": "x"}]}'), Reply(text=THREE))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="4")
    assert len(data["created"]) == 3
    assert "not valid against the schema" in json.dumps(provider_server.seen(MESSAGES)[1].body)


async def test_malformed_twice_on_every_role_is_an_error_and_files_are_untouched(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.defaults[MESSAGES] = Reply(text="Here are some subtasks: first, second.")
    provider_server.defaults[CHAT] = Reply(text='{"subtasks": []}')
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_task", id="4")
    assert "Every configured model failed" in message and "invalid output" in message
    assert snapshot(root) == before


async def test_expand_all_saves_the_tasks_that_succeed_when_one_fails_on_every_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = pending_project(tmp_path / "p", provider_server, 5)
    other_before = document(root)["other"]
    provider_server.defaults[MESSAGES] = Reply(text=THREE)
    provider_server.script(MESSAGES, Reply(status=400, message="prompt is too long"))
    provider_server.script(CHAT, Reply(status=400), model=FALLBACK_MODEL)
    provider_server.script(CHAT, Reply(status=400), model=RESEARCH_MODEL)
    progress: list[tuple[float, float | None, str]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message or ""))

    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await client.call_tool("expand_all", {}, progress_callback=on_progress)
    assert not result.is_error, result.content
    data = result.structured_content or {}
    assert len(data["expanded"]) == 4 and len(data["failed"]) == 1 and data["remaining"] == []
    failed_id = data["failed"][0]["id"]
    assert "prompt is too long" in data["failed"][0]["reason"]
    for item in document(root)["master"]["tasks"]:
        assert len(item["subtasks"]) == (0 if str(item["id"]) == failed_id else 3)
    assert document(root)["other"] == other_before
    assert data["usage"]["calls"] == 4
    assert (5, 5) in [(d, t) for d, t, _ in progress]
    assert any(m.endswith("3 subtasks saved") for _, _, m in progress)


async def test_expand_all_falls_back_when_main_is_overloaded_mid_run(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # one task at a time (no adaptive limit), so the scripted 529s all reach task 1
    root = pending_project(
        tmp_path / "p", provider_server, 3, ours={"concurrency": {"expandAll": 1, "adaptive": False}}
    )
    provider_server.defaults[MESSAGES] = Reply(text=THREE)
    provider_server.defaults[CHAT] = Reply(text=plan((1, "Fallback step", []), (2, "Second step", [1])))
    provider_server.script(
        MESSAGES, Reply(status=529, error_type="overloaded_error"), Reply(status=529, error_type="overloaded_error")
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_all")
    assert [(e["id"], e["subtasks"]) for e in data["expanded"]] == [("1", 2), ("2", 3), ("3", 3)]
    assert f"fallback openai/{FALLBACK_MODEL}" in data["usage"]["models"]
    assert data["usage"]["fallbacks"]


async def test_expand_all_stops_at_the_time_budget_and_the_next_call_continues(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = pending_project(
        tmp_path / "p", provider_server, 5, ours={"timeouts": {"toolSeconds": 1.5}, "concurrency": {"expandAll": 2}}
    )
    provider_server.script(MESSAGES, Reply(text=THREE), Reply(text=THREE))
    provider_server.defaults[MESSAGES] = Reply(text=THREE, delay=30)
    async with connected(root, env=ai_env(tmp_path)) as client:
        first = await ok(client, "expand_all")
        assert first["remaining"] and "call expand_all again to continue" in first["message"]
        done = {e["id"] for e in first["expanded"]}
        assert done | set(first["remaining"]) == {"1", "2", "3", "4", "5"}
        for item in document(root)["master"]["tasks"]:
            assert bool(item["subtasks"]) == (str(item["id"]) in done)
        provider_server.defaults[MESSAGES] = Reply(text=THREE)
        second = await ok(client, "expand_all")
    assert [e["id"] for e in second["expanded"]] == first["remaining"]
    assert {s["id"] for s in second["skipped"]} == done


async def test_expand_all_with_nothing_to_do_says_how_to_proceed(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_all")
    assert "force=true" in message and provider_server.seen() == []


async def test_an_invalid_tool_time_budget_names_the_key(tmp_path: Path, provider_server: ProviderServer) -> None:
    root = pending_project(tmp_path / "p", provider_server, 2, ours={"timeouts": {"toolSeconds": "soon"}})
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_all")
    assert "taskmasterMcp.timeouts.toolSeconds" in message


async def test_expand_task_passes_the_reports_reasoning_asks_for_exactly_the_count_given_and_shows_the_code(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    (root / ".taskmaster/reports").mkdir()
    (root / ".taskmaster/reports/task-complexity-report.json").write_text(
        json.dumps(
            {
                "meta": {},
                "complexityAnalysis": [
                    {
                        "taskId": 4,
                        "taskTitle": "HTTP API",
                        "complexityScore": 7,
                        "recommendedSubtasks": 5,
                        "expansionPrompt": "One subtask a resource.",
                        "reasoning": "Many endpoints and a pagination scheme to settle.",
                    }
                ],
            }
        )
    )
    (root / "go.mod").write_text("module example.com/linkshelf\n\ngo 1.22\n")
    (root / "api").mkdir()
    (root / "api/routes.go").write_text("package api\n")
    provider_server.script(MESSAGES, Reply(text=THREE), Reply(text=THREE))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="4", num=3)
        (root / "go.mod").unlink()
        (root / "api/routes.go").unlink()
        await ok(client, "expand_task", id="8")
    with_code, without_code = [
        "\n".join(message_text(m.get("content")) for m in r.body["messages"]) for r in provider_server.seen(MESSAGES)
    ]
    assert with_code.startswith("The project's code") and "\n\nWrite exactly 3 subtasks." in with_code
    assert (
        "From the complexity analysis of this task:\nComplexity score: 7 of 10.\nRecommended number of "
        "subtasks: 5.\nWhy: Many endpoints and a pagination scheme to settle.\nHow to split it: One subtask a "
        "resource."
    ) in with_code
    assert "<project-tree>\ngo.mod\napi/\n  routes.go\n</project-tree>" in with_code
    assert '<file path="go.mod">\nmodule example.com/linkshelf' in with_code
    assert "\n\nWrite about 5 subtasks." in without_code  # the default count, asked for loosely
    assert "No project files were shown to you" in without_code and "<project-tree>" not in without_code
    assert data["usage"]["promptVersion"] == "expand@4"


async def test_expanding_a_subtask_shows_the_siblings_it_builds_on_and_those_that_wait_for_it(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=THREE))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="3.2")
    text = prompts(provider_server)
    builds_on, unblocks = text.split("It builds on these tasks")[1].split("These tasks depend on it")
    assert (
        '{"id":"3.1","title":"Schema migrations","status":"done","description":"Schema migrations for task 3.",'
        '"details":"Work out schema migrations."}' in builds_on
    )
    assert '"id":"3.3","title":"Connection pooling"' in unblocks
