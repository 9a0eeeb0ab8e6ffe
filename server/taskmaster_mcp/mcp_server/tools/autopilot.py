"""Autopilot tools: Task Master's TDD workflow (RED -> GREEN -> COMMIT per subtask, on a branch of the task).

The rules are :mod:`taskmaster_mcp.tasks.workflow`; the state file (shared with Task Master) is
:mod:`taskmaster_mcp.store.workflow_state`; git is :mod:`taskmaster_mcp.store.git`. Each tool loads the state, checks
everything that can be refused, and only then changes git, tasks.json and the state, in that order, under the
project lock (finalize's model call runs before it takes the lock). Task statuses follow Task Master: the task and the
current subtask in-progress, a subtask done when committed (or found already implemented at RED), the task done when
finalized. Longer than our 350-line guide: one family of eight tools plus the review gate joining ``review`` to the
workflow; splitting them would scatter one protocol over several modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import Conflict, InvalidInput, StoreError
from taskmaster_mcp.mcp_server.calls import open_project, state_of
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.store import git
from taskmaster_mcp.store.private import LinkGuard, why_refused
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.store.workflow_state import WorkflowFile
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks import workflow as rules
from taskmaster_mcp.tasks.document import now_iso
from taskmaster_mcp.tasks.model import DONE_STATUSES, Ref, key, parse_ref, subtasks_of

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
    return {
        "taskId": wf.task_id,
        "phase": wf.phase,
        "tddPhase": wf.tdd if wf.phase == "SUBTASK_LOOP" else None,
        "branchName": wf.branch,
        "tag": wf.tag,
        "currentSubtask": current,
        "progress": Progress(**rules.progress(wf)),
        "lastTestResults": wf.last_results,
    }


def _detail(project: Project, wf: rules.Workflow) -> dict[str, str]:
    """The current subtask's description and test strategy from tasks.json (empty when it is gone)."""
    step = wf.current
    if step is None:
        return {}
    index = project.store.read().index(wf.tag or project.tag(None))
    ref = parse_ref(step.id)
    if not index.exists(ref):
        return {}
    _, sub = index.get(ref)
    return {name: str((sub or {}).get(name) or "") for name in ("description", "testStrategy")}


def _step(project: Project, wf: rules.Workflow, message: str, **extra: Any) -> dict[str, Any]:
    action = rules.next_action(wf, _detail(project, wf))
    return {
        **_status(wf),
        "message": message,
        "nextAction": action.action,
        "actionDescription": action.description,
        "nextSteps": action.next_steps,
        **extra,
    }


def _set_statuses(
    project: Project,
    tag: str,
    changes: list[tuple[str | None, str]],
    note: str | None = None,
    task_id: str | None = None,
) -> None:
    """Set statuses (skipping items no longer in tasks.json) and optionally append a note to the task, in one write."""
    with project.store.mutate() as doc:
        index = doc.index(tag)
        changed: list[str] = []
        for item, status in changes:
            if item is not None and index.exists(parse_ref(item)):
                changed += edits.set_status(doc, tag, [parse_ref(item)], status, derive_parent=False)
        if note and task_id is not None and index.exists(Ref(task_id)):
            edits.append_note(index.task(task_id), note)
            changed.append(task_id)
        if not changed:
            raise NoChange


def _on_branch(root: Path, wf: rules.Workflow, doing: str) -> None:
    current = git.current_branch(root)
    if wf.branch and current != wf.branch:
        raise Conflict(
            f"Cannot {doing}: the workflow of task {wf.task_id} works on branch {wf.branch}, but "
            f"{current or 'a detached HEAD'} is checked out. Run `git checkout {wf.branch}`, then call "
            "again."
        )


