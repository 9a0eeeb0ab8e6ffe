"""The autopilot TDD workflow end to end: the in-memory MCP client, a real git repository in tmp_path, the state
file where Task Master keeps it (under a HOME inside tmp_path), and the scripted provider for the review gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import ai_env, ai_project, as_json
from git_helpers import git as _git
from git_helpers import isolated_git  # noqa: F401  (applies to every test here)
from mcp_helpers import connected, error, ok, snapshot
from provider_server import MESSAGES, ProviderServer, Reply
from taskmaster_mcp.store.workflow_state import project_id, state_path

RED = {"total": 3, "passed": 2, "failed": 1, "skipped": 0}
GREEN = {"total": 3, "passed": 3, "failed": 0, "skipped": 0}
BRANCH = "tm/master/task-1-build-a-calculator"


def git(root: Path, *args: str) -> str:
    return _git(root, *args, identity=False)


def tasks_doc() -> dict[str, Any]:
    subs: list[dict[str, Any]] = [
        {
            "id": n,
            "title": title,
            "description": f"{title} to the calculator.",
            "details": "",
            "status": "pending",
            "dependencies": [],
            "testStrategy": f"pytest: {title.lower()} of two numbers",
        }
        for n, title in ((1, "Add addition"), (2, "Add subtraction"), (3, "Add multiplication"))
    ]
    return {
        "master": {
            "tasks": [
                {
                    "id": 1,
                    "title": "Build a calculator",
                    "description": "Arithmetic.",
                    "details": "Pure functions.",
                    "testStrategy": "",
                    "status": "pending",
                    "dependencies": [],
                    "priority": "high",
                    "subtasks": subs,
                },
                {
                    "id": 2,
                    "title": "Unexpanded",
                    "description": "",
                    "details": "",
                    "testStrategy": "",
                    "status": "pending",
                    "dependencies": [],
                    "priority": "medium",
                    "subtasks": [],
                },
                {
                    "id": 3,
                    "title": "Finished",
                    "description": "",
                    "details": "",
                    "testStrategy": "",
                    "status": "pending",
                    "dependencies": [],
                    "priority": "low",
                    "subtasks": [{"id": 1, "title": "Done already", "status": "done", "dependencies": []}],
                },
            ],
            "metadata": {"created": "2026-01-01T00:00:00.000Z"},
        }
    }


def make_repo(root: Path) -> Path:
    """A project whose tasks.json is ``tasks_doc()``, as a git repository with one commit on main."""
    (root / ".taskmaster" / "tasks").mkdir(parents=True, exist_ok=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps(tasks_doc(), indent=2) + "\n")
    (root / "README.md").write_text("# calc\n")
    git(root, "init", "-q", "-b", "main")
    for setting in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(root, "config", *setting)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app")


def home_env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home")}


def tasks_of(root: Path) -> dict[str, Any]:
    tasks = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    return {str(t["id"]): t for t in tasks}


def statuses(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for tid, task in tasks_of(root).items():
        found[tid] = task["status"]
        found.update({f"{tid}.{s['id']}": s["status"] for s in task.get("subtasks", [])})
    return found


def state_file(tmp_path: Path, root: Path) -> Path:
    return state_path(tmp_path / "home", root)


def everything(tmp_path: Path, root: Path) -> tuple[dict[str, str], str, str, str]:
    """Project files (outside .git), the state file, HEAD and git status: what a refusal must leave alone."""
    files = {k: v for k, v in snapshot(root).items() if not k.startswith(".git/")}
    state = state_file(tmp_path, root)
    return (
        files,
        state.read_text() if state.exists() else "",
        git(root, "rev-parse", "HEAD", "--abbrev-ref", "HEAD"),
        git(root, "status", "--porcelain", "--untracked-files=all"),
    )


def write_subtask_work(root: Path, n: int) -> None:
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / f"test_op{n}.py").write_text(f"def test_op{n}():\n    assert True\n")


def write_implementation(root: Path, n: int) -> None:
    (root / f"op{n}.py").write_text(f"def op{n}(a, b):\n    return a + b\n")


async def red_green(client: Any, root: Path, n: int) -> None:
    write_subtask_work(root, n)
    assert (await ok(client, "autopilot_complete_phase", testResults=RED))["tddPhase"] == "GREEN"
    write_implementation(root, n)
    assert (await ok(client, "autopilot_complete_phase", testResults=GREEN))["tddPhase"] == "COMMIT"


async def test_each_subtask_goes_red_green_commit_on_the_task_branch_and_finalize_sets_the_task_done(
    tmp_path: Path, repo: Path
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        started = await ok(client, "autopilot_start", taskId="1")
        assert (started["branchName"], started["phase"], started["tddPhase"]) == (BRANCH, "SUBTASK_LOOP", "RED")
        assert started["currentSubtask"]["id"] == "1.1" and started["nextAction"] == "generate_test"
        assert git(repo, "branch", "--show-current").strip() == BRANCH
        assert statuses(repo) == {
            "1": "in-progress",
            "1.1": "in-progress",
            "1.2": "pending",
            "1.3": "pending",
            "2": "pending",
            "3": "pending",
            "3.1": "done",
        }

        advice = await ok(client, "autopilot_next")
        assert advice["nextAction"] == "generate_test" and "1.1" in advice["nextSteps"]
        assert "pytest: add addition of two numbers" in advice["nextSteps"] and "fail" in advice["nextSteps"]

        write_subtask_work(repo, 1)
        green = await ok(client, "autopilot_complete_phase", testResults=RED)
        assert (green["tddPhase"], green["nextAction"]) == ("GREEN", "implement_code")
        assert "1 failing at RED" in green["nextSteps"]
        write_implementation(repo, 1)
        commit_phase = await ok(client, "autopilot_complete_phase", testResults=GREEN)
        assert (commit_phase["tddPhase"], commit_phase["nextAction"]) == ("COMMIT", "commit_changes")

        first = await ok(client, "autopilot_commit")
        assert first["commitSha"] == git(repo, "rev-parse", "HEAD").strip()
        assert git(repo, "log", "-1", "--format=%B").strip() == first["commitMessage"].strip()
        assert first["commitMessage"].startswith("feat(task-1): Add addition\n\nTask: 1.1 (subtask of 1: Build a")
        assert "Tests: 3 passing" in first["commitMessage"]
        assert {"op1.py", "tests/test_op1.py"} <= set(first["files"])
        assert (first["currentSubtask"]["id"], first["tddPhase"], first["isComplete"]) == ("1.2", "RED", False)
        assert statuses(repo)["1.1"] == "done" and statuses(repo)["1.2"] == "in-progress"

        await red_green(client, repo, 2)
        second = await ok(client, "autopilot_commit", customMessage="feat: subtraction")
        assert git(repo, "log", "-1", "--format=%B").strip() == "feat: subtraction"
        await red_green(client, repo, 3)
        last = await ok(client, "autopilot_commit")
        assert (last["phase"], last["isComplete"], last["nextAction"]) == ("FINALIZE", True, "finalize_workflow")
        assert last["progress"] == {"completed": 3, "total": 3, "current": 3, "percentage": 100}

        done = await ok(client, "autopilot_finalize")
        assert (done["phase"], done["nextAction"]) == ("COMPLETE", "workflow_complete")
        assert "review" not in done
    assert second["currentSubtask"]["id"] == "1.3"
    assert statuses(repo)["1"] == "done" and all(statuses(repo)[f"1.{n}"] == "done" for n in (1, 2, 3))
    assert not state_file(tmp_path, repo).exists()
    assert git(repo, "log", "--format=%s", f"main..{BRANCH}").splitlines() == [
        "feat(task-1): Add multiplication",
        "feat: subtraction",
        "feat(task-1): Add addition",
    ]


async def test_red_with_no_failing_test_counts_the_subtask_as_already_implemented_without_a_commit(
    tmp_path: Path, repo: Path
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        head = git(repo, "rev-parse", "HEAD")
        skipped = await ok(client, "autopilot_complete_phase", testResults={"total": 4, "passed": 4, "failed": 0})
    assert skipped["alreadyImplemented"] is True and "already implemented" in skipped["message"]
    assert (skipped["currentSubtask"]["id"], skipped["tddPhase"]) == ("1.2", "RED")
    assert git(repo, "rev-parse", "HEAD") == head
    assert statuses(repo)["1.1"] == "done" and statuses(repo)["1.2"] == "in-progress"


async def test_a_new_server_resumes_the_workflow_from_the_state_file(tmp_path: Path, repo: Path) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        write_subtask_work(repo, 1)
        await ok(client, "autopilot_complete_phase", testResults=RED)
    async with connected(repo, env=home_env(tmp_path)) as client:
        resumed = await ok(client, "autopilot_resume")
        status = await ok(client, "autopilot_status")
        write_implementation(repo, 1)
        await ok(client, "autopilot_complete_phase", testResults=GREEN)
        committed = await ok(client, "autopilot_commit")
    assert (resumed["tddPhase"], resumed["currentSubtask"]["id"], resumed["nextAction"]) == (
        "GREEN",
        "1.1",
        "implement_code",
    )
    assert status["lastTestResults"] == {**RED, "phase": "RED"} and status["branchName"] == BRANCH
    assert committed["currentSubtask"]["id"] == "1.2"


async def test_the_state_file_is_task_masters_file_in_the_home_folder_and_keeps_keys_it_does_not_know(
    tmp_path: Path, repo: Path
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
    path = state_file(tmp_path, repo)
    assert path == tmp_path / "home" / ".taskmaster" / project_id(repo) / "sessions" / "workflow-state.json"
    assert project_id(Path("/Volumes/My Work/app.v2")) == "-Volumes-My-Work-app-v2"
    text = path.read_text()
    state = json.loads(text)
    assert text == json.dumps(state, indent=2, ensure_ascii=False) + "\n"
    context = state["context"]
    assert state["phase"] == "SUBTASK_LOOP" and context["currentTDDPhase"] == "RED"
    assert (context["taskId"], context["currentSubtaskIndex"], context["branchName"], context["tag"]) == (
        "1",
        0,
        BRANCH,
        "master",
    )
    assert context["subtasks"][0] == {
        "id": "1.1",
        "title": "Add addition",
        "status": "pending",
        "attempts": 0,
        "maxAttempts": 3,
    }
    assert context["metadata"]["taskTitle"] == "Build a calculator" and context["errors"] == []
    # a state Task Master wrote, with keys of its own, resumes and keeps them through our writes
    context["metadata"]["orgSlug"] = "acme"
    context["activity"] = {"seen": 1}
    context["subtasks"][0]["custom"] = True
    state["version"] = 2
    path.write_text(json.dumps(state, indent=2) + "\n")
    async with connected(repo, env=home_env(tmp_path)) as client:
        write_subtask_work(repo, 1)
        await ok(client, "autopilot_complete_phase", testResults=RED)
    after = json.loads(path.read_text())
    assert after["version"] == 2 and after["context"]["activity"] == {"seen": 1}
    assert after["context"]["metadata"]["orgSlug"] == "acme" and after["context"]["subtasks"][0]["custom"] is True
    assert after["context"]["currentTDDPhase"] == "GREEN"


async def test_abort_removes_the_state_and_keeps_the_branch_the_code_and_the_statuses(
    tmp_path: Path, repo: Path
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        write_subtask_work(repo, 1)
        aborted = await ok(client, "autopilot_abort")
        again = await ok(client, "autopilot_abort")
        status = await error(client, "autopilot_status")
    assert (aborted["hadWorkflow"], aborted["taskId"], aborted["branchName"]) == (True, "1", BRANCH)
    assert again == {"message": "No workflow in progress; nothing to abort.", "hadWorkflow": False}
    assert "autopilot_start" in status
    assert not state_file(tmp_path, repo).exists() and (repo / "tests/test_op1.py").exists()
    assert git(repo, "branch", "--show-current").strip() == BRANCH
    assert statuses(repo)["1"] == "in-progress" and statuses(repo)["1.1"] == "in-progress"


async def test_abort_discards_a_state_file_that_cannot_be_read(tmp_path: Path, repo: Path) -> None:
    path = state_file(tmp_path, repo)
    path.parent.mkdir(parents=True)
    path.write_text('{"phase": "SOMEWHERE", "context": {}}\n')
    async with connected(repo, env=home_env(tmp_path)) as client:
        broken = await error(client, "autopilot_next")
        aborted = await ok(client, "autopilot_abort")
    assert "not valid" in broken and "autopilot_abort" in broken
    assert aborted["hadWorkflow"] is True and not path.exists()


async def test_start_with_force_replaces_a_running_workflow_and_start_again_on_its_branch_continues(
    tmp_path: Path, repo: Path
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        await red_green(client, repo, 1)
        await ok(client, "autopilot_commit")
        running = await error(client, "autopilot_start", taskId="1")
        restarted = await ok(client, "autopilot_start", taskId="1", force=True)
    assert "already in progress" in running and "force=true" in running and "autopilot_resume" in running
    assert restarted["branchName"] == BRANCH and restarted["currentSubtask"]["id"] == "1.2"
    assert restarted["progress"]["completed"] == 1


async def test_changes_under_taskmaster_do_not_count_as_a_dirty_tree(tmp_path: Path, repo: Path) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "set_task_status", id="1.3", status="review")
        started = await ok(client, "autopilot_start", taskId="1")
    assert started["tddPhase"] == "RED"


@pytest.mark.parametrize(
    ("arguments", "prepare", "expected"),
    [
        ({"taskId": "1.2"}, None, "is a subtask. Pass taskId=1"),
        ({"taskId": "2"}, None, "Expand it first (expand_task with id=2"),
        ({"taskId": "3"}, None, "already done"),
        ({"taskId": "99"}, None, "Task 99 not found"),
        ({"taskId": "1"}, "dirty", "uncommitted changes (README.md, notes.txt)"),
        ({"taskId": "1"}, "branch", f"Branch {BRANCH} already exists but is not checked out"),
        ({"taskId": "1"}, "not-git", "is not in a git repository"),
        ({"taskId": "1"}, "no-commit", "has no commit yet"),
        ({"taskId": "1", "maxAttempts": 0}, None, "maxAttempts must be at least 1"),
    ],
)
async def test_start_refusals_say_what_to_do_and_change_nothing(
    tmp_path: Path, arguments: dict[str, Any], prepare: str | None, expected: str
) -> None:
    root = tmp_path / "app"
    if prepare in ("not-git", "no-commit"):
        (root / ".taskmaster" / "tasks").mkdir(parents=True)
        (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(tasks_doc(), indent=2) + "\n")
        if prepare == "no-commit":
            git(root, "init", "-q", "-b", "main")
    else:
        make_repo(root)
    if prepare == "dirty":
        (root / "README.md").write_text("# changed\n")
        (root / "notes.txt").write_text("draft\n")
    if prepare == "branch":
        git(root, "branch", BRANCH)
    before = snapshot(root)
    async with connected(root, env=home_env(tmp_path)) as client:
        message = await error(client, "autopilot_start", **arguments)
    assert expected in message
    assert snapshot(root) == before and not state_file(tmp_path, root).exists()


async def workflow_at(client: Any, root: Path, phase: str) -> None:
    await ok(client, "autopilot_start", taskId="1")
    if phase in ("GREEN", "COMMIT"):
        write_subtask_work(root, 1)
        await ok(client, "autopilot_complete_phase", testResults=RED)
    if phase == "COMMIT":
        write_implementation(root, 1)
        await ok(client, "autopilot_complete_phase", testResults=GREEN)


@pytest.mark.parametrize(
    ("phase", "tool", "arguments", "expected"),
    [
        ("RED", "autopilot_complete_phase", {"testResults": {"total": 2, "passed": 0, "failed": 1}}, "do not add up"),
        ("RED", "autopilot_complete_phase", {"testResults": {"total": 0, "passed": 0, "failed": 0}}, "at least one"),
        ("RED", "autopilot_complete_phase", {"testResults": {"passed": 1, "failed": 1}}, "lacks total"),
        ("RED", "autopilot_complete_phase", {"testResults": {"total": 1, "passed": -1, "failed": 2}}, "non-negative"),
        ("RED", "autopilot_commit", {}, "Cannot commit: subtask 1.1 is in RED"),
        ("GREEN", "autopilot_complete_phase", {"testResults": {"total": 3, "passed": 2, "failed": 1}}, "every test"),
        ("GREEN", "autopilot_finalize", {}, "Cannot finalize: subtask 1.1 is still in GREEN"),
        ("COMMIT", "autopilot_complete_phase", {"testResults": GREEN}, "Call autopilot_commit"),
        ("COMMIT", "autopilot_commit", {"files": ["../outside.py"]}, "outside the project root"),
        ("COMMIT", "autopilot_commit", {"files": ["README.md"]}, "Nothing to commit in README.md"),
    ],
)
async def test_phase_refusals_say_what_to_do_and_change_nothing(
    tmp_path: Path, repo: Path, phase: str, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await workflow_at(client, repo, phase)
        before = everything(tmp_path, repo)
        index = (repo / ".git/index").read_bytes()
        message = await error(client, tool, **arguments)
        status = await ok(client, "autopilot_status")
    assert expected in message, message
    assert everything(tmp_path, repo) == before and (repo / ".git/index").read_bytes() == index
    assert status["tddPhase"] == phase


async def test_commit_of_nothing_and_on_another_branch_are_refused(tmp_path: Path, repo: Path) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        await ok(client, "autopilot_complete_phase", testResults=RED)
        await ok(client, "autopilot_complete_phase", testResults=GREEN)
        before = everything(tmp_path, repo)
        nothing = await error(client, "autopilot_commit")
        assert everything(tmp_path, repo) == before
        write_implementation(repo, 1)
        git(repo, "checkout", "-q", "main")
        before = everything(tmp_path, repo)
        elsewhere = await error(client, "autopilot_commit")
        assert everything(tmp_path, repo) == before
    assert "Nothing to commit: no file outside .taskmaster/ differs" in nothing
    assert f"git checkout {BRANCH}" in elsewhere


async def test_a_commit_git_refuses_leaves_the_index_and_the_workflow_as_they_were(tmp_path: Path, repo: Path) -> None:
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    hook.chmod(0o755)
    async with connected(repo, env=home_env(tmp_path)) as client:
        await workflow_at(client, repo, "COMMIT")
        before = everything(tmp_path, repo)
        message = await error(client, "autopilot_commit")
        status = await ok(client, "autopilot_status")
    assert "git refused the commit" in message and "lint failed" in message
    assert everything(tmp_path, repo) == before and status["tddPhase"] == "COMMIT"
    assert git(repo, "diff", "--cached", "--name-only") == ""


async def test_commit_with_files_commits_only_those(tmp_path: Path, repo: Path) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await workflow_at(client, repo, "COMMIT")
        (repo / "scratch.txt").write_text("not part of it\n")
        done = await ok(client, "autopilot_commit", files=["op1.py", "tests/test_op1.py"])
    assert done["files"] == ["op1.py", "tests/test_op1.py"]
    assert [line for line in git(repo, "status", "--porcelain").splitlines() if ".taskmaster" not in line] == [
        "?? scratch.txt"
    ]


async def test_finalize_refuses_uncommitted_work(tmp_path: Path, repo: Path) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        await ok(client, "autopilot_start", taskId="1")
        for n in (1, 2, 3):
            await red_green(client, repo, n)
            await ok(client, "autopilot_commit")
        (repo / "leftover.py").write_text("x = 1\n")
        before = everything(tmp_path, repo)
        message = await error(client, "autopilot_finalize")
        assert everything(tmp_path, repo) == before
    assert "uncommitted changes (leftover.py)" in message


@pytest.mark.parametrize(
    "tool", ["autopilot_resume", "autopilot_next", "autopilot_status", "autopilot_commit", "autopilot_finalize"]
)
async def test_tools_without_a_workflow_say_how_to_start_one(tmp_path: Path, repo: Path, tool: str) -> None:
    async with connected(repo, env=home_env(tmp_path)) as client:
        message = await error(client, tool)
    assert "No autopilot workflow is in progress" in message and "autopilot_start" in message


# --- the review gate -----------------------------------------------------------------------------------------------


def verdict(kind: str, score: int) -> str:
    findings = (
        [] if kind == "approve" else [{"severity": "major", "file": "op2.py", "line": 2, "message": "subtraction adds"}]
    )
    return as_json(
        {
            "verdict": kind,
            "score": score,
            "summary": f"{kind} at {score}.",
            "findings": findings,
            "unmetRequirements": [] if kind == "approve" else ["Subtraction subtracts"],
            "followUpSubtasks": [],
        }
    )


async def finished_workflow(client: Any, root: Path) -> None:
    await ok(client, "autopilot_start", taskId="1")
    for n in (1, 2, 3):
        await red_green(client, root, n)
        await ok(client, "autopilot_commit")


@pytest.fixture
def ai_repo(tmp_path: Path, provider_server: ProviderServer) -> Path:
    root = ai_project(tmp_path / "app", provider_server)
    return make_repo(root)


async def test_finalize_with_review_sends_the_branch_diff_and_records_an_approving_verdict(
    tmp_path: Path, ai_repo: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 91)))
    async with connected(ai_repo, env={**ai_env(tmp_path), **home_env(tmp_path)}) as client:
        await finished_workflow(client, ai_repo)
        done = await ok(client, "autopilot_finalize", review=True)
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "def op2(a, b):" in body and "def test_op3():" in body and "Build a calculator" in body
    assert done["phase"] == "COMPLETE" and "forced" not in done
    assert {k: done["review"][k] for k in ("verdict", "score", "threshold", "passed")} == {
        "verdict": "approve",
        "score": 91,
        "threshold": 80,
        "passed": True,
    }
    task = tasks_of(ai_repo)["1"]
    assert task["status"] == "done" and "<info added on" in task["details"]
    assert "review gate passed" in task["details"] and "approve, score 91/100" in task["details"]
    assert not state_file(tmp_path, ai_repo).exists()


async def test_a_failing_review_keeps_the_workflow_open_with_the_findings_until_force(
    tmp_path: Path, ai_repo: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(
        MESSAGES, Reply(text=verdict("changes_requested", 55)), Reply(text=verdict("changes_requested", 60))
    )
    async with connected(ai_repo, env={**ai_env(tmp_path), **home_env(tmp_path)}) as client:
        await finished_workflow(client, ai_repo)
        refused = await error(client, "autopilot_finalize", review=True)
        still = await ok(client, "autopilot_status")
        assert tasks_of(ai_repo)["1"]["status"] == "in-progress"
        forced = await ok(client, "autopilot_finalize", review=True, force=True)
    assert "Review gate failed for task 1: changes_requested, score 55/100" in refused
    assert "[major] op2.py:2: subtraction adds" in refused and "unmet: Subtraction subtracts" in refused
    assert "force=true" in refused and still["phase"] == "FINALIZE"
    assert forced["phase"] == "COMPLETE" and forced["forced"] is True and forced["review"]["passed"] is False
    task = tasks_of(ai_repo)["1"]
    assert task["status"] == "done" and task["details"].count("review gate failed") == 2
    assert not state_file(tmp_path, ai_repo).exists()
