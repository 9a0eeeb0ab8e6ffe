"""``autopilot_start worktree=true``: the task's branch in its own ``git worktree`` beside the repository (real git),
so parallel agents never share a working tree; finalize and abort remove it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from git_helpers import git as _git
from git_helpers import isolated_git  # noqa: F401  (applies to every test here)
from mcp_helpers import connected, error, ok

RED = {"total": 1, "passed": 0, "failed": 1, "skipped": 0}
GREEN = {"total": 1, "passed": 1, "failed": 0, "skipped": 0}
BRANCH = "tm/master/task-1-build-it"


def git(root: Path, *args: str) -> str:
    return _git(root, *args, identity=False)


def make_repo(root: Path) -> Path:
    subs = [{"id": 1, "title": "Only step", "description": "", "status": "pending", "dependencies": []}]
    task: dict[str, Any] = {"id": 1, "title": "Build it", "description": "", "details": "", "testStrategy": ""}
    task |= {"status": "pending", "dependencies": [], "priority": "high", "subtasks": subs}
    doc = {"master": {"tasks": [task], "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps(doc, indent=2) + "\n")
    (root / "README.md").write_text("# app\n")
    git(root, "init", "-q", "-b", "main")
    for setting in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(root, "config", *setting)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


def status_of(root: Path) -> dict[str, str]:
    task = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][0]
    return {"1": task["status"], "1.1": task["subtasks"][0]["status"]}


def worktrees(root: Path) -> list[str]:
    return [
        line[9:] for line in git(root, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")
    ]


async def test_the_task_branch_lives_in_its_own_tree_and_finalize_removes_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app")
    tree = tmp_path / "app-task-1"
    async with connected(repo, env={"HOME": str(tmp_path / "home")}) as client:
        (repo / "scratch.txt").write_text("another agent's uncommitted work\n")  # the project's tree is not ours
        started = await ok(client, "autopilot_start", taskId="1", worktree=True)
        assert started["worktree"] == str(tree) and str(tree) in started["message"]
        assert git(repo, "branch", "--show-current").strip() == "main"  # the project's tree stays put
        assert git(tree, "branch", "--show-current").strip() == BRANCH
        assert str(tree) in worktrees(repo)
        assert status_of(repo) == {"1": "in-progress", "1.1": "in-progress"}

        (tree / "test_it.py").write_text("def test_it():\n    assert True\n")
        await ok(client, "autopilot_complete_phase", testResults=RED)
        (tree / "it.py").write_text("X = 1\n")
        await ok(client, "autopilot_complete_phase", testResults=GREEN)
        committed = await ok(client, "autopilot_commit")
        assert sorted(committed["files"]) == ["it.py", "test_it.py"]
        assert git(repo, "log", "-1", "--format=%H", BRANCH).strip() == committed["commitSha"]
        assert not (repo / "it.py").exists()  # the work stayed in the task's tree
        assert (repo / "scratch.txt").exists()

        done = await ok(client, "autopilot_finalize")
        assert done["phase"] == "COMPLETE"
        assert status_of(repo) == {"1": "done", "1.1": "done"}
        assert not tree.exists() and str(tree) not in worktrees(repo)
        assert git(repo, "branch", "--list", BRANCH).strip()  # the branch is kept for the merge


async def test_abort_removes_a_clean_task_tree_and_keeps_one_with_work(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app")
    tree = tmp_path / "app-task-1"
    async with connected(repo, env={"HOME": str(tmp_path / "home")}) as client:
        await ok(client, "autopilot_start", taskId="1", worktree=True)
        (tree / "half_done.py").write_text("pass\n")
        kept = await ok(client, "autopilot_abort")
        assert kept["worktree"] == str(tree) and "uncommitted work" in kept["note"]
        assert (tree / "half_done.py").exists()

        (tree / "half_done.py").unlink()
        git(repo, "worktree", "remove", str(tree))
        git(repo, "branch", "-D", BRANCH)
        await ok(client, "autopilot_start", taskId="1", worktree=True)
        removed = await ok(client, "autopilot_abort")
        assert removed["worktree"] == str(tree) and "was removed" in removed["note"]
        assert not tree.exists() and str(tree) not in worktrees(repo)


async def test_an_existing_tree_path_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app")
    (tmp_path / "app-task-1").mkdir()
    before = (repo / ".taskmaster/tasks/tasks.json").read_bytes()
    async with connected(repo, env={"HOME": str(tmp_path / "home")}) as client:
        message = await error(client, "autopilot_start", taskId="1", worktree=True)
    assert "app-task-1 already exists" in message
    assert (repo / ".taskmaster/tasks/tasks.json").read_bytes() == before
    assert not git(repo, "branch", "--list", BRANCH).strip() and len(worktrees(repo)) == 1


async def test_the_review_gate_on_a_task_tree_is_refused_with_what_to_do_and_nothing_changes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app")
    tree = tmp_path / "app-task-1"
    async with connected(repo, env={"HOME": str(tmp_path / "home")}) as client:
        await ok(client, "autopilot_start", taskId="1", worktree=True)
        (tree / "test_it.py").write_text("def test_it():\n    assert True\n")
        await ok(client, "autopilot_complete_phase", testResults=RED)
        await ok(client, "autopilot_complete_phase", testResults=GREEN)
        await ok(client, "autopilot_commit")
        before = (repo / ".taskmaster/tasks/tasks.json").read_bytes()
        message = await error(client, "autopilot_finalize", review=True)
        assert "Run `review` with projectRoot=<the worktree>" in message
        assert (repo / ".taskmaster/tasks/tasks.json").read_bytes() == before and tree.exists()
        assert (await ok(client, "autopilot_status"))["phase"] == "FINALIZE"
