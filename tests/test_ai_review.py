"""review end to end against a real git repository made in tmp_path and the scripted provider."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import FALLBACK_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config, and no repository discovery above tmp_path (for the server's git too)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main",
                           *args], cwd=root, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout


def repo(tmp_path: Path, server: ProviderServer, fixtures: Path, **ours: Any) -> Path:
    """The messy project as a git repository with one commit, then a modified file and untracked files."""
    root = ai_project(tmp_path / "repo", server, fixtures / "messy-tasks.json", ours=ours or None)
    (root / "src").mkdir()
    (root / "src/calc.py").write_text("def add(a, b):\n    return a + b\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    (root / "src/calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n")
    (root / "src/new_module.py").write_text("NEW_MODULE_MARKER = True\n")
    (root / ".env").write_text("ANTHROPIC_API_KEY=sk-live-do-not-send\n")
    return root


def verdict(kind: str, score: int, *findings: dict[str, Any], follow: list[str] | None = None) -> str:
    return as_json({"verdict": kind, "score": score, "summary": f"{kind} at {score}.", "findings": list(findings),
                    "unmetRequirements": ["Pool size is configurable"] if kind != "approve" else [],
                    "followUpSubtasks": [{"title": t, "description": f"{t}."} for t in follow or []]})


def index_digest(root: Path) -> str:
    return hashlib.sha256((root / ".git/index").read_bytes()).hexdigest()


async def test_review_sends_the_real_diff_and_untracked_files_but_not_secrets_and_leaves_the_index_alone(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    index_before = index_digest(root)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 92)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", testOutput="2 passed in 0.01s")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "+def subtract(a, b):" in body and "NEW_MODULE_MARKER" in body and "src/new_module.py" in body
    assert "Implement storage layer" in body and "2 passed in 0.01s" in body
    assert "sk-live-do-not-send" not in body and "storage-team" not in body
    assert data["diff"]["files"] == ["src/calc.py", "src/new_module.py"]
    assert data["diff"]["untracked"] == ["src/new_module.py"] and data["diff"]["excluded"] == [".env"]
    assert (data["verdict"], data["score"], "applied" in data) == ("approve", 92, False)
    assert index_digest(root) == index_before
    assert git(root, "status", "--porcelain").splitlines() == [" M src/calc.py", "?? .env", "?? src/new_module.py"]


async def test_a_huge_diff_is_cut_per_file_with_a_note_naming_what_was_cut(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    (root / "src/big.py").write_text("".join(f"value_{n} = {n}\n" for n in range(5000)))
    provider_server.script(MESSAGES, Reply(text=verdict("changes_requested", 50)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", paths="src")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "[diff truncated to fit the model's input: cut: src/big.py (" in body
    assert "more characters of this file's diff not shown" in body
    assert "value_10 = 10" in body and "value_4999" not in body
    assert data["diff"]["cut"][0].startswith("src/big.py (")


async def test_second_opinion_disagreement_keeps_the_stricter_verdict_and_shows_both(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 90)))
    provider_server.script(CHAT, Reply(text=verdict("changes_requested", 55, {
        "severity": "major", "file": "src/calc.py", "line": 5, "message": "subtract has no test"},
        follow=["Test subtract"])), model=FALLBACK_MODEL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", secondOpinion=True)
    assert provider_server.seen(CHAT)[0].model == FALLBACK_MODEL
    assert (data["verdict"], data["score"], data["agreement"]) == ("changes_requested", 55, False)
    assert [o["verdict"] for o in data["opinions"]] == ["approve", "changes_requested"]
    assert data["opinions"][1]["model"] == f"fallback openai/{FALLBACK_MODEL}"
    assert data["findings"] == [{"severity": "major", "file": "src/calc.py", "line": 5,
                                 "message": "subtract has no test"}]
    assert data["summary"].startswith("The reviewers disagree") and data["usage"]["calls"] == 2


async def test_apply_approve_sets_the_task_and_its_open_subtasks_done(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 85)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", apply=True)
    task = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][7]
    assert task["status"] == "done" and [s["status"] for s in task["subtasks"]] == ["done", "done"]
    assert task["details"] == ""
    assert data["applied"] == {"status": "done", "changed": ["8", "8.1", "8.2"], "note": False}


async def test_apply_changes_requested_sets_review_adds_follow_ups_and_appends_the_review_note(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("changes_requested", 60, {
        "severity": "minor", "file": "src/calc.py", "line": None, "message": "Add type hints"},
        follow=["Validate inputs", "Document the error envelope"])))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="4", apply=True)
    task = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][3]
    assert task["status"] == "review"
    assert [(s["id"], s["title"], s["status"]) for s in task["subtasks"][3:]] == [
        (4, "Validate inputs", "pending"), (5, "Document the error envelope", "pending")]
    assert "\nReview against HEAD: changes_requested, score 60/100. changes_requested at 60." in task["details"]
    assert "- [minor] src/calc.py: Add type hints" in task["details"]
    assert "Follow-up subtasks added: 4.4, 4.5\n</info added on" in task["details"]
    assert task["details"].startswith("REST first.\n<info added on 2025-09-02")
    assert data["applied"]["addedSubtasks"] == ["4.4", "4.5"] and data["applied"]["status"] == "review"


async def test_review_outside_a_git_repository_or_with_a_bad_base_says_what_to_do_and_changes_nothing(
        tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path) -> None:
    plain = ai_project(tmp_path / "plain", provider_server, shared_fixtures / "messy-tasks.json")
    root = repo(tmp_path, provider_server, shared_fixtures, review={"approveScore": 120})
    before = snapshot(plain), snapshot(root)
    async with connected(plain, env=ai_env(tmp_path)) as client:
        not_repo = await error(client, "review", id="3")
        bad_base = await error(client, "review", id="3", base="no-such-branch", projectRoot=str(root))
        option = await error(client, "review", id="3", base="--output=/tmp/x", projectRoot=str(root))
        bad_config = await error(client, "review", id="3", apply=True, projectRoot=str(root))
        subtask = await error(client, "review", id="3.2", projectRoot=str(root))
    assert "not inside a git work tree" in not_repo and "git init" in not_repo
    assert "base 'no-such-branch' is not a commit" in bad_base
    assert "is not a git revision" in option
    assert "taskmasterMcp.review.approveScore" in bad_config
    assert "review takes a task id" in subtask
    assert provider_server.seen() == []
    assert (snapshot(plain), snapshot(root)) == before