def _start(project: Project, state: WorkflowFile, ref: Ref, tag: str, max_attempts: int, force: bool) -> rules.Workflow:
    """Check everything, then create the branch, set the statuses and write the state (git may run hooks: a thread)."""
    root = project.paths.root
    with state.locked():
        if state.exists() and not force:
            running = state.require()
            raise Conflict(
                f"An autopilot workflow is already in progress here (task {running.task_id}, phase "
                f"{running.tdd or running.phase}, branch {running.branch}). Continue it with "
                "autopilot_resume and autopilot_next, discard it with autopilot_abort, or pass force=true "
                "to replace it."
            )
        task, _ = project.store.read().index(tag).get(ref)
        title = str(task.get("title") or "")
        subtasks = [
            (f"{ref.task}.{key(s.get('id'))}", str(s.get("title") or ""), s.get("status") in DONE_STATUSES)
            for s in subtasks_of(task)
        ]
        branch = rules.branch_name(ref.task, title, tag)
        wf = rules.begin(
            ref.task, title, subtasks, tag=tag, branch=branch, max_attempts=max_attempts, started_at=now_iso()
        )
        git.require_repo(root)
        dirty = git.dirty_paths(root)
        if dirty:
            shown = ", ".join(dirty[:10]) + (f" and {len(dirty) - 10} more" if len(dirty) > 10 else "")
            raise Conflict(
                f"The working tree has uncommitted changes ({shown}). Commit or stash them, then call "
                "autopilot_start again (changes under .taskmaster/ do not count)."
            )
        git.check_branch_name(root, branch)
        if git.current_branch(root) == branch:
            base = git.branch_start(root, branch)
        elif git.branch_exists(root, branch):
            raise Conflict(
                f"Branch {branch} already exists but is not checked out. To continue on it run `git "
                f"checkout {branch}` and call autopilot_start again; to start over, delete it (`git branch "
                f"-D {branch}`) first."
            )
        else:
            base = git.head(root)
            git.create_branch(root, branch)
        wf.metadata["baseCommit"] = base
        first = wf.current
        _set_statuses(project, tag, [(ref.task, "in-progress"), (first.id if first else None, "in-progress")])
        state.save(wf)
    return wf


async def autopilot_start(
    ctx: Context[Any, Any],
    taskId: TaskIdArg,
    maxAttempts: int = rules.DEFAULT_MAX_ATTEMPTS,
    force: Annotated[bool, Field(description="Replace a running workflow")] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
) -> AutopilotStep:
    """Start TDD on a task: its git branch, then RED of its first open subtask.

    Refused (nothing changed) for a subtask id, a task without subtasks, every subtask done, a workflow already in
    progress (unless force), a folder outside git or without a commit, uncommitted changes outside .taskmaster/, or
    an existing task branch that is not checked out.
    """
    project, state = await _open(ctx, projectRoot)
    ref = parse_ref(taskId)
    if ref.sub is not None:
        raise InvalidInput(
            f"autopilot_start takes a task id; {ref} is a subtask. Pass taskId={ref.task}: the "
            "workflow goes through its subtasks in order."
        )
    wf = _start(project, state, ref, project.tag(tag), maxAttempts, force)  # the tool runs in a worker thread
    return AutopilotStep(**_step(project, wf, f"Workflow started for task {ref.task} on branch {wf.branch}."))


