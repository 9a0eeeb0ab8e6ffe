"""Autopilot tools: Task Master's TDD workflow (RED -> GREEN -> COMMIT per subtask, on a branch of the task).

The face only: signatures and results. The rules are :mod:`taskmaster_mcp.tasks.workflow`; git, tasks.json and the
state file are changed by :mod:`taskmaster_mcp.store.autopilot` (which also owns ``worktree: true``); the review gate
of finalize is :mod:`taskmaster_mcp.ai.review_gate` (its model call runs before any lock is taken).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project, state_of
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.store import autopilot as run
from taskmaster_mcp.store import git
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.workflow_state import WorkflowFile
from taskmaster_mcp.tasks import workflow as rules
from taskmaster_mcp.tasks.model import parse_ref

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context


class CurrentSubtask(BaseModel):
    """The subtask being worked on."""

    id: str
    title: str
    attempts: int
    maxAttempts: int


class Progress(BaseModel):
    """Subtasks completed of the total; ``current`` is 1-based."""

    completed: int
    total: int
    current: int
    percentage: int


class AutopilotStatus(BaseModel):
    """Where the workflow stands (Task Master's status fields)."""

    taskId: str
    phase: str
    tddPhase: str | None = None
    branchName: str | None = None
    worktree: str | None = None
    tag: str | None = None
    currentSubtask: CurrentSubtask | None = None
    progress: Progress
    lastTestResults: dict[str, Any] | None = None


class AutopilotStep(AutopilotStatus):
    """The status after a call, and what to do next."""

    message: str
    nextAction: str
    actionDescription: str
    nextSteps: str
    alreadyImplemented: bool | None = None


class Committed(AutopilotStep):
    """The commit made for a subtask."""

    commitSha: str
    commitMessage: str
    files: list[str]
    isComplete: bool


class ReviewGate(BaseModel):
    """The review verdict that gated finalize (approve with a score at or above the threshold passes)."""

    verdict: str
    score: int
    threshold: int
    passed: bool
    summary: str
    base: str
    findings: list[dict[str, Any]]
    unmetRequirements: list[str]


class Finalized(AutopilotStep):
    """The finished workflow; the task is done and the state file removed."""

    review: ReviewGate | None = None
    forced: bool | None = None


class Aborted(BaseModel):
    """What abort removed; the branch, the code and task statuses stay."""

    message: str
    hadWorkflow: bool
    taskId: str | None = None
    branchName: str | None = None
    worktree: str | None = None
    note: str | None = None


def _home(env: Mapping[str, str]) -> Path:
    """The user's home folder (Task Master keeps workflow state there), from the server's environment."""
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


async def _open(ctx: Context[Any, Any], project_root: str | None) -> tuple[Project, WorkflowFile]:
    project = await open_project(ctx, project_root)
    project.store.require_initialized()
    return project, WorkflowFile(project.paths, _home(state_of(ctx).env))


def _status(wf: rules.Workflow) -> dict[str, Any]:
    step = wf.current
    current = (
        None
        if step is None
        else CurrentSubtask(
            id=step.id,
            title=step.title,
            attempts=step.attempts,
            maxAttempts=step.max_attempts or rules.DEFAULT_MAX_ATTEMPTS,
        )
    )
    where = run.worktree_of(wf)
    return {
        "taskId": wf.task_id,
        "phase": wf.phase,
        "tddPhase": wf.tdd if wf.phase == "SUBTASK_LOOP" else None,
        "branchName": wf.branch,
        "worktree": str(where) if where else None,
        "tag": wf.tag,
        "currentSubtask": current,
        "progress": Progress(**rules.progress(wf)),
        "lastTestResults": wf.last_results,
    }


def _step(project: Project, wf: rules.Workflow, message: str, **extra: Any) -> dict[str, Any]:
    action = rules.next_action(wf, run.detail(project, wf))
    return {
        **_status(wf),
        "message": message,
        "nextAction": action.action,
        "actionDescription": action.description,
        "nextSteps": action.next_steps,
        **extra,
    }


async def autopilot_start(
    ctx: Context[Any, Any],
    taskId: TaskIdArg,
    maxAttempts: int = rules.DEFAULT_MAX_ATTEMPTS,
    force: Annotated[bool, Field(description="Replace a running workflow")] = False,
    worktree: Annotated[bool, Field(description="Branch in its own git worktree beside the repo")] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
) -> AutopilotStep:
    """Start TDD on a task: its git branch, then RED of its first open subtask.

    With worktree, the branch is checked out in a new working tree at ``<parent>/<repo>-task-<id>`` (work there;
    finalize and abort remove it) and the project's own tree is left as it is.

    Refused (nothing changed) for a subtask id, a task without subtasks, every subtask done, a workflow already in
    progress (unless force), a folder outside git or without a commit, uncommitted changes outside .taskmaster/
    (without worktree), or an existing task branch that is not checked out.
    """
    project, state = await _open(ctx, projectRoot)
    ref = parse_ref(taskId)
    if ref.sub is not None:
        raise InvalidInput(
            f"autopilot_start takes a task id; {ref} is a subtask. Pass taskId={ref.task}: the "
            "workflow goes through its subtasks in order."
        )
    wf = run.start(project, state, ref, project.tag(tag), maxAttempts, force, worktree)  # in a worker thread
    where = run.worktree_of(wf)
    told = f" in its own working tree {where}; work there" if where else ""
    return AutopilotStep(**_step(project, wf, f"Workflow started for task {ref.task} on branch {wf.branch}{told}."))


async def autopilot_resume(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> AutopilotStep:
    """Resume the workflow after a restart: status and next action."""
    project, state = await _open(ctx, projectRoot)
    wf = state.require()
    message = f"Workflow of task {wf.task_id} resumed."
    root = run.work_root(project, wf)
    current = git.current_branch(root)
    if wf.branch and current != wf.branch:
        message += f" Check out its branch first: git checkout {wf.branch} ({current or 'detached HEAD'} is out)."
    return AutopilotStep(**_step(project, wf, message))


async def autopilot_next(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> AutopilotStep:
    """Next TDD step: phase, subtask, which tests to write or make pass."""
    project, state = await _open(ctx, projectRoot)
    wf = state.require()
    return AutopilotStep(**_step(project, wf, f"Next for task {wf.task_id}."))


async def autopilot_status(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> AutopilotStatus:
    """Workflow phase, subtask, progress."""
    _, state = await _open(ctx, projectRoot)
    return AutopilotStatus(**_status(state.require()))


async def autopilot_complete_phase(
    ctx: Context[Any, Any],
    testResults: Annotated[dict[str, int], Field(description="total,passed,failed,skipped")],
    projectRoot: ProjectRoot = None,
) -> AutopilotStep:
    """End RED (tests fail) or GREEN (all pass) with your run's test counts.

    RED with no failure means the subtask is already implemented: it is counted done without a commit (as in Task
    Master). A refused report changes nothing.
    """
    project, state = await _open(ctx, projectRoot)
    was, outcome = run.complete_phase(project, state, testResults)
    after = outcome.workflow
    if outcome.already_implemented:
        message = (
            f"No test failed at RED: subtask {outcome.completed} is already implemented and was counted done "
            "without a commit."
        )
    else:
        message = f"{was} complete for subtask {after.current.id if after.current else '?'}; now {after.tdd}."
    return AutopilotStep(**_step(project, after, message, alreadyImplemented=outcome.already_implemented or None))


async def autopilot_commit(
    ctx: Context[Any, Any],
    files: Annotated[list[str] | None, Field(description="Default: all")] = None,
    customMessage: str | None = None,
    projectRoot: ProjectRoot = None,
) -> Committed:
    """Commit the subtask (COMMIT phase); marks it done."""
    project, state = await _open(ctx, projectRoot)
    made = run.commit(project, state, files or [], customMessage)  # in a worker thread
    done = made.workflow.phase == "FINALIZE"
    text = f"Committed subtask {made.step.id} ({made.sha[:12]})." + (" Every subtask is complete." if done else "")
    return Committed(
        **_step(project, made.workflow, text),
        commitSha=made.sha,
        commitMessage=made.message,
        files=made.files,
        isComplete=done,
    )


async def autopilot_finalize(
    ctx: Context[Any, Any],
    review: Annotated[bool, Field(description="Gate on AI review of the branch")] = False,
    force: Annotated[bool, Field(description="Despite a failing review")] = False,
    projectRoot: ProjectRoot = None,
) -> Finalized:
    """End the workflow (all committed, clean tree): task done.

    A task's own worktree (start with worktree) is removed; its branch is kept for the merge.

    With review, the task branch's changes (since the commit it started from) are reviewed against the task (AI,
    the ``review`` command); the verdict is appended to the task's details as a dated note. A verdict that is not
    approve at ``review.approveScore`` (default 80) refuses to finalize, listing the findings, unless force.
    """
    project, state = await _open(ctx, projectRoot)
    wf = state.require()
    run.ready_to_finalize(project, wf)
    gate: ReviewGate | None = None
    note: str | None = None
    if review:
        from taskmaster_mcp.ai.review_gate import refusal, run_gate
        from taskmaster_mcp.mcp_server.calls import ai_context

        if run.worktree_of(wf) is not None:
            raise InvalidInput(
                "The review gate does not read a task's own worktree yet. Run `review` with projectRoot=<the "
                "worktree> and base=<its first commit>, then call autopilot_finalize without review."
            )
        base = run.review_base(project, wf)
        if base is None:
            raise InvalidInput(
                f"Nothing to review: branch {wf.branch} has no commit of its own (every subtask was "
                "already implemented). Call autopilot_finalize without review."
            )
        found, note = await run_gate(ai_context(ctx, project), wf, base)
        gate = ReviewGate(**asdict(found))
        if not gate.passed and not force:
            run.finish(project, state, wf, passed=False, note=note)
            raise Conflict(refusal(wf, found))
    finished = run.finish(project, state, wf, passed=True, note=note)
    forced = True if gate is not None and not gate.passed else None
    verdict = "" if gate is None else f" Review: {gate.verdict} {gate.score}/100" + (" (forced)." if forced else ".")
    return Finalized(
        **_step(project, finished, f"Task {wf.task_id} is done; the workflow is complete.{verdict}"),
        review=gate,
        forced=forced,
    )


async def autopilot_abort(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> Aborted:
    """Drop the workflow state (branch, code, statuses kept).

    A task's own worktree is removed when clean, kept (and named) when it holds uncommitted work.
    """
    project, state = await _open(ctx, projectRoot)
    done = run.abort(project, state)
    if not done.had_workflow:
        return Aborted(message="No workflow in progress; nothing to abort.", hadWorkflow=False)
    wf = done.workflow
    branch = wf.branch if wf else None
    note = "The branch, your code and task statuses are kept" + (
        f"; delete the branch with `git branch -D {branch}` if you do not want it." if branch else "."
    )
    if done.kept_tree is not None:
        note += f" The worktree {done.kept_tree} holds uncommitted work, so it is kept: `git worktree remove` it."
    if done.removed_tree is not None:
        note += f" Its worktree {done.removed_tree} was removed."
    return Aborted(
        message="Workflow aborted.",
        hadWorkflow=True,
        taskId=wf.task_id if wf else None,
        branchName=branch,
        worktree=str(done.kept_tree or done.removed_tree or "") or None,
        note=note,
    )
