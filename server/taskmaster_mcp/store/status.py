"""Setting a status: the one operation behind the ``set_task_status`` tool and the dashboard's card move.

Under the project lock and Task Master's lock (``TaskStore.mutate``): ``expected`` (the status a page showed, for
one item) turns a move from a stale page into a conflict instead of a silent overwrite; ``edits.set_status`` applies
the rule (done on a task closes its subtasks; a closing status releases a claim); nothing changed is
:class:`NoChange`, so the file stays byte-identical. After a done, the next item to work on comes back as a compact
row, a task's with its complexity from the tag's report (or ``report``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskmaster_mcp.errors import Conflict
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.reports import complexity_of
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import Ref, Task, key
from taskmaster_mcp.tasks.queries import compact_row, next_item

DONE = ("done", "completed")


@dataclass
class StatusChange:
    """The ids changed and, after a done, the next item's row (None when nothing is ready)."""

    tag: str
    changed: list[str]
    next: dict[str, Any] | None = None


def set_status(
    project: Project,
    tag: str,
    refs: list[Ref],
    status: str,
    *,
    expected: str | None = None,
    report: Path | None = None,
) -> StatusChange:
    """Set ``status`` on ``refs`` in one atomic write; refused calls change nothing."""
    found: tuple[Task, Task | None] | None = None
    with project.store.mutate() as doc:
        if expected is not None:
            for ref in refs:
                task, sub = doc.index(tag).get(ref)
                now = (sub if sub is not None else task).get("status", "pending")
                if now != expected:
                    raise Conflict(
                        f"Task {ref} is now '{now}', not '{expected}': someone changed it. The board has been "
                        "refreshed; move the card again if you still want to."
                    )
        changed = edits.set_status(doc, tag, refs, status)
        if not changed:
            raise NoChange
        if status in DONE:
            found = next_item(doc.index(tag))
    return StatusChange(tag, changed, None if found is None else _row(project, tag, found, report))


def _row(project: Project, tag: str, found: tuple[Task, Task | None], report: Path | None) -> dict[str, Any]:
    task, sub = found
    row = compact_row(sub if sub is not None else task)
    if sub is not None:
        row["id"] = f"{key(task.get('id'))}.{key(sub.get('id'))}"
    else:
        row.update(complexity_of(project.paths, tag, task, report))
    return row
