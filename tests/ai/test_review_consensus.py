"""review with a panel of reviewers, end to end: each role on its own scripted route, the consensus rule, apply.

main answers on the Anthropic route (claude), fallback on the OpenAI chat route (gpt-4o), research on the same
chat route with another model (sonar-pro): which route and model saw a request says which reviewer it was.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import FALLBACK_MODEL, MAIN_MODEL, RESEARCH_MODEL, ai_env
from ai_samples import repo, verdict
from git_helpers import isolated_git  # noqa: F401  (isolated_git applies to every test here)
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Recorded, Reply
from taskmaster_mcp.cli import main as cli_module

ISSUE = {"severity": "major", "file": "src/calc.py", "line": 5, "message": "subtract has no test"}


def task(root: Path, tid: int) -> dict[str, Any]:
    tasks = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    return next(t for t in tasks if t["id"] == tid)


def routes(server: ProviderServer) -> list[tuple[str, str | None]]:
    """(route, model) of every request the provider saw, in a stable order."""
    return sorted(("messages" if r.path.endswith(MESSAGES) else "chat", r.model) for r in server.seen())


async def test_two_reviewers_on_their_own_routes_agree_and_apply_marks_the_task_done(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 92)))
    provider_server.script(CHAT, Reply(text=verdict("approve", 84)), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", reviewers="main,fallback", apply=True)
    assert routes(provider_server) == [("chat", FALLBACK_MODEL), ("messages", MAIN_MODEL)]
    assert data["consensus"] == {"outcome": "agree", "reasons": [], "threshold": 20, "spread": 8}
    assert (data["verdict"], data["score"], data["agreement"]) == ("approve", 84, True)
    assert [(o["role"], o["model"], o["verdict"], o["score"]) for o in data["opinions"]] == [
        ("main", f"main anthropic/{MAIN_MODEL}", "approve", 92),
        ("fallback", f"fallback openai/{FALLBACK_MODEL}", "approve", 84),
    ]
    assert data["applied"]["status"] == "done" and task(root, 8)["status"] == "done"
    assert data["usage"]["calls"] == 2


async def test_different_verdicts_need_a_human_show_every_view_and_apply_sets_review_never_done(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 95)))
    provider_server.script(
        CHAT, Reply(text=verdict("changes_requested", 90, ISSUE, follow=["Test subtract"])), model=FALLBACK_MODEL
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", reviewers="main,fallback", apply=True)
    assert data["consensus"]["outcome"] == "needs_human" and data["agreement"] is False
    assert data["consensus"]["reasons"] == ["the verdicts differ (approve, changes_requested)"]
    assert (data["verdict"], data["score"]) == ("changes_requested", 90)
    assert data["findings"] == [ISSUE]
    assert [o["summary"] for o in data["opinions"]] == ["approve at 95.", "changes_requested at 90."]
    stored = task(root, 8)
    assert data["applied"]["status"] == "review" and stored["status"] == "review"
    assert [s["title"] for s in stored["subtasks"]][-1] == "Test subtract"
    assert "Needs a human: the verdicts differ (approve, changes_requested)." in stored["details"]
    assert f"- main anthropic/{MAIN_MODEL}: approve, 95/100" in stored["details"]
    assert f"- fallback openai/{FALLBACK_MODEL}: changes_requested, 90/100" in stored["details"]


async def test_a_score_spread_beyond_the_threshold_needs_a_human_even_when_every_reviewer_approves(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures, review={"consensusThreshold": 30})
    for _ in range(2):
        provider_server.script(MESSAGES, Reply(text=verdict("approve", 100)))
        provider_server.script(CHAT, Reply(text=verdict("approve", 85)), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        by_setting = await ok(client, "review", id="8", reviewers="main,fallback")
        data = await ok(client, "review", id="8", reviewers="main,fallback", consensusThreshold=10, apply=True)
    assert by_setting["consensus"] == {"outcome": "agree", "reasons": [], "threshold": 30, "spread": 15}
    assert data["consensus"] == {
        "outcome": "needs_human",
        "threshold": 10,
        "spread": 15,
        "reasons": ["the scores differ by 15 points, more than the threshold of 10"],
    }
    assert (data["verdict"], data["score"]) == ("approve", 85)
    assert data["applied"]["status"] == "review" and task(root, 8)["status"] == "review"
    assert [s["status"] for s in task(root, 8)["subtasks"]] == ["pending", "pending"]


async def test_three_reviewers_each_see_the_same_prompt_on_their_own_model(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("changes_requested", 60)))
    provider_server.script(CHAT, Reply(text=verdict("changes_requested", 55, ISSUE)), model=FALLBACK_MODEL)
    provider_server.script(CHAT, Reply(text=verdict("changes_requested", 70)), model=RESEARCH_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", reviewers="research,main,fallback")
    assert routes(provider_server) == [("chat", FALLBACK_MODEL), ("chat", RESEARCH_MODEL), ("messages", MAIN_MODEL)]
    prompts = {json.dumps(r.body["messages"][-1]["content"]) for r in provider_server.seen()}
    assert all("+def subtract(a, b):" in p for p in prompts)
    assert data["consensus"]["outcome"] == "agree" and data["consensus"]["spread"] == 15
    assert [o["role"] for o in data["opinions"]] == ["research", "main", "fallback"]
    assert (data["verdict"], data["score"], data["findings"]) == ("changes_requested", 55, [ISSUE])
    assert data["usage"]["calls"] == 3


async def test_reviewers_run_concurrently_each_request_is_in_flight_while_the_other_arrives(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    arrived = {MAIN_MODEL: threading.Event(), FALLBACK_MODEL: threading.Event()}
    overlapped: dict[str, bool] = {}

    def answer(record: Recorded) -> Reply:
        # each reviewer's request is held until the other's has arrived (bounded): only concurrent calls both pass
        mine = str(record.model)
        other = FALLBACK_MODEL if mine == MAIN_MODEL else MAIN_MODEL
        arrived[mine].set()
        overlapped[mine] = arrived[other].wait(timeout=10)
        return Reply(text=verdict("approve", 90))

    provider_server.responder = answer
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", reviewers="main,fallback")
    assert overlapped == {MAIN_MODEL: True, FALLBACK_MODEL: True}
    assert data["consensus"]["outcome"] == "agree"


async def test_a_reviewer_that_fails_entirely_makes_the_outcome_need_a_human_with_its_error_shown(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures, fallbackOrder={"fallback": ["fallback"]})
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 97)))
    provider_server.script(CHAT, Reply(status=401, message="bad key"), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", reviewers="main,fallback", apply=True)
    assert data["consensus"]["outcome"] == "needs_human"
    assert data["consensus"]["reasons"][0].startswith("the fallback reviewer failed: Every configured model failed")
    failed = data["opinions"][1]
    assert failed["role"] == "fallback" and "verdict" not in failed and "score" not in failed
    assert "bad key" in failed["error"]
    assert data["applied"]["status"] == "review" and task(root, 8)["status"] == "review"


async def test_a_reviewer_answered_by_another_reviewers_model_is_not_an_independent_view(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 95)), Reply(text=verdict("approve", 95)))
    provider_server.script(CHAT, Reply(status=401, message="bad key"), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", reviewers="main,fallback")
    assert data["consensus"]["outcome"] == "needs_human"
    assert data["consensus"]["reasons"] == [
        f"the main and fallback reviewers were both answered by anthropic/{MAIN_MODEL} (a reviewer's own model "
        "failed), so their views are not independent"
    ]
    assert data["opinions"][1]["model"] == f"main anthropic/{MAIN_MODEL}" and data["opinions"][1]["role"] == "fallback"


async def test_a_single_reviewer_behaves_as_a_plain_review_on_that_role(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(CHAT, Reply(text=verdict("approve", 91)), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", reviewers="fallback")
    assert routes(provider_server) == [("chat", FALLBACK_MODEL)]
    assert (data["verdict"], data["score"]) == ("approve", 91)
    assert "consensus" not in data and "opinions" not in data and "agreement" not in data


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"reviewers": "main,boss"}, "reviewers: 'boss' is not a role. Valid roles: main, research, fallback."),
        ({"reviewers": "main,fallback,research,main"}, "reviewers takes one to 3 different roles"),
        ({"reviewers": "main,main"}, "reviewers takes one to 3 different roles"),
        ({"reviewers": "main,fallback", "secondOpinion": True}, "Pass reviewers or secondOpinion, not both"),
    ],
)
async def test_a_bad_panel_is_refused_before_any_request_and_changes_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path, arguments: dict[str, Any], expected: str
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "review", id="3", apply=True, **arguments)
    assert expected in message
    assert provider_server.seen() == [] and snapshot(root) == before


async def test_a_reviewer_role_that_is_not_configured_or_shares_a_model_is_refused_with_the_fix(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    del config["models"]["fallback"]
    config["models"]["research"] = dict(config["models"]["main"])
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    async with connected(root, env=ai_env(tmp_path)) as client:
        missing = await error(client, "review", id="3", reviewers="main,fallback")
        same = await error(client, "review", id="3", reviewers="main,research")
    assert "the fallback role is not configured" in missing and "setFallback" in missing
    assert f"the main and research roles both use anthropic/{MAIN_MODEL}" in same
    assert provider_server.seen() == []


def test_the_cli_passes_reviewers_and_the_consensus_threshold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 99)))
    provider_server.script(CHAT, Reply(text=verdict("approve", 90)), model=FALLBACK_MODEL)
    code = cli_module.run(
        ["-C", str(root), "review", "3", "--reviewers", "main,fallback", "--consensus-threshold", "5", "--json"],
        env={"HOME": str(root), **ai_env(tmp_path)},
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["consensus"]["outcome"] == "needs_human" and data["consensus"]["threshold"] == 5
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 99)))
    provider_server.script(CHAT, Reply(text=verdict("approve", 90)), model=FALLBACK_MODEL)
    code = cli_module.run(
        ["-C", str(root), "review", "3", "--reviewers", "main,fallback", "--consensus-threshold", "5"],
        env={"HOME": str(root), **ai_env(tmp_path)},
    )
    text = capsys.readouterr().out
    assert code == 0 and "consensus: needs_human" in text
    assert "the scores differ by 9 points, more than the threshold of 5" in text


async def test_a_bad_consensus_threshold_setting_blocks_only_panels_and_names_the_key(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures, review={"consensusThreshold": 150})
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 93)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        plain = await ok(client, "review", id="3")
        message = await error(client, "review", id="3", reviewers="main,fallback")
    assert plain["verdict"] == "approve" and len(provider_server.seen()) == 1
    assert (
        "taskmasterMcp.review.consensusThreshold in .taskmaster/config.json must be an integer from 0 to 100" in message
    )


async def test_an_extra_role_can_be_a_reviewer_on_its_own_model(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config.setdefault("taskmasterMcp", {})["roles"] = {
        "strong": {
            "provider": "openai",
            "modelId": "gpt-4.1",
            "maxTokens": 4000,
            "baseURL": provider_server.url + "/v1",
        }
    }
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 92)))
    provider_server.script(CHAT, Reply(text=verdict("approve", 88)), model="gpt-4.1")
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", reviewers="main,strong")
    assert routes(provider_server) == [("chat", "gpt-4.1"), ("messages", MAIN_MODEL)]
    assert data["consensus"]["outcome"] == "agree"
    assert [(o["role"], o["model"]) for o in data["opinions"]] == [
        ("main", f"main anthropic/{MAIN_MODEL}"),
        ("strong", "strong openai/gpt-4.1"),
    ]
