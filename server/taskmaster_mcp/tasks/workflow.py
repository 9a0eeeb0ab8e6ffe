"""The autopilot TDD workflow as a pure state machine, in Task Master's state format (no I/O).

One workflow runs per project, over one task's subtasks in their order::

    PREFLIGHT -> BRANCH_SETUP -> SUBTASK_LOOP -> FINALIZE -> COMPLETE
                                      |
                  for each subtask:  RED -> GREEN -> COMMIT -> (next subtask's RED, or FINALIZE)

- RED: the agent writes tests for the subtask and reports the counts; at least one test must run. Failures move
  on to GREEN. No failure at all means the behaviour already exists: as in Task Master, the subtask is counted
  complete without a commit and the next one starts at RED.
- GREEN: the agent makes the tests pass; the report must have no failure and at least one pass.
- COMMIT: ``autopilot_commit`` commits the work; the subtask is complete and the next one starts.
- FINALIZE: every subtask is complete; finalizing ends the workflow (COMPLETE is never stored: the state is deleted).

Test counts must add up (total = passed + failed + skipped), as Task Master's validator requires. Start and resume
go straight to SUBTASK_LOOP (PREFLIGHT and BRANCH_SETUP are the tool's git checks and branch creation).
The stored shape (Task Master's ``{"phase", "context": {...}}``) is read and written by
:mod:`taskmaster_mcp.store.workflow_state`; :attr:`Workflow.extra` and friends carry the keys we do not use.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from taskmaster_mcp.errors import Conflict, InvalidInput

Phase = Literal["PREFLIGHT", "BRANCH_SETUP", "SUBTASK_LOOP", "FINALIZE", "COMPLETE"]
TddPhase = Literal["RED", "GREEN", "COMMIT"]
PHASES: tuple[Phase, ...] = ("PREFLIGHT", "BRANCH_SETUP", "SUBTASK_LOOP", "FINALIZE", "COMPLETE")
TDD_PHASES: tuple[TddPhase, ...] = ("RED", "GREEN", "COMMIT")
DEFAULT_MAX_ATTEMPTS = 3
RESULT_KEYS = ("total", "passed", "failed", "skipped")
RESULTS_FORM = "testResults={total, passed, failed, skipped} (integers; total = passed + failed + skipped)"


@dataclass(frozen=True)
class TestResults:
    """One test run as the agent reported it, for the phase it completes."""

    total: int
    passed: int
    failed: int
    skipped: int
    phase: Literal["RED", "GREEN"]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "phase": self.phase,
        }


@dataclass
class Step:
    """One subtask of the workflow (``id`` is the full "task.sub" id)."""

    id: str
    title: str
    status: str = "pending"  # pending | completed (Task Master also knows in-progress and failed)
    attempts: int = 0
    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS
    extra: dict[str, Any] = field(default_factory=lambda: {})


@dataclass
class Workflow:
    """The stored state of one workflow."""

    task_id: str
    subtasks: list[Step]
    phase: Phase = "SUBTASK_LOOP"
    index: int = 0
    tdd: TddPhase | None = "RED"
    branch: str | None = None
    tag: str | None = None
    errors: list[Any] = field(default_factory=lambda: [])
    metadata: dict[str, Any] = field(default_factory=lambda: {})
    last_results: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=lambda: {})  # unknown top-level keys
    extra_context: dict[str, Any] = field(default_factory=lambda: {})  # unknown context keys

    @property
    def current(self) -> Step | None:
        """The subtask being worked on (None outside the subtask loop)."""
        in_loop = self.phase == "SUBTASK_LOOP" and 0 <= self.index < len(self.subtasks)
        return self.subtasks[self.index] if in_loop else None


@dataclass(frozen=True)
class Outcome:
    """A transition's result: the new state, and which subtasks it completed and started (for task statuses)."""

    workflow: Workflow
    completed: str | None = None
    started: str | None = None
    already_implemented: bool = False


@dataclass(frozen=True)
class NextAction:
    """What the agent does next, in Task Master's terms (action, description) and in words (next_steps)."""

    action: str
    description: str
    next_steps: str


# --- starting ----------------------------------------------------------------------------------------------------


def branch_name(task_id: str, title: str, tag: str | None) -> str:
    """Task Master's branch for a task: ``tm/<tag>/task-<id>-<title slug>`` (``tm/task-...`` without a tag)."""
    slug = re.sub(r"-+$", "", re.sub(r"^-+", "", re.sub(r"[^a-z0-9]+", "-", title.lower())))[:50]
    prefix = f"tm/{tag}" if tag else "tm"
    return f"{prefix}/task-{task_id.replace('.', '-')}-{slug}"


