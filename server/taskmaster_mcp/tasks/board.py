"""The dashboard's board and task view as plain data: columns by status, small cards, and one task in full.

Pure functions over one tag's task list (no I/O), so the dashboard's JSON endpoints only serialise what these return.
Decisions:

- The columns are every known status in a fixed working order (pending, in-progress, review, blocked, deferred, done,
  cancelled), each present even when empty so the board does not jump about; a status outside that list (a
  legacy ``completed``, or a typo in a hand-edited file) gets its own column after them rather than being hidden.
- A card carries only what a card shows (id, title, priority, dependencies, subtask counts), about 120 bytes a task,
  so the board of a 1,000-task tag stays near 150 KB and is built in a few milliseconds.
- A dependency is shown as its id text with whether it is done, so a card can say "waits for 3" without the page
  resolving ids itself.
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.tasks.model import (
    CLOSED_STATUSES,
    DONE_STATUSES,
    TagIndex,
    Task,
    deps_of,
    key,
    subtasks_of,
)
from taskmaster_mcp.tasks.queries import finished_ids, status_of

COLUMN_ORDER: tuple[str, ...] = ("pending", "in-progress", "review", "blocked", "deferred", "done", "cancelled")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def card(task: Task, done: set[str]) -> dict[str, Any]:
    """One board card: id, title, status, priority, dependencies (with whether each is done), subtask counts.

    ``done`` is :func:`finished_ids` of the tag, computed once per board rather than once per dependency.
    """
    subs = subtasks_of(task)
    deps = [{"id": text, "done": text in done} for text in (key(d) for d in deps_of(task))]
    closed = 0
    for sub in subs:
        closed += status_of(sub) in CLOSED_STATUSES
    return {
        "id": key(task.get("id")),
        "title": _text(task.get("title")),
        "status": status_of(task),
        "priority": _text(task.get("priority")) or "medium",
        "dependencies": deps,
        "subtasks": len(subs),
        "subtasksDone": closed,
    }


def board(index: TagIndex) -> dict[str, Any]:
    """Columns by status (in :data:`COLUMN_ORDER`, unknown statuses after) with their cards in file order."""
    columns: dict[str, list[dict[str, Any]]] = {status: [] for status in COLUMN_ORDER}
    done = finished_ids(index)
    for task in index.tasks:
        row = card(task, done)
        columns.setdefault(row["status"], []).append(row)
    return {
        "tag": index.tag,
        "total": len(index.tasks),
        "columns": [{"status": status, "count": len(cards), "cards": cards} for status, cards in columns.items()],
    }


def dependents(index: TagIndex, task_id: str) -> list[Task]:
    """The tasks of the tag that list ``task_id`` among their dependencies (what it blocks)."""
    return [t for t in index.tasks if any(str(ref) == task_id for ref in index.dep_refs(t))]


def _brief(index: TagIndex, task_id: str) -> dict[str, Any]:
    found = index.by_id.get(task_id.split(".")[0])
    if found is None:
        return {"id": task_id, "title": "(missing)", "status": "missing"}
    return {"id": task_id, "title": _text(found.get("title")), "status": status_of(found)}


def task_view(index: TagIndex, task: Task, complexity: dict[str, Any] | None) -> dict[str, Any]:
    """One task in full for the task view: text fields, subtasks, dependencies both ways, complexity.

    ``complexity`` is the tag's complexity-report entry for the task (or None); only its score, recommended subtask
    count, expansion prompt and reasoning are passed on.
    """
    tid = key(task.get("id"))
    subs = [
        {
            "id": f"{tid}.{key(s.get('id'))}",
            "title": _text(s.get("title")),
            "status": status_of(s),
            "description": _text(s.get("description")),
        }
        for s in subtasks_of(task)
    ]
    entry = complexity or {}
    return {
        "id": tid,
        "title": _text(task.get("title")),
        "status": status_of(task),
        "priority": _text(task.get("priority")) or "medium",
        "description": _text(task.get("description")),
        "details": _text(task.get("details")),
        "testStrategy": _text(task.get("testStrategy")),
        "subtasks": subs,
        "dependsOn": [_brief(index, str(ref)) for ref in index.dep_refs(task)],
        "blocks": [_brief(index, key(t.get("id"))) for t in dependents(index, tid)],
        "complexity": {
            k: entry[k]
            for k in ("complexityScore", "recommendedSubtasks", "expansionPrompt", "reasoning")
            if k in entry
        }
        or None,
        "ready": all(index.is_done(ref) for ref in index.dep_refs(task)) and status_of(task) not in DONE_STATUSES,
    }
