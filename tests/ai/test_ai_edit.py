"""update_task with a prompt, update (bulk) and update_subtask research, end to end against the scripted provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai_helpers import ai_env, ai_project, as_json, message_text
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.ai.quality import update_issues


def tasks_of(root: Path, tag: str = "master") -> list[dict[str, Any]]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))[tag]["tasks"]


def task(root: Path, task_id: Any) -> dict[str, Any]:
    return next(t for t in tasks_of(root) if str(t["id"]) == str(task_id))


def revision(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "description": f"{title}.",
        "details": "New plan.",
        "testStrategy": "New tests.",
        "priority": None,
        "subtasks": [],
        **extra,
    }


async def test_update_task_prompt_rewrites_text_keeps_done_subtasks_and_turns_their_rewrite_into_a_follow_up(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = task(root, "3")
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                revision(
                    "Storage on Postgres",
                    subtasks=[
                        {"id": 1, "title": "Rewritten finished work", "description": "x"},
                        {
                            "id": 2,
                            "title": "Repository classes for Postgres",
                            "description": "Use asyncpg.",
                            "details": "Pool.",
                        },
                        {
                            "id": None,
                            "title": "Add indexes",
                            "description": "Index hot columns.",
                            "dependencies": [2, 99],
                        },
                    ],
                )
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="3", prompt="Switch storage from SQLite to Postgres")
    after = task(root, "3")
    assert after["id"] == "3" and after["status"] == "in-progress" and after["dependencies"] == ["1", 2]
    assert after["metadata"] == {"owner": "storage-team", "jira": "ST-12"}
    assert (after["title"], after["details"], after["priority"]) == ("Storage on Postgres", "New plan.", "high")
    assert after["subtasks"][0] == before["subtasks"][0]
    assert after["subtasks"][1] == {
        **before["subtasks"][1],
        "title": "Repository classes for Postgres",
        "description": "Use asyncpg.",
        "details": "Pool.",
    }
    assert after["subtasks"][2] == before["subtasks"][2]
    assert after["subtasks"][3] == {
        "id": 4,
        "title": "Follow-up to 3.1: Rewritten finished work",
        "description": "x",
        "details": "",
        "status": "pending",
        "dependencies": [1],
    }
    assert after["subtasks"][4] == {
        "id": 5,
        "title": "Add indexes",
        "description": "Index hot columns.",
        "details": "",
        "status": "pending",
        "dependencies": [2],
    }
    assert "3.subtasks.5 (new)" in data["changed"] and data["usage"]["calls"] == 1
    assert data["followUps"] == ["3.4"] and "follow-up subtask(s) 3.4" in data["message"]
    sent = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "Switch storage from SQLite to Postgres" in sent and "storage-team" not in sent and "ST-12" not in sent


async def test_update_task_keeps_dated_notes_the_model_dropped_and_the_priority_it_did_not_set(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=as_json(revision("GraphQL API", details="Use GraphQL."))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "update_task", id="4", prompt="Use GraphQL instead of REST", details="ignored by no one")
    after = task(root, 4)
    assert after["priority"] == "critical"
    assert after["details"] == "ignored by no one"  # a manual field wins over the model
    provider_server.script(MESSAGES, Reply(text=as_json(revision("GraphQL API v2", details="Only new text."))))
    root2 = ai_project(tmp_path / "q", provider_server, shared_fixtures / "messy-tasks.json")
    async with connected(root2, env=ai_env(tmp_path)) as client:
        await ok(client, "update_task", id="4", prompt="Use GraphQL")
    details = task(root2, 4)["details"]
    assert details.startswith("Only new text.\n\n<info added on 2025-09-02T08:00:00.000Z>\nUse cursor pagination.")


async def test_update_task_on_a_subtask_rewrites_only_that_subtask(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {
                    "title": "Pool with asyncpg",
                    "description": "Pool.",
                    "details": "min 2, max 10",
                    "testStrategy": "50 clients.",
                }
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="3.3", prompt="Use asyncpg's pool")
    sub = task(root, "3")["subtasks"][2]
    assert sub == {
        "id": 3,
        "title": "Pool with asyncpg",
        "description": "Pool.",
        "dependencies": ["3.2"],
        "details": "min 2, max 10",
        "status": "pending",
        "parentTaskId": 3,
        "testStrategy": "50 clients.",
    }
    assert data["changed"] == ["3.3.title", "3.3.description", "3.3.details", "3.3.testStrategy"]


async def test_update_task_append_stores_the_prompt_verbatim_without_a_model_call(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "update_task", id="5", prompt="  Decided: OIDC via authlib.  ", append=True)
        message = await error(client, "update_task", id="5", append=True)
    details = task(root, 5)["details"]
    assert details.startswith("OAuth later.\n\n<info added on ")
    assert "\nDecided: OIDC via authlib.\n</info added on " in details
    assert "append=true needs prompt" in message
    assert provider_server.seen() == []


async def test_malformed_reply_is_reasked_then_the_edit_is_written(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text='{"title": "x"}'), Reply(text=as_json(revision("Sessions via JWT"))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "update_task", id="5", prompt="Use JWT")
    assert task(root, 5)["title"] == "Sessions via JWT"
    assert "not valid against the schema" in json.dumps(provider_server.seen(MESSAGES)[1].body)


def numbered_project(root: Path, server: ProviderServer, count: int, closed: dict[int, str]) -> Path:
    ai_project(root, server, ours={"concurrency": {"update": 1}})
    tasks = [
        {
            "id": n,
            "title": f"Task {n}",
            "description": f"Do {n}.",
            "details": "",
            "testStrategy": "",
            "status": closed.get(n, "pending"),
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
            "metadata": {"owner": f"team-{n}"},
        }
        for n in range(1, count + 1)
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    return root


async def test_update_from_an_id_rewrites_open_tasks_in_batches_and_leaves_closed_tasks_untouched(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = numbered_project(tmp_path / "p", provider_server, 12, {2: "done", 5: "completed", 7: "cancelled"})
    before = {t["id"]: t for t in tasks_of(root)}
    first_batch = [1, 3, 4, 6, 8, 9, 10, 11]
    provider_server.script(
        MESSAGES,
        Reply(text=as_json({"tasks": [{**revision(f"Task {n} on Postgres"), "id": n} for n in [*first_batch, 2, 12]]})),
        Reply(text=as_json({"tasks": [{**revision("Task 12 on Postgres"), "id": "12"}]})),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update", **{"from": "1"}, prompt="We use Postgres now")
    assert data["batches"] == 2 and data["usage"]["calls"] == 2
    assert data["updated"] == [str(n) for n in [*first_batch, 12]]
    after = {t["id"]: t for t in tasks_of(root)}
    for n in (2, 5, 7):
        assert after[n] == before[n]
    for n in (*first_batch, 12):
        assert after[n]["title"] == f"Task {n} on Postgres" and after[n]["metadata"] == {"owner": f"team-{n}"}
        assert after[n]["status"] == "pending"
    first, second = (json.dumps(r.body) for r in provider_server.seen(MESSAGES))
    assert "Task 11" in first and "Task 12" not in first and "Task 12" in second
    assert "Task 2\\" not in first and "Task 7" not in first and "team-" not in first + second


async def test_update_fails_cleanly_when_every_role_answers_malformed_json(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = numbered_project(tmp_path / "p", provider_server, 3, {})
    provider_server.defaults[MESSAGES] = Reply(text="not json")
    provider_server.defaults[CHAT] = Reply(text='{"tasks": "nope"}')
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "update", **{"from": "1"}, prompt="Anything")
        none_left = await error(client, "update", **{"from": "9"}, prompt="Anything")
    assert "Every configured model failed" in message and "invalid output" in message
    assert "No open task with id >= 9" in none_left
    assert snapshot(root) == before


async def test_update_subtask_research_appends_the_note_and_findings_with_one_research_call(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(CHAT, Reply(text="- SQLAlchemy 2.0 uses the 2.0-style Session"))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(
            client, "update_subtask", id="3.2", prompt="Base repository done; which session API?", research=True
        )
    details = task(root, "3")["subtasks"][1]["details"]
    assert "\nBase repository done; which session API?\n\nResearch (perplexity/sonar-pro):\n- SQLAlchemy 2.0" in details
    assert len(provider_server.seen()) == 1 and provider_server.seen(CHAT)[0].model == "sonar-pro"
    assert "storage-team" not in json.dumps(provider_server.seen()[0].body)
    assert data["usage"]["calls"] == 1 and data["changed"] == ["3.2.details"]


async def test_update_task_research_asks_the_research_role_first_and_main_uses_its_findings(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(CHAT, Reply(text="- authlib 1.4 supports OIDC discovery"))
    provider_server.script(MESSAGES, Reply(text=as_json(revision("OIDC login"))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="5", prompt="Use OIDC", research=True)
    assert data["usage"]["calls"] == 2 and task(root, 5)["title"] == "OIDC login"
    assert "authlib 1.4 supports OIDC discovery" in json.dumps(provider_server.seen(MESSAGES)[0].body)


def user_text(server: ProviderServer, n: int = 0) -> str:
    return "\n".join(message_text(m.get("content")) for m in server.seen(MESSAGES)[n].body.get("messages", []))


async def test_update_task_shows_what_the_task_builds_on_and_what_waits_for_it(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=as_json(revision("GraphQL API"))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="4", prompt="Use GraphQL")
    text = user_text(provider_server)
    builds_on, unblocks = text.split("It builds on these tasks")[1].split("These tasks depend on it")
    assert '"id":"3","title":"Implement storage layer","status":"in-progress"' in builds_on
    assert '"id":"5","title":"Authentication"' in unblocks and '"id":"8","title":"Release 1.0"' in unblocks
    assert "storage-team" not in text and data["usage"]["promptVersion"] == "update_task@3"


async def test_update_task_on_a_done_task_keeps_its_text_and_adds_a_labelled_follow_up(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = task(root, 1)
    follow_up = {
        "title": "Move CI to GitHub Actions",
        "description": "Port the workflow.",
        "details": "Delete .travis.yml.",
    }
    provider_server.script(MESSAGES, Reply(text=as_json({"followUps": [follow_up]})))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="1", prompt="We now use GitHub Actions for CI")
    after = task(root, 1)
    assert {k: v for k, v in after.items() if k != "subtasks"} == {k: v for k, v in before.items() if k != "subtasks"}
    assert after["subtasks"][:2] == before["subtasks"]
    assert after["subtasks"][2] == {
        "id": 3,
        "title": "Follow-up to 1: Move CI to GitHub Actions",
        "description": "Port the workflow.",
        "details": "Delete .travis.yml.",
        "status": "pending",
        "dependencies": [],
    }
    assert data["followUps"] == ["1.3"] and data["changed"] == ["1.3 (new)"]
    assert data["message"].startswith("1 is done, so its text was kept as it is; the change is in follow-up")
    assert "Finished item (not to be rewritten)" in user_text(provider_server)
    assert data["usage"]["promptVersion"] == "update_done@2"


async def test_update_task_on_a_done_subtask_adds_a_sibling_follow_up_that_depends_on_it(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {
                    "followUps": [
                        {
                            "title": "Follow-up: add a rollback migration",
                            "description": "Rollback.",
                            "testStrategy": "Down/up.",
                        }
                    ]
                }
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update_task", id="3.1", prompt="Migrations must be reversible")
    subs = task(root, 3)["subtasks"]
    assert subs[0]["title"] == "Schema migrations" and subs[0]["status"] == "done"
    assert subs[3] == {
        "id": 4,
        "title": "Follow-up: add a rollback migration",
        "description": "Rollback.",
        "details": "",
        "status": "pending",
        "dependencies": [1],
        "testStrategy": "Down/up.",
    }
    assert data["followUps"] == ["3.4"] and "Set 3.1 back" not in data["message"]


async def test_update_turns_a_revision_of_done_work_into_a_follow_up_and_shows_the_batchs_neighbours(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = task(root, 3)
    revised = revision(
        "Storage on Postgres",
        subtasks=[
            {"id": None, "revises": 1, "title": "Port migrations to Postgres", "description": "Alembic on Postgres."},
            {"id": None, "revises": 2, "title": "Not done, so not a follow-up", "description": "x"},
        ],
    )
    provider_server.script(MESSAGES, Reply(text=as_json({"tasks": [{"id": 3, **revised}]})))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update", **{"from": "3", "prompt": "Switch to Postgres"})
    subs = task(root, 3)["subtasks"]
    assert [(s["id"], s["title"], s["dependencies"]) for s in subs[3:]] == [
        (4, "Follow-up to 3.1: Port migrations to Postgres", [1]),
        (5, "Not done, so not a follow-up", []),
    ]
    assert data["followUps"] == ["3.4"] and data["updated"] == ["3"]
    allowed = {"title", "description", "details", "testStrategy", "subtasks"}
    assert update_issues(before, task(root, 3), allowed) == []  # done work and dated notes intact
    text = user_text(provider_server)
    assert text.startswith(
        "Requested change:\n<request>\nSwitch to Postgres\n</request>\n\nTasks to revise"
    )  # the shared part first
    around = text.split("Tasks these depend on or that depend on them")[1]
    assert '"id":1,"title":"Set up repository","status":"done"' in around
    assert '"id":2,"title":"Design data model"' in around and '"id":4,' not in around  # 4 is in the batch
