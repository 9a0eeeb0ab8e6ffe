"""parse_prd and add_task with a prompt, end to end: MCP client -> our server -> real SDKs -> scripted provider."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json, message_text
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.ai.quality import check_plan


def plan(*tasks: tuple[int, str, list[int]]) -> str:
    return as_json(
        {
            "tasks": [
                {
                    "id": i,
                    "title": title,
                    "description": f"{title}.",
                    "details": "How.",
                    "testStrategy": "Tests.",
                    "priority": "high" if not deps else "medium",
                    "dependencies": deps,
                }
                for i, title, deps in tasks
            ]
        }
    )


def stored(root: Path, tag: str = "master") -> list[dict[str, Any]]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))[tag]["tasks"]


async def test_parse_prd_writes_dependency_ordered_tasks_with_our_ids(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / ".taskmaster/docs").mkdir()
    (root / ".taskmaster/docs/prd.txt").write_text((shared_fixtures / "prd-bookmarks.md").read_text())
    provider_server.script(
        MESSAGES, Reply(text=plan((1, "Project skeleton", []), (2, "Accounts", [1]), (3, "Bookmarks CRUD", [2, 9, 3])))
    )
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
    assert tasks[1] == {
        "id": 2,
        "title": "Accounts",
        "description": "Accounts.",
        "details": "How.",
        "testStrategy": "Tests.",
        "status": "pending",
        "dependencies": [1],
        "priority": "medium",
        "subtasks": [],
        "metadata": {
            "prd": {
                "source": ".taskmaster/docs/prd.txt",
                "scope": "Out of scope: Mobile apps, AI summaries, real-time collaboration.",
            }
        },
    }
    sent = provider_server.seen(MESSAGES)[0].body
    assert "Linkshelf" in json.dumps(sent)
    assert any("planning part 1 of 1" in p for p in progress)


async def test_parse_prd_refuses_to_overwrite_without_force_or_append(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd="# PRD\nBuild a thing.")
    assert "append=true" in message and "force=true" in message
    assert provider_server.seen() == []
    assert snapshot(root) == before


async def test_parse_prd_append_numbers_after_existing_tasks_and_keeps_other_tags(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
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
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=plan((1, "Fresh start", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# New\nStart over.", force=True, tag="feature-auth")
    assert data["replaced"] == 2
    assert [t["title"] for t in stored(root, "feature-auth")] == ["Fresh start"]
    assert len(stored(root)) == 8


async def test_malformed_model_output_is_reasked_once_then_accepted(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(
        MESSAGES, Reply(text='{"tasks": [{"id": 1, "title": "x"}]}'), Reply(text=plan((1, "Valid task", [])))
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nA thing.")
    assert data["created"][0]["title"] == "Valid task"
    second = json.dumps(provider_server.seen(MESSAGES)[1].body)
    assert "not valid against the schema" in second


async def test_invalid_output_from_every_role_changes_nothing_and_says_why(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.defaults[MESSAGES] = Reply(text="I cannot do JSON today")
    provider_server.defaults[CHAT] = Reply(text="nor can I")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd="# PRD\nA thing.")
    assert "Every configured model failed" in message and "invalid output" in message
    assert snapshot(root) == before


async def test_research_flag_asks_the_research_role_first_then_main_uses_its_findings(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(CHAT, Reply(text="- FastAPI 0.120 is current"))
    provider_server.script(MESSAGES, Reply(text=plan((1, "Skeleton", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nUse FastAPI.", research=True)
    assert data["usage"]["calls"] == 2
    assert "FastAPI 0.120 is current" in json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert provider_server.seen(CHAT)[0].model == "sonar-pro"


async def test_a_long_prd_is_planned_in_parts_with_consistent_ids(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server, ours={"inputBudgetTokens": 8000})
    sections = "\n\n".join(f"## Feature {n}\n" + ("Detail sentence. " * 1500) for n in range(1, 5))
    provider_server.script(
        MESSAGES,
        Reply(text=as_json({"stack": [], "constraints": [], "outOfScope": ["Mobile apps."]})),
        *[Reply(text=plan((n, f"Feature {n}", [n - 1] if n > 1 else []))) for n in range(1, 9)],
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=sections)
    assert data["parts"] > 1
    ids = [t["id"] for t in stored(root)]
    assert ids == list(range(1, len(ids) + 1))
    assert system_of(provider_server, 0).startswith("You read a product requirements document")  # its scope, once
    second_prompt = user_prompts(provider_server)[2]
    assert "<existing-tasks>\n1 Feature 1\n" in second_prompt  # the title map of the earlier parts' tasks
    parts = user_prompts(provider_server)[1:]
    assert all("<scope>\nOut of scope: Mobile apps.\n</scope>" in p for p in parts)  # the scope in every part
    assert stored(root)[0]["metadata"]["prd"]["scope"] == "Out of scope: Mobile apps."


async def test_add_task_with_a_prompt_drafts_a_task_and_keeps_user_fields(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {
                    "title": "Rate limiting",
                    "description": "Limit API calls.",
                    "details": "Token bucket.",
                    "testStrategy": "Burst test.",
                    "priority": "high",
                    "dependencies": [4, 77],
                }
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "add_task", prompt="Add rate limits to the API", dependencies="6", priority="low")
    task = data["task"]
    assert (task["id"], task["title"], task["priority"]) == (9, "Rate limiting", "low")
    assert task["dependencies"] == [6, 4]
    assert "storage-team" not in json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert data["usage"]["calls"] == 1


async def test_progress_values_always_increase_across_parts_and_model_heartbeats(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
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


def user_prompts(server: ProviderServer) -> list[str]:
    return [
        "\n".join(message_text(m.get("content")) for m in r.body.get("messages", [])) for r in server.seen(MESSAGES)
    ]


def system_of(server: ProviderServer, n: int = 0) -> str:
    system = server.seen(MESSAGES)[n].body.get("system")
    return system if isinstance(system, str) else json.dumps(system)


async def test_parse_prd_asks_for_exactly_the_count_set_and_asks_again_once_when_far_off(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    five = plan(*[(n, f"Feature {n}", []) for n in range(1, 6)])
    provider_server.script(
        MESSAGES,
        Reply(text=plan((1, "Too coarse", []), (2, "Also coarse", [1]))),
        Reply(text=five),
        Reply(text=plan(*[(n, f"Near {n}", []) for n in range(1, 5)])),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nFive features.", numTasks=5)
        near = await ok(client, "parse_prd", prd="# PRD\nFour is close.", numTasks=5, append=True)
    first, again, third = user_prompts(provider_server)
    assert first.endswith("Produce exactly 5 tasks.") and "Your previous answer" not in first
    assert "Your previous answer had 2 tasks, but exactly 5 were asked for:" in again
    assert "<previous-answer>\n1 Too coarse\n2 Also coarse\n</previous-answer>" in again  # the answer it means
    assert again.startswith(first)  # the same prompt, documents first: the cached prefix is reused
    assert [t["title"] for t in data["created"]] == [f"Feature {n}" for n in range(1, 6)]
    assert check_plan(stored(root)[:5], wanted=5) == []
    assert data["notes"] == ["2 tasks where 5 were asked for; asked again once and got 5 (kept the second answer)."]
    assert data["usage"]["calls"] == 2 and data["usage"]["promptVersion"] == "parse_prd@3"
    assert len(near["created"]) == 4 and near["usage"]["calls"] == 1 and "notes" not in near  # 4 of 5: within 20%
    assert third.endswith("Produce exactly 5 tasks.")


async def test_parse_prd_without_a_count_asks_for_about_the_default_and_never_asks_again(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server, defaultNumTasks=6)
    provider_server.script(MESSAGES, Reply(text=plan((1, "Only one", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd="# PRD\nSmall.")
    assert user_prompts(provider_server)[0].endswith("Produce about 6 tasks.")
    assert len(data["created"]) == 1 and data["usage"]["calls"] == 1


async def test_parse_prd_says_the_prd_is_binding_and_records_the_section_each_task_covers(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    answer = json.loads(plan((1, "FastAPI skeleton", []), (2, "Tag search", [1])))
    answer["tasks"][0]["prdSection"] = "## Stack"
    answer["tasks"][1].update(prdSection="  Features:\n tag search ", details="")
    provider_server.script(MESSAGES, Reply(text=json.dumps(answer)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "parse_prd", prd="# PRD\n## Stack\nFastAPI.\n## Out of scope\nMobile apps.", numTasks=2)
    system = system_of(provider_server)
    assert "The document is binding" in system and "out of scope" in system
    assert [t["details"] for t in stored(root)] == [
        "How.\n\nPRD section: ## Stack",
        "PRD section: Features: tag search",
    ]
    assert "No project files were shown to you" in user_prompts(provider_server)[0]


async def test_parse_prd_shows_the_tree_and_manifests_of_a_project_with_code_but_no_private_file(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / "pyproject.toml").write_text('[project]\nname = "linkshelf"\ndependencies = ["fastapi>=0.110"]\n')
    (root / "package.json").write_text('{"name": "x", "token": "-----BEGIN ' + 'PRIVATE KEY-----"}')
    (root / "src/linkshelf").mkdir(parents=True)
    (root / "src/linkshelf/app.py").write_text("APP_SOURCE_MARKER = 1\n")
    for private in ("secrets.json", "server.key", ".env", "src/credentials.json"):
        (root / private).write_text("PRIVATE_MARKER")
    for n in range(40):
        (root / "src/linkshelf" / f"m{n:02}.py").write_text("")
    provider_server.script(MESSAGES, Reply(text=plan((1, "Search", []))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "parse_prd", prd="# PRD\nSearch.", numTasks=1)
    sent = user_prompts(provider_server)[0]
    tree = sent.split("<project-tree>\n")[1].split("\n</project-tree>")[0]
    assert tree.splitlines()[:4] == ["package.json", "pyproject.toml", "src/", "  linkshelf/"]
    assert "    app.py" in tree and "more" in tree.splitlines()[-1]  # 15 files a directory, the rest counted
    assert '<file path="pyproject.toml">\n[project]\nname = "linkshelf"' in sent and "fastapi>=0.110" in sent
    assert '<file path="package.json">' not in sent  # a key inside: refused by the guard, left out
    assert "PRIVATE_MARKER" not in sent and "secrets.json" not in sent and "server.key" not in sent
    assert "credentials.json" not in sent and ".env" not in sent and "APP_SOURCE_MARKER" not in sent
    assert "As existing files, name only files shown above" in sent


async def test_add_task_sees_every_title_and_the_related_tasks_in_full_and_reports_what_it_added(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {
                    "title": "Rate limiting",
                    "description": "Limit API calls.",
                    "details": "Token bucket.",
                    "testStrategy": "Burst test.",
                    "priority": "high",
                    "dependencies": [6, 4, 4, 77],
                }
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "add_task", prompt="Add rate limits to the HTTP API", dependencies="6")
    sent = user_prompts(provider_server)[0]
    titles = sent.split("<plan>\n")[1].split("\n</plan>")[0].splitlines()
    assert titles[0] == "1 Set up repository [done]" and titles[6] == "7 Drop legacy importer [cancelled]"
    assert len(titles) == 8
    related = sent.split("in full:\n")[1].split("\n\nThe new task request")[0].splitlines()
    assert [json.loads(line)["id"] for line in related] == [6, 4]  # the given dependency, then a keyword match
    assert json.loads(related[1])["details"].startswith("REST first.")
    assert "Dependencies given by the user (kept): 6." in sent and "storage-team" not in sent
    assert data["task"]["dependencies"] == [6, 4] and data["addedDependencies"] == ["4"]


async def test_add_task_includes_foundation_tasks_and_bounds_the_title_map_of_a_large_plan(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    from crash_helpers import large_project

    root = ai_project(tmp_path / "p", provider_server)
    large_project(root, 1000, subtasks=0)
    doc = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())
    for task in doc["master"]["tasks"]:
        task["title"] = f"Feature number {task['id']} of the catalogue"
        task["dependencies"] = [500] if task["id"] in (501, 502, 503, 504) else []
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(doc))
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {"title": "Wishlist", "description": "d", "details": "", "testStrategy": "", "dependencies": []}
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "add_task", prompt="Add a wishlist")
    sent = user_prompts(provider_server)[0]
    titles = sent.split("<plan>\n")[1].split("\n</plan>")[0]
    assert len(titles) <= 12_000 and titles.startswith("1 Feature number 1 of the …\n")  # titles cut first
    assert titles.endswith("more tasks not listed: the list is bounded]")
    related = sent.split("in full:\n")[1].split("\n\nThe new task request")[0].splitlines()
    assert [json.loads(line)["id"] for line in related] == [500]  # four tasks depend on it
    assert data["task"]["id"] == 1001 and "addedDependencies" not in data
