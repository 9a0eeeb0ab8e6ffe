"""The autopilot workflow state file, where Task Master keeps it, so either tool can resume the other's workflow.

Task Master (tm-core ``WorkflowStateManager``) stores one workflow per project outside the project, so the state
never shows up in git: ``<home>/.taskmaster/<project id>/sessions/workflow-state.json``, where the project id is
the absolute project path with every run of characters outside ``[A-Za-z0-9]`` turned into one ``-`` and a leading
``-`` (``/home/me/app`` -> ``-home-me-app``). The file is ``JSON.stringify(state, null, 2)`` plus a newline, of
``{"phase", "context": {"taskId", "subtasks": [{"id", "title", "status", "attempts", "maxAttempts"}],
"currentSubtaskIndex", "currentTDDPhase", "branchName", "tag", "errors", "metadata", "lastTestResults"}}``; keys
we do not use are read into the workflow's ``extra`` fields and written back unchanged.

Reads and writes of the state go through :class:`WorkflowFile`; every change is made under the project lock
(:func:`taskmaster_mcp.store.files.project_lock`, the same lock as tasks.json) and written atomically. The home folder
comes from the caller (the server's environment), never from this module.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import NotFound, StoreError
from taskmaster_mcp.store.files import dumps, load_json, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.tasks.workflow import PHASES, TDD_PHASES, Step, Workflow

STATE_NAME = "workflow-state.json"


_STEP_KEYS = ("id", "title", "status", "attempts", "maxAttempts")
_CONTEXT_KEYS = (
    "taskId",
    "subtasks",
    "currentSubtaskIndex",
    "currentTDDPhase",
    "branchName",
    "tag",
    "errors",
    "metadata",
    "lastTestResults",
)


def to_json(wf: Workflow) -> dict[str, Any]:
    """The workflow as Task Master stores it."""
    steps: list[dict[str, Any]] = []
    for step in wf.subtasks:
        entry: dict[str, Any] = {"id": step.id, "title": step.title, "status": step.status, "attempts": step.attempts}
        if step.max_attempts is not None:
            entry["maxAttempts"] = step.max_attempts
        steps.append({**entry, **step.extra})
    context: dict[str, Any] = {"taskId": wf.task_id, "subtasks": steps, "currentSubtaskIndex": wf.index}
    optional = {"currentTDDPhase": wf.tdd, "branchName": wf.branch, "tag": wf.tag}
    context.update({k: v for k, v in optional.items() if v is not None})
    context.update({"errors": wf.errors, "metadata": wf.metadata})
    if wf.last_results is not None:
        context["lastTestResults"] = wf.last_results
    return {"phase": wf.phase, "context": {**context, **wf.extra_context}, **wf.extra}


def _invalid(why: str) -> StoreError:
    return StoreError(
        f"The autopilot workflow state is not valid ({why}). Call autopilot_abort to discard it (the "
        "branch and your code are kept), then autopilot_start again."
    )


def from_json(data: Any) -> Workflow:
    """Read a stored workflow (ours or Task Master's), with Task Master's resume checks and a few of our own."""
    if not isinstance(data, dict):
        raise _invalid("not a JSON object")
    raw = cast(dict[str, Any], data)
    phase, context = raw.get("phase"), raw.get("context")
    if phase not in PHASES:
        raise _invalid(f"unknown phase {phase!r}")
    if not isinstance(context, dict):
        raise _invalid("no context object")
    ctx = cast(dict[str, Any], context)
    task_id, subtasks, index = ctx.get("taskId"), ctx.get("subtasks"), ctx.get("currentSubtaskIndex")
    if not task_id or not isinstance(subtasks, list):
        raise _invalid("no taskId or subtasks")
    if isinstance(index, bool) or not isinstance(index, int) or not isinstance(ctx.get("errors", []), list):
        raise _invalid("no currentSubtaskIndex or errors list")
    tdd = ctx.get("currentTDDPhase")
    if tdd is not None and tdd not in TDD_PHASES:
        raise _invalid(f"unknown TDD phase {tdd!r}")
    steps: list[Step] = []
    for item in cast(list[Any], subtasks):
        if not isinstance(item, dict) or "id" not in item:
            raise _invalid("a subtask entry without an id")
        entry = cast(dict[str, Any], item)
        attempts, most = entry.get("attempts", 0), entry.get("maxAttempts")
        steps.append(
            Step(
                id=str(entry["id"]),
                title=str(entry.get("title") or ""),
                status=str(entry.get("status") or "pending"),
                attempts=attempts if isinstance(attempts, int) else 0,
                max_attempts=most if isinstance(most, int) else None,
                extra={k: v for k, v in entry.items() if k not in _STEP_KEYS},
            )
        )
    if phase == "SUBTASK_LOOP" and not 0 <= index < len(steps):
        raise _invalid(f"currentSubtaskIndex {index} outside its {len(steps)} subtasks")
    metadata, last, tag, branch = ctx.get("metadata"), ctx.get("lastTestResults"), ctx.get("tag"), ctx.get("branchName")
    return Workflow(
        task_id=str(task_id),
        subtasks=steps,
        phase=phase,
        index=index,
        tdd=(tdd or "RED") if phase == "SUBTASK_LOOP" else tdd,
        branch=branch if isinstance(branch, str) else None,
        tag=tag if isinstance(tag, str) else None,
        errors=list(cast(list[Any], ctx.get("errors", []))),
        metadata=dict(cast(dict[str, Any], metadata)) if isinstance(metadata, dict) else {},
        last_results=dict(cast(dict[str, Any], last)) if isinstance(last, dict) else None,
        extra={k: v for k, v in raw.items() if k not in ("phase", "context")},
        extra_context={k: v for k, v in ctx.items() if k not in _CONTEXT_KEYS},
    )


def project_id(root: Path) -> str:
    """Task Master's id of a project folder: ``-`` and the absolute path, non-alphanumeric runs as ``-``."""
    text = str(root.absolute())
    text = text[1:] if text.startswith("/") else text
    return "-" + re.sub(r"-+$", "", re.sub(r"[^a-zA-Z0-9]+", "-", text))


def state_path(home: Path, root: Path) -> Path:
    """Where the workflow state of the project at ``root`` lives."""
    return home / ".taskmaster" / project_id(root) / "sessions" / STATE_NAME


class WorkflowFile:
    """The workflow state of one project (at most one workflow at a time, as in Task Master)."""

    def __init__(self, paths: Paths, home: Path) -> None:
        self.paths = paths
        self.path = state_path(home, paths.root)

    @contextlib.contextmanager
    def locked(self) -> Generator[None]:
        """Hold the project lock for a read-change-write of the state (and of tasks.json, which shares it)."""
        with project_lock(self.paths.taskmaster):
            yield

    def exists(self) -> bool:
        """Whether a workflow is in progress for this project."""
        return self.path.is_file()

    def load(self) -> Workflow | None:
        """The stored workflow, or None when there is none; an unreadable file raises StoreError."""
        if not self.path.is_file():
            return None
        data, _ = load_json(self.path)
        try:
            return from_json(data)
        except StoreError as exc:
            raise StoreError(f"{self.path}: {exc}") from None

    def require(self) -> Workflow:
        """The stored workflow, or NotFound saying how to start one."""
        workflow = self.load()
        if workflow is None:
            raise NotFound(
                f"No autopilot workflow is in progress for {self.paths.root}. Start one with "
                "autopilot_start taskId=<a task with subtasks>."
            )
        return workflow

    def save(self, workflow: Workflow) -> None:
        """Write the workflow atomically (callers hold :meth:`locked`)."""
        write_atomic(self.path, dumps(to_json(workflow), trailing_newline=True), sweep=True)

    def delete(self) -> bool:
        """Remove the state (a finished or aborted workflow); return whether there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