def begin(
    task_id: str,
    task_title: str,
    subtasks: Sequence[tuple[str, str, bool]],
    *,
    tag: str | None,
    branch: str,
    max_attempts: int,
    started_at: str,
    metadata: Mapping[str, Any] | None = None,
) -> Workflow:
    """A new workflow over ``subtasks`` ((full id, title, done) in order), at RED of the first one not done."""
    if not subtasks:
        raise InvalidInput(
            f"Task {task_id} has no subtasks, and autopilot works subtask by subtask. Expand it first "
            f"(expand_task with id={task_id}; analyze_project_complexity before gives better "
            "subtasks), then call autopilot_start again."
        )
    if max_attempts < 1:
        raise InvalidInput(
            f"maxAttempts must be at least 1 (got {max_attempts}); leave it out for {DEFAULT_MAX_ATTEMPTS}."
        )
    steps = [
        Step(id=sid, title=title, status="completed" if done else "pending", max_attempts=max_attempts)
        for sid, title, done in subtasks
    ]
    first = next((i for i, step in enumerate(steps) if step.status != "completed"), None)
    if first is None:
        raise Conflict(
            f"Every subtask of task {task_id} is already done: there is nothing to implement. Set the task "
            f"done with set_task_status (id={task_id}, status=done), or add subtasks with add_subtask."
        )
    meta: dict[str, Any] = {"startedAt": started_at, "taskTitle": task_title}
    if first > 0:
        meta["resumedFromSubtask"] = steps[first].id
    meta.update(metadata or {})
    return Workflow(task_id=task_id, subtasks=steps, index=first, tdd="RED", branch=branch, tag=tag, metadata=meta)


# --- transitions -------------------------------------------------------------------------------------------------


def check_results(raw: Mapping[str, Any], phase: Literal["RED", "GREEN"]) -> TestResults:
    """Validate reported counts: known keys, non-negative integers that add up, and the phase's rule."""
    missing = [name for name in RESULT_KEYS[:3] if name not in raw]
    if missing:
        raise InvalidInput(f"testResults lacks {', '.join(missing)}. Pass {RESULTS_FORM}.")
    values: dict[str, int] = {}
    for name in RESULT_KEYS:
        value = raw.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(
                f"testResults.{name} must be a non-negative integer, got {value!r}. Pass {RESULTS_FORM}."
            )
        values[name] = value
    total, passed, failed, skipped = (values[name] for name in RESULT_KEYS)
    if passed + failed + skipped != total:
        raise InvalidInput(
            f"testResults do not add up: total {total} != passed {passed} + failed {failed} + "
            f"skipped {skipped}. Report the counts of one run of the test suite."
        )
    if phase == "RED" and passed + failed == 0:
        raise InvalidInput(
            "RED needs at least one test that ran (this report has none). Write a test for the "
            "subtask that fails because the behaviour is missing, run it, and report the counts."
        )
    if phase == "GREEN" and failed > 0:
        raise InvalidInput(
            f"GREEN needs every test to pass; {failed} failed. Fix the implementation (not the tests), "
            "run the suite again and report when failed is 0. Nothing was changed."
        )
    if phase == "GREEN" and passed == 0:
        raise InvalidInput(
            "GREEN needs at least one passing test (this report has none). Run the tests written at "
            "RED and report their counts."
        )
    return TestResults(total=total, passed=passed, failed=failed, skipped=skipped, phase=phase)


def _loop_phase(wf: Workflow, doing: str) -> TddPhase:
    """The TDD phase, refusing with what to do when the workflow is not in its subtask loop."""
    if wf.phase == "FINALIZE":
        raise Conflict(f"Cannot {doing}: every subtask of task {wf.task_id} is complete. Call autopilot_finalize.")
    if wf.phase != "SUBTASK_LOOP" or wf.current is None:
        raise Conflict(
            f"Cannot {doing}: the workflow of task {wf.task_id} is in phase {wf.phase}. Call "
            "autopilot_status, or autopilot_abort and autopilot_start again."
        )
    return wf.tdd or "RED"


def _advance(wf: Workflow) -> Outcome:
    """Complete the current subtask and move to the next one not yet complete, or to FINALIZE."""
    done = cast(Step, wf.current)
    done.status = "completed"
    following = next((i for i in range(wf.index + 1, len(wf.subtasks)) if wf.subtasks[i].status != "completed"), None)
    if following is None:  # the index stays on the last subtask, as Task Master leaves it
        wf.phase, wf.tdd = "FINALIZE", None
        return Outcome(wf, completed=done.id)
    wf.index, wf.tdd = following, "RED"
    return Outcome(wf, completed=done.id, started=wf.subtasks[following].id)


def complete_phase(state: Workflow, raw_results: Mapping[str, Any]) -> Outcome:
    """RED -> GREEN (or the subtask counted done when nothing failed), GREEN -> COMMIT."""
    tdd = _loop_phase(state, "complete a phase")
    step = cast(Step, state.current)
    if tdd == "COMMIT":
        raise Conflict(
            f"Subtask {step.id} passed GREEN and waits for its commit. Call autopilot_commit "
            "(complete_phase is for RED and GREEN)."
        )
    results = check_results(raw_results, tdd)
    wf = copy.deepcopy(state)
    wf.last_results = results.to_json()
    if tdd == "RED" and results.failed == 0:
        return replace(_advance(wf), already_implemented=True)
    wf.tdd = "GREEN" if tdd == "RED" else "COMMIT"
    return Outcome(wf)