async def autopilot_resume(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> AutopilotStep:
    """Resume the workflow after a restart: status and next action."""
    project, state = await _open(ctx, projectRoot)
    wf = state.require()
    message = f"Workflow of task {wf.task_id} resumed."
    current = git.current_branch(project.paths.root)
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
    with state.locked():
        wf = state.require()
        was = wf.tdd
        outcome = rules.complete_phase(wf, testResults)
        after = outcome.workflow
        if outcome.completed is not None:
            _set_statuses(
                project, after.tag or project.tag(None), [(outcome.completed, "done"), (outcome.started, "in-progress")]
            )
        state.save(after)
    if outcome.already_implemented:
        message = (
            f"No test failed at RED: subtask {outcome.completed} is already implemented and was counted done "
            "without a commit."
        )
    else:
        message = f"{was} complete for subtask {after.current.id if after.current else '?'}; now {after.tdd}."
    return AutopilotStep(**_step(project, after, message, alreadyImplemented=outcome.already_implemented or None))


def _commit(
    project: Project, state: WorkflowFile, files: list[str], custom: str | None
) -> tuple[rules.Workflow, rules.Step, str, str, list[str]]:
    """Commit the subtask and advance (in a thread: git runs the repository's commit hooks)."""
    root = project.paths.root
    with state.locked():
        wf = state.require()
        step = rules.check_commit(wf)
        _on_branch(root, wf, "commit")
        top = root.resolve()
        specs = [project.paths.inside(f, what="files entry").relative_to(top).as_posix() for f in files]
        message = (custom or "").strip() or rules.commit_message(wf, str(wf.metadata.get("taskTitle") or ""))
        links = LinkGuard(project.paths)  # every change is judged by the secret guard before any is staged
        sha, changed = git.commit(root, specs, message, refuse=lambda rel: why_refused(project.paths, rel, links))
        outcome = rules.committed(wf)
        after = outcome.workflow
        _set_statuses(project, after.tag or project.tag(None), [(step.id, "done"), (outcome.started, "in-progress")])
        state.save(after)
    return after, step, sha, message, changed


async def autopilot_commit(
    ctx: Context[Any, Any],
    files: Annotated[list[str] | None, Field(description="Default: all")] = None,
    customMessage: str | None = None,
    projectRoot: ProjectRoot = None,
) -> Committed:
    """Commit the subtask (COMMIT phase); marks it done."""
    project, state = await _open(ctx, projectRoot)
    after, step, sha, message, changed = _commit(project, state, files or [], customMessage)  # in a worker thread
    done = after.phase == "FINALIZE"
    text = f"Committed subtask {step.id} ({sha[:12]})." + (" Every subtask is complete." if done else "")
    return Committed(
        **_step(project, after, text), commitSha=sha, commitMessage=message, files=changed, isComplete=done
    )


def _gate_message(wf: rules.Workflow, gate: ReviewGate) -> str:
    lines = [
        f"Review gate failed for task {wf.task_id}: {gate.verdict}, score {gate.score}/100 (approve with "
        f"{gate.threshold}+ passes). {gate.summary}"
    ]
    for f in gate.findings[:20]:
        where = f"{f.get('file')}:{f.get('line')}" if f.get("file") and f.get("line") is not None else f.get("file")
        lines.append(f"- [{f.get('severity')}] {where + ': ' if where else ''}{f.get('message')}")
    lines += [f"- unmet: {r}" for r in gate.unmetRequirements[:20]]
    lines.append(
        f"The workflow stays open at FINALIZE; the review is recorded in task {wf.task_id}'s details. Fix "
        "the findings, commit them (git commit), and call autopilot_finalize review=true again, or pass "
        "force=true to finalize anyway."
    )
    return "\n".join(lines)


async def _review(ctx: Context[Any, Any], project: Project, wf: rules.Workflow, base: str) -> tuple[ReviewGate, str]:
    """Run ``review`` on the branch's changes since ``base``; the gate and the note to record."""
    from taskmaster_mcp.ai.prompts.review import ReviewOut
    from taskmaster_mcp.ai.review import review, review_note
    from taskmaster_mcp.mcp_server.calls import ai_context
    from taskmaster_mcp.store.settings import approve_score

    last = wf.last_results or {}
    tests = (
        (
            f"Last test run reported to autopilot: {last.get('passed')} passed, {last.get('failed')} failed, "
            f"{last.get('skipped')} skipped."
        )
        if last
        else None
    )
    result = await review(
        ai_context(ctx, project),
        tag=wf.tag or project.tag(None),
        ref=Ref(wf.task_id),
        base=base,
        paths=None,
        test_output=tests,
        second_opinion=False,
        apply=False,
    )
    threshold = approve_score(project.config())
    gate = ReviewGate(
        verdict=result.verdict,
        score=result.score,
        threshold=threshold,
        passed=result.verdict == "approve" and result.score >= threshold,
        summary=result.summary,
        base=base,
        findings=[f.model_dump(exclude_none=True) for f in result.findings],
        unmetRequirements=result.unmetRequirements,
    )
    out = ReviewOut(
        verdict=result.verdict,
        score=result.score,
        summary=result.summary,
        findings=result.findings,
        unmetRequirements=result.unmetRequirements,
    )
    outcome = "passed" if gate.passed else "failed"
    note = f"autopilot_finalize review gate {outcome} (approve with {threshold}+ passes).\n" + review_note(
        out, f"{base[:12]} (branch {wf.branch})", []
    )
    return gate, note


async def autopilot_finalize(
    ctx: Context[Any, Any],
    review: Annotated[bool, Field(description="Gate on AI review of the branch")] = False,
    force: Annotated[bool, Field(description="Despite a failing review")] = False,
    projectRoot: ProjectRoot = None,
) -> Finalized:
    """End the workflow (all committed, clean tree): task done.

    With review, the task branch's changes (since the commit it started from) are reviewed against the task (AI,
    the ``review`` command); the verdict is appended to the task's details as a dated note. A verdict that is not
    approve at ``review.approveScore`` (default 80) refuses to finalize, listing the findings, unless force.
    """
    project, state = await _open(ctx, projectRoot)
    root = project.paths.root
    wf = state.require()
    rules.finalize(wf)
    _on_branch(root, wf, "finalize")
    dirty = git.dirty_paths(root)
    if dirty:
        raise Conflict(
            f"Cannot finalize: uncommitted changes ({', '.join(dirty[:10])}). Commit them (git commit) "
            "or remove them, then call autopilot_finalize again."
        )
    gate: ReviewGate | None = None
    note: str | None = None
    if review:
        base = str(wf.metadata.get("baseCommit") or "") or git.branch_start(root, wf.branch or "HEAD")
        if base == git.head(root):
            raise InvalidInput(
                f"Nothing to review: branch {wf.branch} has no commit of its own (every subtask was "
                "already implemented). Call autopilot_finalize without review."
            )
        gate, note = await _review(ctx, project, wf, base)
    tag = wf.tag or project.tag(None)
    with state.locked():
        again = state.require()
        if again != wf:
            raise Conflict("The workflow changed while finalize ran. Call autopilot_status, then finalize again.")
        if gate is not None and not gate.passed and not force:
            _set_statuses(project, tag, [], note=note, task_id=wf.task_id)
            raise Conflict(_gate_message(wf, gate))
        _set_statuses(project, tag, [(wf.task_id, "done")], note=note, task_id=wf.task_id)
        state.delete()
    finished = rules.finalize(wf)
    forced = True if gate is not None and not gate.passed else None
    verdict = "" if gate is None else f" Review: {gate.verdict} {gate.score}/100" + (" (forced)." if forced else ".")
    return Finalized(
        **_step(project, finished, f"Task {wf.task_id} is done; the workflow is complete.{verdict}"),
        review=gate,
        forced=forced,
    )


async def autopilot_abort(ctx: Context[Any, Any], projectRoot: ProjectRoot = None) -> Aborted:
    """Drop the workflow state (branch, code, statuses kept)."""
    _, state = await _open(ctx, projectRoot)
    with state.locked():
        if not state.exists():
            return Aborted(message="No workflow in progress; nothing to abort.", hadWorkflow=False)
        try:
            wf = state.load()
        except StoreError:  # an unreadable state is exactly what abort is for
            wf = None
        state.delete()
    branch = wf.branch if wf else None
    return Aborted(
        message="Workflow aborted.",
        hadWorkflow=True,
        taskId=wf.task_id if wf else None,
        branchName=branch,
        note="The branch, your code and task statuses are kept"
        + (f"; delete the branch with `git branch -D {branch}` if you do not want it." if branch else "."),
    )
