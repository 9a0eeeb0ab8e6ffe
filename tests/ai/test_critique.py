"""The critique loop of parse_prd and expand_task, end to end: MCP client -> our server -> real SDKs -> scripted
provider. main (the author) answers on the Anthropic route, the fallback critic on the OpenAI chat route (gpt-4o),
research on the chat route as sonar-pro: the route and model of each request say which step it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import FALLBACK_MODEL, MAIN_MODEL, RESEARCH_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.cli import main as cli_module

PRD = "# Linkshelf\n\n## Accounts\nUsers sign up with email.\n\n## Search\nUsers search their bookmarks by title.\n"
MAIN = ("messages", MAIN_MODEL)
CRITIC = ("chat", FALLBACK_MODEL)


def plan(*tasks: tuple[int, str, list[int]]) -> str:
    return as_json(
        {
            "tasks": [
                {
                    "id": i,
                    "title": title,
                    "description": f"{title}.",
                    "details": "How.",
                    "testStrategy": f"Test {title}.",
                    "priority": "high",
                    "dependencies": deps,
                }
                for i, title, deps in tasks
            ]
        }
    )


def subtasks(*items: tuple[int, str, list[int]]) -> str:
    return as_json(
        {
            "subtasks": [
                {
                    "id": i,
                    "title": title,
                    "description": f"{title}.",
                    "details": "How.",
                    "testStrategy": "Unit test.",
                    "dependencies": deps,
                }
                for i, title, deps in items
            ]
        }
    )


def critique(*findings: tuple[str, str, list[int], str]) -> str:
    return as_json(
        {
            "findings": [
                {"kind": kind, "severity": severity, "taskIds": ids, "message": message}
                for kind, severity, ids, message in findings
            ]
        }
    )


DRAFT = plan((1, "Project skeleton", []), (2, "Accounts", [1]))
REVISED = plan((1, "Project skeleton", []), (2, "Accounts", [1]), (3, "Bookmark search", [2]))
MISSING_SEARCH = ("coverage", "high", [], "Nothing delivers the Search section; add a task for title search.")


def sequence(server: ProviderServer) -> list[tuple[str, str | None]]:
    """(route, model) of every request, in the order the server received them."""
    return [("messages" if r.path.endswith(MESSAGES) else "chat", r.model) for r in server.seen()]


def sent(server: ProviderServer, n: int) -> str:
    return json.dumps(server.seen()[n].body)


def stored(root: Path) -> list[dict[str, Any]]:
    return json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]


async def test_parse_prd_with_critique_drafts_on_main_critiques_on_fallback_and_writes_mains_revision(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=DRAFT), Reply(text=REVISED))
    provider_server.script(CHAT, Reply(text=critique(MISSING_SEARCH)), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=PRD, critique=True)
    assert sequence(provider_server) == [MAIN, CRITIC, MAIN]
    assert "Users search their bookmarks by title." in sent(provider_server, 1)
    assert "Project skeleton" in sent(provider_server, 1) and "dependency_order" in sent(provider_server, 1)
    revision = sent(provider_server, 2)
    assert "Nothing delivers the Search section" in revision and "Project skeleton" in revision
    assert "Users search their bookmarks by title." in revision
    assert [t["title"] for t in stored(root)] == ["Project skeleton", "Accounts", "Bookmark search"]
    assert stored(root)[2]["dependencies"] == [2]
    report = data["critique"]
    assert (report["role"], report["models"], report["revised"]) == (
        "fallback",
        [f"fallback openai/{FALLBACK_MODEL}"],
        True,
    )
    assert report["findings"] == [{"kind": "coverage", "severity": "high", "taskIds": [], "message": MISSING_SEARCH[3]}]
    assert [(s["step"], s["model"]) for s in report["steps"]] == [
        ("draft", f"main anthropic/{MAIN_MODEL}"),
        ("critique", f"fallback openai/{FALLBACK_MODEL}"),
        ("revision", f"main anthropic/{MAIN_MODEL}"),
    ]
    usage = data["usage"]
    assert usage["calls"] == 3 and usage["promptVersion"] == "parse_prd@3 critique.parse_prd@2 revise@2"
    assert usage["inputTokens"] == sum(s["inputTokens"] for s in report["steps"]) > 0
    assert usage["outputTokens"] == sum(s["outputTokens"] for s in report["steps"]) > 0


async def test_a_critic_that_finds_nothing_skips_the_revision_and_the_draft_is_written(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=DRAFT))
    provider_server.script(CHAT, Reply(text=critique()), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=PRD, critique=True)
    assert sequence(provider_server) == [MAIN, CRITIC]
    assert [t["title"] for t in stored(root)] == ["Project skeleton", "Accounts"]
    assert data["critique"]["revised"] is False and data["critique"]["findings"] == []
    assert data["usage"]["calls"] == 2


async def test_an_invalid_revision_from_every_role_writes_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(MESSAGES, Reply(text=DRAFT), Reply(text='{"tasks": []}'), Reply(text="no JSON here"))
    provider_server.script(CHAT, Reply(text=critique(MISSING_SEARCH)), model=FALLBACK_MODEL)
    provider_server.defaults[CHAT] = Reply(text="nor here")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd=PRD, critique=True, append=True)
    assert "Every configured model failed" in message and "invalid output" in message
    assert sequence(provider_server)[:4] == [MAIN, CRITIC, MAIN, MAIN]
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("revision", "expected"),
    [
        (plan((1, "Bookmark search", [])), "it has 1 tasks where the draft had 3"),
        (plan((1, "Project skeleton", []), (1, "Accounts", []), (2, "Bookmark search", [1])), "id 1 is used twice"),
    ],
)
async def test_a_revision_that_lost_half_the_draft_or_repeats_an_id_writes_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path, revision: str, expected: str
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    draft = plan((1, "Project skeleton", []), (2, "Accounts", [1]), (3, "Sessions", [2]))
    provider_server.script(MESSAGES, Reply(text=draft), Reply(text=revision))
    provider_server.script(CHAT, Reply(text=critique(MISSING_SEARCH)), model=FALLBACK_MODEL)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd=PRD, critique=True, append=True)
    assert sequence(provider_server) == [MAIN, CRITIC, MAIN]
    assert "The revised plan is not usable (" in message and expected in message
    assert "nothing was written" in message and "without critique" in message
    assert snapshot(root) == before


async def test_expand_task_with_critique_checks_the_subtasks_against_the_task_and_writes_the_revision(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    draft = subtasks((1, "Write the adapter", []), (2, "Define the schema", []))
    revised = subtasks((1, "Define the schema", []), (2, "Write the adapter", [1]))
    provider_server.script(MESSAGES, Reply(text=draft), Reply(text=revised))
    provider_server.script(
        CHAT,
        Reply(text=critique(("dependency_order", "high", [1, 2], "The adapter needs the schema: define it first."))),
        model=FALLBACK_MODEL,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="3", num=2, critique=True)
    assert sequence(provider_server) == [MAIN, CRITIC, MAIN]
    assert "Implement storage layer" in sent(provider_server, 1) and "Write the adapter" in sent(provider_server, 1)
    assert "storage-team" not in json.dumps([r.body for r in provider_server.seen()])  # metadata never sent
    assert "The adapter needs the schema" in sent(provider_server, 2)
    task = next(t for t in stored(root) if str(t["id"]) == "3")
    assert [(s["id"], s["title"], s["dependencies"]) for s in task["subtasks"][3:]] == [
        (4, "Define the schema", []),
        (5, "Write the adapter", [4]),
    ]
    assert data["critique"]["revised"] is True and data["critique"]["findings"][0]["taskIds"] == [1, 2]
    assert data["usage"]["promptVersion"] == "expand@4 critique.expand@2 revise@2"


async def test_the_critic_role_comes_from_settings(tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server, ours={"critique": {"role": "research"}})
    provider_server.script(MESSAGES, Reply(text=DRAFT))
    provider_server.script(CHAT, Reply(text=critique()), model=RESEARCH_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=PRD, critique=True)
    assert sequence(provider_server) == [MAIN, ("chat", RESEARCH_MODEL)]
    assert data["critique"]["role"] == "research"


async def test_a_critic_answered_by_the_authors_own_model_is_noted(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=DRAFT), Reply(text=critique()))
    provider_server.script(CHAT, Reply(status=401, message="bad key"), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=PRD, critique=True)
    assert sequence(provider_server) == [MAIN, CRITIC, MAIN]
    assert data["critique"]["models"] == [f"main anthropic/{MAIN_MODEL}"]
    assert data["critique"]["notes"][0].startswith(
        f"The critique was answered by the author's own model (main anthropic/{MAIN_MODEL})"
    )


@pytest.mark.parametrize(
    ("ours", "drop_fallback", "expected"),
    [
        ({}, True, "taskmasterMcp.critique.role: the fallback role is not configured"),
        ({"critique": {"role": "boss"}}, False, "'boss' is not a role. Valid roles: main, research, fallback."),
        (
            {"critique": {"role": 7}},
            False,
            "taskmasterMcp.critique.role in .taskmaster/config.json must be a role name",
        ),
    ],
)
async def test_a_bad_critic_role_is_refused_before_any_request(
    tmp_path: Path,
    provider_server: ProviderServer,
    shared_fixtures: Path,
    ours: dict[str, Any],
    drop_fallback: bool,
    expected: str,
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json", ours=ours)
    if drop_fallback:
        config = json.loads((root / ".taskmaster/config.json").read_text())
        del config["models"]["fallback"]
        (root / ".taskmaster/config.json").write_text(json.dumps(config))
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        planned = await error(client, "parse_prd", prd=PRD, critique=True, append=True)
        expanded = await error(client, "expand_task", id="3", critique=True)
    assert expected in planned and expected in expanded
    assert provider_server.seen() == [] and snapshot(root) == before


async def test_a_critic_that_fails_on_its_whole_chain_fails_the_call_and_writes_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(
        tmp_path / "p",
        provider_server,
        shared_fixtures / "messy-tasks.json",
        ours={"fallbackOrder": {"fallback": ["fallback"]}},
    )
    provider_server.script(MESSAGES, Reply(text=subtasks((1, "Define the schema", []))))
    provider_server.script(CHAT, Reply(status=401, message="bad key"), model=FALLBACK_MODEL)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_task", id="3", critique=True)
    assert "Every configured model failed" in message and "bad key" in message
    assert snapshot(root) == before


def test_the_cli_takes_critique_on_parse_prd_and_refuses_it_with_expand_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / "prd.md").write_text(PRD)
    provider_server.script(MESSAGES, Reply(text=DRAFT), Reply(text=REVISED))
    provider_server.script(CHAT, Reply(text=critique(MISSING_SEARCH)), model=FALLBACK_MODEL)
    env = {"HOME": str(root), **ai_env(tmp_path)}
    code = cli_module.run(["-C", str(root), "parse-prd", "prd.md", "--critique", "--json"], env=env)
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["critique"]["revised"] is True and len(data["created"]) == 3
    provider_server.script(MESSAGES, Reply(text=DRAFT), Reply(text=REVISED))
    provider_server.script(CHAT, Reply(text=critique(MISSING_SEARCH)), model=FALLBACK_MODEL)
    code = cli_module.run(["-C", str(root), "parse-prd", "prd.md", "--critique", "--force"], env=env)
    text = capsys.readouterr().out
    assert code == 0 and "Bookmark search" in text and "critique by fallback: revised" in text
    assert f"  critique [high] coverage: {MISSING_SEARCH[3]}" in text
    assert cli_module.run(["-C", str(root), "expand", "--all", "--critique"], env=env) == 2
    assert "--critique works on one task" in capsys.readouterr().err


async def test_a_pinned_task_s_revision_goes_to_the_pinned_role_with_the_user_s_request_and_an_extra_critic(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    # task 3 is pinned to the extra role strong, the critic is the extra role critic: the draft and the revision are
    # the pinned role's (the revision is the author's), the critique the critic's, and the revision keeps the
    # prompt's stable prefix (the user's request), as the draft had it
    strong, critic_model = "claude-opus-4-5-20251101", "gpt-4.1-mini"
    roles = {
        "strong": {"provider": "anthropic", "modelId": strong, "maxTokens": 4000, "baseURL": provider_server.url},
        "critic": {
            "provider": "openai",
            "modelId": critic_model,
            "maxTokens": 4000,
            "baseURL": provider_server.url + "/v1",
        },
    }
    root = ai_project(
        tmp_path / "p",
        provider_server,
        shared_fixtures / "messy-tasks.json",
        ours={"roles": roles, "critique": {"role": "critic"}},
    )
    draft = subtasks((1, "Write the adapter", []), (2, "Define the schema", []))
    revised = subtasks((1, "Define the schema", []), (2, "Write the adapter", [1]))
    provider_server.script(MESSAGES, Reply(text=draft), Reply(text=revised), model=strong)
    provider_server.script(
        CHAT,
        Reply(text=critique(("dependency_order", "high", [1, 2], "The adapter needs the schema: define it first."))),
        model=critic_model,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "set_task_model", id="3", role="strong")
        data = await ok(client, "expand_task", id="3", num=2, critique=True, prompt="Use SQLite for storage.")
    assert sequence(provider_server) == [("messages", strong), ("chat", critic_model), ("messages", strong)]
    assert "Use SQLite for storage." in sent(provider_server, 0)
    assert "Use SQLite for storage." in sent(provider_server, 2)
    report = data["critique"]
    assert report["role"] == "critic" and report["models"] == [f"critic openai/{critic_model}"]
    assert [s["model"] for s in report["steps"]] == [
        f"strong anthropic/{strong}",
        f"critic openai/{critic_model}",
        f"strong anthropic/{strong}",
    ]
    assert report.get("notes") is None and data["usage"]["route"] == [
        "pin: task 3 → strong",
        "default: expand_task:critique → critic",
    ]


async def test_a_task_pinned_to_the_critic_s_own_role_is_critiqued_but_the_note_says_why_it_is_no_second_opinion(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(
        CHAT, Reply(text=subtasks((1, "Define the schema", []))), Reply(text=critique()), model=FALLBACK_MODEL
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "set_task_model", id="3", role="fallback")
        data = await ok(client, "expand_task", id="3", num=1, critique=True)
    assert sequence(provider_server) == [CRITIC, CRITIC]
    [note] = data["critique"]["notes"]
    assert note.startswith(f"The critique was answered by the author's own model (fallback openai/{FALLBACK_MODEL})")
    assert "the draft was routed to the fallback role" in note and "failed" not in note
