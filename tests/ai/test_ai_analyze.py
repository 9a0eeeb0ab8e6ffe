"""analyze_project_complexity and scope_up_task / scope_down_task, end to end through the MCP client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai_helpers import ai_env, ai_project, as_json, message_text
from ai_samples import scores
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply

REPORT = ".taskmaster/reports/task-complexity-report.json"


def document(root: Path) -> dict[str, Any]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))


def prompts(server: ProviderServer) -> list[str]:
    return [
        "\n".join(message_text(m.get("content")) for m in r.body.get("messages", [])) for r in server.seen(MESSAGES)
    ]


def project_with(root: Path, server: ProviderServer, count: int, done: list[int]) -> Path:
    ai_project(root, server, projectName="Linkshelf")
    tasks = [
        {
            "id": n,
            "title": f"Feature {n}",
            "description": f"Feature {n}.",
            "details": "",
            "testStrategy": "",
            "status": "done" if n in done else "pending",
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
            **({"metadata": {"owner": "storage-team"}} if n == 2 else {}),
        }
        for n in range(1, count + 1)
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    return root


async def test_analysis_runs_in_batches_validates_ids_and_merges_with_the_existing_report(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project_with(tmp_path / "p", provider_server, 13, done=[13])
    (root / ".taskmaster/reports").mkdir()
    (root / REPORT).write_text(
        json.dumps(
            {
                "meta": {"generatedAt": "2025-01-01T00:00:00.000Z"},
                "custom": {"kept": True},
                "complexityAnalysis": [
                    {
                        "taskId": 99,
                        "taskTitle": "Gone",
                        "complexityScore": 3,
                        "recommendedSubtasks": 2,
                        "expansionPrompt": "x",
                        "reasoning": "y",
                    },
                    {
                        "taskId": 1,
                        "taskTitle": "Feature 1",
                        "complexityScore": 10,
                        "recommendedSubtasks": 9,
                        "expansionPrompt": "old",
                        "reasoning": "old",
                    },
                ],
            },
            indent=2,
        )
    )
    # Every batch gets a reply scoring every task plus an unknown one, and none for task 12.
    provider_server.defaults[MESSAGES] = Reply(text=scores([*range(1, 12), 500]))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "analyze_project_complexity", threshold=8)
    sent = prompts(provider_server)
    assert sorted(p.count('{"id":') for p in sent) == [2, 10]
    assert not any('"id":13' in p for p in sent) and not any("storage-team" in p for p in sent)
    assert data["analyzed"] == 11 and data["skipped"] == 1
    assert [f["id"] for f in data["failed"]] == ["12"]
    assert data["aboveThreshold"] == [9, 8, 7]
    assert data["top"][0] == {"id": 9, "score": 10, "subtasks": 6} and len(data["top"]) == 10
    assert data["reportPath"] == REPORT and data["usage"]["calls"] == 2
    report = json.loads((root / REPORT).read_text())
    assert report["custom"] == {"kept": True}
    meta = report["meta"]
    assert (
        meta["tasksAnalyzed"],
        meta["totalTasks"],
        meta["analysisCount"],
        meta["thresholdScore"],
        meta["projectName"],
        meta["usedResearch"],
    ) == (11, 13, 12, 8, "Linkshelf", False)
    entries = report["complexityAnalysis"]
    assert [e["taskId"] for e in entries] == [99, 1, *range(2, 12)]
    assert entries[1] == {
        "taskId": 1,
        "taskTitle": "Feature 1",
        "complexityScore": 2,
        "recommendedSubtasks": 3,
        "expansionPrompt": "Split task 1 by layer.",
        "reasoning": "Task 1 reasons.",
    }


async def test_named_ids_and_a_range_choose_the_tasks_and_other_tags_get_their_own_report(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = document(root)
    provider_server.script(MESSAGES, Reply(text=scores([1, 2])))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "analyze_project_complexity", tag="feature-auth", ids="1,2")
        provider_server.script(MESSAGES, Reply(text=scores([3, 4])))
        ranged = await ok(client, "analyze_project_complexity", **{"from": 3, "to": 4})
    assert data["reportPath"] == ".taskmaster/reports/task-complexity-report_feature-auth.json"
    assert data["analyzed"] == 2
    assert ranged["analyzed"] == 2 and ranged["reportPath"] == REPORT
    assert "storage-team" not in json.dumps([r.body for r in provider_server.seen()])
    assert document(root) == before


async def test_invalid_analysis_from_every_role_is_an_error_and_writes_no_report(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project_with(tmp_path / "p", provider_server, 3, done=[])
    provider_server.defaults[MESSAGES] = Reply(text='{"tasks": [{"taskId": 1, "complexityScore": 42}]}')
    provider_server.defaults[CHAT] = Reply(text="no")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "analyze_project_complexity")
    assert "Every configured model failed" in message
    assert snapshot(root) == before and not (root / REPORT).exists()


def rescoped(subtasks: list[dict[str, Any]]) -> str:
    return as_json(
        {
            "title": "Implement a minimal SQLite storage layer",
            "description": "Persist entities simply.",
            "details": "One table per entity; no pooling.",
            "testStrategy": "Round-trip test only.",
            "subtasks": subtasks,
        }
    )


async def test_scope_down_rewrites_text_and_keeps_ids_statuses_metadata_and_done_subtasks(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = document(root)
    provider_server.script(
        MESSAGES,
        Reply(
            text=rescoped(
                [
                    {"id": 1, "title": "Rewrite a done one", "description": "No.", "details": "No."},
                    {
                        "id": 3,
                        "title": "Skip pooling",
                        "description": "Single connection.",
                        "details": "Open one connection.",
                    },
                ]
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "scope_down_task", id="3", strength="heavy", prompt="We are a tiny team.")
    assert data["changed"] == [{"id": "3", "title": "Implement a minimal SQLite storage layer", "subtasksRewritten": 1}]
    old, new = before["master"]["tasks"][2], document(root)["master"]["tasks"][2]
    changed = {"title", "description", "details", "testStrategy", "subtasks"}
    assert {k: v for k, v in new.items() if k not in changed} == {k: v for k, v in old.items() if k not in changed}
    assert new["details"] == "One table per entity; no pooling."
    assert new["subtasks"][:2] == old["subtasks"][:2]
    assert new["subtasks"][2] == {
        **old["subtasks"][2],
        "title": "Skip pooling",
        "description": "Single connection.",
        "details": "Open one connection.",
    }
    after = document(root)
    assert after["feature-auth"] == before["feature-auth"]
    assert [t for t in after["master"]["tasks"] if t["id"] != "3"] == [
        t for t in before["master"]["tasks"] if t["id"] != "3"
    ]
    sent = prompts(provider_server)[0]
    assert "storage-team" not in sent and "scope this task down, strength: heavy" in sent.lower()
    assert "We are a tiny team." in sent


async def test_scope_up_skips_done_tasks_in_a_list(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=rescoped([])))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "scope_up_task", id="1,6")
    assert [c["id"] for c in data["changed"]] == ["6"] and data["skipped"] == [{"id": "1", "reason": "status done"}]
    assert document(root)["master"]["tasks"][5]["status"] == "review"


async def test_invalid_scope_answers_change_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.defaults[MESSAGES] = Reply(text='{"title": "x"}')
    provider_server.defaults[CHAT] = Reply(text='{"title": "y"}')
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "scope_up_task", id="4")
    assert "Every configured model failed" in message and snapshot(root) == before


async def test_every_batch_gets_the_same_plan_map_marking_subtasks_and_the_two_anchor_examples(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project_with(tmp_path / "p", provider_server, 14, done=[1, 2])
    doc = document(root)
    doc["master"]["tasks"][4]["subtasks"] = [
        {"id": 1, "title": "s", "description": "s", "status": "pending", "dependencies": []}
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(doc))
    provider_server.defaults[MESSAGES] = Reply(text=scores(list(range(1, 15))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "analyze_project_complexity")
    sent = prompts(provider_server)
    maps = [p.split("<plan>\n")[1].split("\n</plan>")[0] for p in sent]
    assert len(sent) == 2 and maps[0] == maps[1]
    assert maps[0].splitlines()[:5] == [
        "1 Feature 1 [done]",
        "2 Feature 2 [done]",
        "3 Feature 3",
        "4 Feature 4",
        "5 Feature 5 (1 subtasks)",
    ]
    assert len(maps[0].splitlines()) == 14 and all(p.startswith("No project files were shown") for p in sent)
    systems = [json.dumps(r.body.get("system")) for r in provider_server.seen(MESSAGES)]
    assert all("Score 2, 0 subtasks" in s and "Score 8, 6 subtasks" in s for s in systems)
    assert data["analyzed"] == 12 and data["usage"]["promptVersion"] == "analyze@4"
