"""Writing an expansion: the model's subtasks numbered, their dependencies kept or dropped, and the parent (or the
subtask being split) changed in the live document (see :mod:`taskmaster_mcp.ai.expand` for the rules)."""

from __future__ import annotations

from typing import Any, cast

from taskmaster_mcp.ai.context import renumber
from taskmaster_mcp.ai.prompts import expand
from taskmaster_mcp.errors import Conflict
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Ref, Task, deps_of, key, next_int_id, subtasks_of


def check_open(task: Task, sub: Task | None, ref: Ref) -> None:
    """Refuse to expand finished or cancelled work."""
    for item, what in ((task, f"Task {ref.task}"), (sub, f"Subtask {ref}")):
        status = item.get("status", "pending") if item is not None else None
        if status in CLOSED_STATUSES:
            raise Conflict(
                f"{what} is {status}, so it is not expanded. Set its status to pending first if it needs "
                "more work, or add follow-up work with add_task / add_subtask."
            )


def number(planned: list[expand.PlannedSubtask], start: int, chain: bool) -> tuple[list[Task], int]:
    """Stored subtasks with ids from ``start``; only dependencies on earlier new ones are kept (as ints)."""
    ids, deps, dropped = renumber([s.id for s in planned], [s.dependencies for s in planned], start)
    made: list[Task] = []
    for offset, (new_id, item_deps, item) in enumerate(zip(ids, deps, planned, strict=True)):
        if chain and offset > 0 and not item_deps:
            item_deps = [new_id - 1]
        sub: Task = {
            "id": new_id,
            "title": item.title.strip(),
            "description": item.description.strip(),
            "dependencies": item_deps,
            "details": item.details,
            "status": "pending",
        }
        if item.testStrategy.strip():
            sub["testStrategy"] = item.testStrategy
        made.append(sub)
    return made, dropped


def _retarget(tasks: list[Task], parent_id: str, old: str, new: int) -> None:
    """Point every dependency on subtask ``parent_id.old`` at ``parent_id.new``, keeping each value's type."""
    old_full, new_full = f"{parent_id}.{old}", f"{parent_id}.{new}"
    for task in tasks:
        if any(key(d) == old_full for d in deps_of(task)):
            task["dependencies"] = [new_full if key(d) == old_full else d for d in deps_of(task)]
        sibling = key(task.get("id")) == parent_id
        for sub in subtasks_of(task):
            deps = deps_of(sub)
            out = [
                new
                if sibling and isinstance(d, int) and not isinstance(d, bool) and str(d) == old
                else new_full
                if isinstance(d, str) and key(d) == old_full
                else d
                for d in deps
            ]
            if out != deps:
                sub["dependencies"] = out


def save(
    store: TaskStore, tag: str, ref: Ref, planned: list[expand.PlannedSubtask], force: bool
) -> tuple[list[Task], list[str], int]:
    """:func:`apply` in one mutation of ``store`` (a plain function: the AI command runs it off the event loop)."""
    with store.mutate() as doc:
        return apply(doc, tag, ref, planned, force)


def apply(
    doc: TaskFile, tag: str, ref: Ref, planned: list[expand.PlannedSubtask], force: bool
) -> tuple[list[Task], list[str], int]:
    """Write the planned subtasks into the live document; return (created, removed ids, dropped dependencies)."""
    index = doc.index(tag)
    task, sub = index.get(ref)
    check_open(task, sub, ref)
    tid = key(task.get("id"))
    removed: list[str] = []
    if sub is None and force and subtasks_of(task):
        removed = [f"{tid}.{key(s.get('id'))}" for s in subtasks_of(task)]
        edits.clear_subtasks(doc, tag, [Ref(tid)])
    if not isinstance(task.get("subtasks"), list):
        task["subtasks"] = []
    subs = cast(list[Task], task["subtasks"])
    made, dropped = number(planned, next_int_id(subs), chain=sub is not None)
    if sub is None:
        subs.extend(made)
        return made, removed, dropped
    position = next(i for i, s in enumerate(subs) if s is sub)
    del subs[position]
    made[0]["dependencies"] = [d for d in deps_of(sub) if key(d) != str(ref)] + made[0]["dependencies"]
    _retarget(index.tasks, tid, key(sub.get("id")), made[-1]["id"])
    subs[position:position] = made
    return made, [str(ref)], dropped


def created_rows(tid: str, made: list[Task]) -> list[dict[str, Any]]:
    return [{"id": f"{tid}.{s['id']}", "title": s["title"], "dependencies": s["dependencies"]} for s in made]
