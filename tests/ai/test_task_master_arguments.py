"""Arguments Task Master's tools take that we used to drop: each is honoured now, or refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai_helpers import ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import MESSAGES, ProviderServer, Reply

ALLOW = {"TASK_MASTER_ALLOW_METADATA_UPDATES": "true"}


def _task(root: Path, tid: int, tag: str = "master") -> dict[str, Any]:
    tasks = json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))[tag]["tasks"]
    return next(t for t in tasks if str(t["id"]) == str(tid))


async def test_metadata_is_refused_unless_the_server_allows_metadata_updates(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, "update_task", id="1", metadata='{"sprint": "Q1"}')
        sub = await error(client, "update_subtask", id="3.1", metadata='{"sprint": "Q1"}')
    assert "TASK_MASTER_ALLOW_METADATA_UPDATES=true" in message and "TASK_MASTER_ALLOW_METADATA_UPDATES" in sub
    assert snapshot(messy_project) == before


async def test_metadata_merges_into_tasks_and_subtasks_keeping_other_keys(messy_project: Path) -> None:
    async with connected(messy_project, env=ALLOW) as client:
        await ok(client, "update_task", id="1", metadata='{"sprint": "Q1", "githubIssue": 42}')
        await ok(client, "update_task", id="1", metadata='{"sprint": "Q2"}', title="Renamed")
        await ok(client, "update_subtask", id="3.1", metadata='{"reviewed": true}')
        await ok(client, "update_subtask", id="3.1", prompt="Checked.", metadata='{"ticket": "J-1"}')
    task = _task(messy_project, 1)
    assert task["metadata"]["sprint"] == "Q2" and task["metadata"]["githubIssue"] == 42
    assert task["title"] == "Renamed"
    sub = next(s for s in _task(messy_project, 3)["subtasks"] if str(s["id"]) == "1")
    assert sub["metadata"] == {"reviewed": True, "ticket": "J-1"}
    assert "Checked." in sub["details"]


async def test_bad_metadata_and_an_empty_update_subtask_are_refused_with_the_form_to_use(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project, env=ALLOW) as client:
        not_json = await error(client, "update_task", id="1", metadata="{sprint: Q1}")
        not_object = await error(client, "update_task", id="1", metadata="[1, 2]")
        nothing = await error(client, "update_subtask", id="3.1")
    assert "not valid JSON" in not_json and "must be a string or an object" in not_object
    assert "Pass prompt" in nothing
    assert snapshot(messy_project) == before


async def test_metadata_is_not_written_when_the_ai_rewrite_fails(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    for route in (MESSAGES, "/chat/completions"):
        provider_server.defaults[route] = Reply(status=401, error_type="authentication_error", message="bad key")
    before = snapshot(root)
    async with connected(root, env={**ai_env(tmp_path), **ALLOW}) as client:
        await error(client, "update_task", id="1", prompt="Rewrite it", metadata='{"sprint": "Q1"}')
    assert snapshot(root) == before


async def test_parse_prd_defaults_to_the_configured_number_of_tasks_and_writes_to_output(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server, defaultNumTasks=7)
    answer = as_json(
        {
            "tasks": [
                {
                    "id": 1,
                    "title": "Only task",
                    "description": "d",
                    "details": "",
                    "testStrategy": "",
                    "priority": "medium",
                    "dependencies": [],
                }
            ]
        }
    )
    provider_server.script(MESSAGES, Reply(text=answer), Reply(text=answer))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "parse_prd", prd="# PRD\nA small thing.", force=True)
        await ok(client, "parse_prd", prd="# PRD\nA small thing.", output="plans/tasks.json", numTasks=0)
    first, second = (json.dumps(r.body) for r in provider_server.seen(MESSAGES))
    assert "about 7 tasks" in first and "about 7 tasks" not in second
    written = json.loads((root / "plans/tasks.json").read_text(encoding="utf-8"))
    assert [t["title"] for t in written["master"]["tasks"]] == ["Only task"]


async def test_analyze_writes_its_report_to_output_inside_the_project(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    scores = as_json(
        {
            "tasks": [
                {
                    "taskId": 1,
                    "complexityScore": 4,
                    "recommendedSubtasks": 3,
                    "expansionPrompt": "Split it.",
                    "reasoning": "Medium.",
                }
            ]
        }
    )
    provider_server.script(MESSAGES, Reply(text=scores))
    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await ok(client, "analyze_project_complexity", ids="1", output="reports/complexity.json")
        outside = await error(client, "analyze_project_complexity", ids="1", output="../elsewhere.json")
    report = json.loads((root / "reports/complexity.json").read_text(encoding="utf-8"))
    assert report["complexityAnalysis"][0]["taskId"] == 1 and result["analyzed"] == 1
    assert "outside the project root" in outside
    assert not (root / ".taskmaster/reports/task-complexity-report.json").exists()


async def test_add_tag_from_branch_names_the_tag_after_the_git_branch(messy_project: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "Feature/Auth_Flow", str(messy_project)], check=True)
    async with connected(messy_project) as client:
        made = await ok(client, "add_tag", fromBranch=True, name="ignored")
        again = await error(client, "add_tag", fromBranch=True)
        nameless = await error(client, "add_tag")
    assert made["tag"] == "feature-auth_flow"
    assert "already exists" in again and "fromBranch=true" in nameless


async def test_add_tag_from_branch_outside_a_git_repository_says_so(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, "add_tag", fromBranch=True)
    assert "git" in message.lower()
    assert snapshot(messy_project) == before


async def test_list_tags_show_metadata_includes_each_tags_metadata(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        plain = await ok(client, "list_tags")
        full = await ok(client, "list_tags", showMetadata=True)
    assert all("metadata" not in row for row in plain["tags"])
    assert any(isinstance(row.get("metadata"), dict) and row["metadata"] for row in full["tags"])


async def test_confirmation_flags_are_accepted_and_skip_generate_false_is_refused_with_the_reason(
    messy_project: Path,
) -> None:
    async with connected(messy_project) as client:
        await ok(client, "remove_task", id="7", confirm=True)
        await ok(client, "delete_tag", name="empty-tag", yes=True)
        await ok(client, "add_subtask", id="8", title="New step", skipGenerate=True)
        refused = await error(client, "remove_subtask", id="8.1", skipGenerate=False)
    assert "never writes them as a side effect" in refused and "call generate" in refused


async def test_set_task_status_and_next_task_read_complexity_from_the_report_named(messy_project: Path) -> None:
    report = messy_project / "docs/scores.json"
    report.parent.mkdir()
    report.write_text(
        json.dumps(
            {
                "meta": {},
                "complexityAnalysis": [
                    {"taskId": tid, "complexityScore": 9, "recommendedSubtasks": 4} for tid in range(1, 9)
                ],
            }
        )
    )
    async with connected(messy_project) as client:
        nxt = await ok(client, "next_task", complexityReport="docs/scores.json")
        done = await ok(client, "set_task_status", id="3", status="done", complexityReport="docs/scores.json")
        outside = await error(client, "set_task_status", id="4", status="done", complexityReport="../x.json")
    assert done["next"]["id"] == 4 and done["next"]["complexityScore"] == 9 and done["next"]["recommendedSubtasks"] == 4
    assert nxt["next"]["id"] == "3.2" and "outside the project root" in outside