def check_commit(state: Workflow) -> Step:
    """The subtask to commit; refused unless the workflow is at COMMIT."""
    tdd = _loop_phase(state, "commit")
    step = cast(Step, state.current)
    if tdd != "COMMIT":
        raise Conflict(f"Cannot commit: subtask {step.id} is in {tdd}. {_phase_steps(state, tdd, step)}")
    return step


def committed(state: Workflow) -> Outcome:
    """COMMIT -> the next subtask's RED, or FINALIZE after the last one."""
    check_commit(state)
    return _advance(copy.deepcopy(state))


def finalize(state: Workflow) -> Workflow:
    """FINALIZE -> COMPLETE; refused while a subtask is open."""
    if state.phase != "FINALIZE":
        tdd = _loop_phase(state, "finalize")
        step = cast(Step, state.current)
        raise Conflict(f"Cannot finalize: subtask {step.id} is still in {tdd}. {_phase_steps(state, tdd, step)}")
    wf = copy.deepcopy(state)
    wf.phase = "COMPLETE"
    return wf


# --- what to tell the agent --------------------------------------------------------------------------------------


def progress(wf: Workflow) -> dict[str, int]:
    """Task Master's progress block: completed, total, current (1-based), percentage."""
    completed = sum(1 for step in wf.subtasks if step.status == "completed")
    total = len(wf.subtasks)
    return {
        "completed": completed,
        "total": total,
        "current": wf.index + 1,
        "percentage": round(completed * 100 / total) if total else 0,
    }


def _about(step: Step, detail: Mapping[str, str] | None) -> str:
    parts = [f'subtask {step.id} "{step.title}"']
    for label, name in (("what it must do", "description"), ("test strategy", "testStrategy")):
        text = " ".join(str((detail or {}).get(name) or "").split())
        if text:
            parts.append(f"{label}: {text[:400]}")
    return "; ".join(parts)


def _phase_steps(wf: Workflow, tdd: TddPhase, step: Step, detail: Mapping[str, str] | None = None) -> str:
    if tdd == "RED":
        return (
            f"RED for {_about(step, detail)}. Write tests for this behaviour only, without implementing it, run "
            "them and report with autopilot_complete_phase testResults={total, passed, failed, skipped}. The new "
            "tests must fail; if none fails, the behaviour already exists and the subtask is counted done without "
            "a commit."
        )
    if tdd == "GREEN":
        failing = (wf.last_results or {}).get("failed")
        was = f" ({failing} failing at RED)" if isinstance(failing, int) else ""
        return (
            f"GREEN for {_about(step, detail)}. Write the least code that makes the failing tests{was} pass; do "
            "not weaken the tests. Run the whole suite and report with autopilot_complete_phase: failed must be 0."
        )
    return (
        f'COMMIT for subtask {step.id} "{step.title}": its tests pass. Call autopilot_commit (stages every '
        "change in the project, or only files=[...]; the message is generated unless you pass customMessage)."
    )


def next_action(wf: Workflow, detail: Mapping[str, str] | None = None) -> NextAction:
    """The next action; ``detail`` (the subtask's description and testStrategy) makes RED and GREEN concrete."""
    if wf.phase == "COMPLETE":
        return NextAction(
            "workflow_complete",
            "The workflow is complete",
            f"Task {wf.task_id} is done. Review the branch {wf.branch} and merge it when ready.",
        )
    if wf.phase == "FINALIZE":
        return NextAction(
            "finalize_workflow",
            "Finalize the workflow",
            f"Every subtask of task {wf.task_id} is complete. Commit anything left, then call "
            "autopilot_finalize (review=true gates it on an AI review of the branch's changes).",
        )
    step = wf.current
    if wf.phase != "SUBTASK_LOOP" or step is None:
        return NextAction(
            "unknown",
            "The workflow is not in its subtask loop",
            "Call autopilot_status; autopilot_abort and autopilot_start again if it stays stuck.",
        )
    tdd = wf.tdd or "RED"
    action, description = {
        "RED": ("generate_test", "Write failing tests for the current subtask"),
        "GREEN": ("implement_code", "Implement the subtask so its tests pass"),
        "COMMIT": ("commit_changes", "Commit the subtask's tests and code"),
    }[tdd]
    return NextAction(action, description, _phase_steps(wf, tdd, step, detail))


def commit_message(wf: Workflow, task_title: str) -> str:
    """A conventional commit message for the current subtask: ``feat(task-<id>): <subtask title>`` and a body."""
    step = cast(Step, wf.current)
    subject = " ".join(step.title.split()) or f"subtask {step.id}"
    title = " ".join(task_title.split())
    body = [f"Task: {step.id} (subtask of {wf.task_id}{': ' + title if title else ''})"]
    results = wf.last_results or {}
    counts = [
        f"{results[name]} {label}"
        for name, label in (("passed", "passing"), ("failed", "failing"), ("skipped", "skipped"))
        if results.get(name)
    ]
    if counts:
        body.append("Tests: " + ", ".join(counts))
    return f"feat(task-{wf.task_id}): {subject}\n\n" + "\n".join(body) + "\n"
