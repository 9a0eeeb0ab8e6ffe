"""Read-side rules: which task is next, progress statistics, compact rows and size-bounded pages.

``next_task`` answers exactly as Task Master 0.43 does (its MCP ``next_task``):

1. Subtasks of in-progress tasks come first: a subtask whose status is pending or in-progress and whose
   dependencies are all done. It inherits its parent's priority unless it has its own. Among them: higher priority,
   then fewer dependencies, then lower parent id, then lower subtask id.
2. Otherwise a top-level task whose status is pending *or in-progress* and whose dependencies are all done: higher
   priority, then fewer dependencies, then lower id.

Priorities rank critical > high > medium > low (missing or unknown counts as medium). Only done and completed
satisfy a dependency. A subtask's dependency is read as everywhere else (``tasks.model``): an int names its sibling
(or the top-level task when no such sibling exists), a dot-less string a top-level task.
Results are memoised on the document, which drops them whenever the file changes.

Progress counts done, completed and cancelled as finished, as Task Master's dashboard does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

from taskmaster_mcp.tasks.jsonvalues import clip
from taskmaster_mcp.tasks.model import (
    CLOSED_STATUSES,
    DONE_STATUSES,
    Ref,
    TagIndex,
    Task,
    deps_of,
    id_sort_key,
    key,
    priority_rank,
    resolve_sub_dep,
    subtasks_of,
)
from taskmaster_mcp.tasks.pins import CLAIM_KEY, our_value

T = TypeVar("T")

# A page never exceeds this many bytes of JSON (~8k tokens at the ~3 bytes/token of dense JSON).
PAGE_BYTE_BUDGET = 24_000
DEFAULT_LIMIT = 100
SUMMARY_FIELDS = ("id", "title", "status", "priority", "dependencies")
DETAIL_FIELDS = ("description", "details", "testStrategy", "complexity", "updatedAt", "category")
OPEN_STATUSES = frozenset({"pending", "in-progress"})
TRUNCATION_NOTE = "… [truncated: call get_task for the full text]"


def status_of(item: Task) -> str:
    """An item's status, ``pending`` when absent."""
    status = item.get("status")
    return status if isinstance(status, str) else "pending"


def finished_ids(index: TagIndex) -> set[str]:
    """Ids (``"3"``, ``"3.2"``) of the tag's done or completed tasks and subtasks."""
    done: set[str] = set()
    for task in index.tasks:
        tid = key(task.get("id"))
        if status_of(task) in DONE_STATUSES:
            done.add(tid)
        done.update(f"{tid}.{key(s.get('id'))}" for s in subtasks_of(task) if status_of(s) in DONE_STATUSES)
    return done


def _sub_dep_ids(parent: Task, sub: Task) -> list[str]:
    parent_id = key(parent.get("id"))
    return [str(resolve_sub_dep(parent_id, dep, parent)) for dep in deps_of(sub)]


Order = tuple[int, int, int, tuple[int, int, str], tuple[int, int, str]]


def _eligible(index: TagIndex, skip: Callable[[str], bool] | None) -> Iterator[tuple[Order, Task, Task | None]]:
    """Every item next_task could offer, with its rank (lower first; subtasks of in-progress tasks before tasks).

    ``skip`` gets an item's id (``"3"``, ``"3.1"``) and leaves it out (for example, an item another agent claimed).
    """
    finished = finished_ids(index)
    for task in index.tasks:
        if status_of(task) != "in-progress":
            continue
        tid = key(task.get("id"))
        for sub in subtasks_of(task):
            if status_of(sub) not in OPEN_STATUSES or (skip and skip(f"{tid}.{key(sub.get('id'))}")):
                continue
            deps = _sub_dep_ids(task, sub)
            if not all(dep in finished for dep in deps):
                continue
            rank = priority_rank(sub) if isinstance(sub.get("priority"), str) else priority_rank(task)
            yield (0, rank, len(deps), id_sort_key(task.get("id")), id_sort_key(sub.get("id"))), task, sub
    for task in index.tasks:
        if status_of(task) not in OPEN_STATUSES or (skip and skip(key(task.get("id")))):
            continue
        deps = [key(d) for d in deps_of(task)]
        if not all(dep in finished for dep in deps):
            continue
        yield (1, priority_rank(task), len(deps), id_sort_key(task.get("id")), (0, 0, "")), task, None


def next_item(index: TagIndex, skip: Callable[[str], bool] | None = None) -> tuple[Task, Task | None] | None:
    """The next (task, subtask) to work on, or None when nothing is eligible (rules in the module docstring)."""
    best = min(_eligible(index, skip), key=lambda found: found[0], default=None)
    return (best[1], best[2]) if best is not None else None


def ready_items(index: TagIndex, skip: Callable[[str], bool] | None = None) -> list[tuple[Task, Task | None]]:
    """Every item next_task could offer, in the order it would offer them."""
    return [(task, sub) for _, task, sub in sorted(_eligible(index, skip), key=lambda found: found[0])]


def progress(tasks: list[Task]) -> dict[str, Any]:
    """Counts by status for tasks and subtasks, and the percentage done."""
    by_status = Counter(status_of(t) for t in tasks)
    sub_status: Counter[str] = Counter()
    for task in tasks:
        sub_status.update(status_of(s) for s in subtasks_of(task))
    total = len(tasks)
    done = sum(by_status[s] for s in CLOSED_STATUSES)
    sub_total = sum(sub_status.values())
    sub_done = sum(sub_status[s] for s in CLOSED_STATUSES)
    return {
        "tasks": total,
        "byStatus": dict(sorted(by_status.items())),
        "percentDone": round(100 * done / total, 1) if total else 0.0,
        "subtasks": sub_total,
        "subtasksDone": sub_done,
    }


def compact_row(task: Task, fields: tuple[str, ...] = (), with_subtasks: bool = False) -> dict[str, Any]:
    """A task as a small dict: summary fields, subtask counts, and any extra ``fields`` asked for."""
    row: dict[str, Any] = {}
    for name in SUMMARY_FIELDS:
        if name == "dependencies":
            deps = deps_of(task)
            if deps:
                row[name] = deps
        elif name in task:
            row[name] = task[name]
    subs = subtasks_of(task)
    if subs:
        row["subtasks"] = f"{sum(1 for s in subs if status_of(s) in CLOSED_STATUSES)}/{len(subs)}"
    for name in fields:
        if name in task and name not in row and name != "subtasks" and task[name] not in ("", None, [], {}):
            row[name] = task[name]
    if with_subtasks and subs:
        row["subtaskList"] = [_sub_row(task, s, fields) for s in subs]
    _add_claim(row, task)
    return row


def _add_claim(row: dict[str, Any], item: Task) -> None:
    """An agent's claim (tasks/claims.py) as recorded: ``{"agent", "until"}``; the face says how much lease is left."""
    claim = our_value(item, CLAIM_KEY)
    if isinstance(claim, dict) and isinstance(claim.get("agent"), str):  # pyright: ignore[reportUnknownMemberType]
        recorded = cast(dict[str, Any], claim)
        row["claim"] = {"agent": recorded["agent"], "until": recorded.get("until")}


def _sub_row(task: Task, sub: Task, fields: tuple[str, ...]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"{key(task.get('id'))}.{key(sub.get('id'))}",
        "title": sub.get("title", ""),
        "status": status_of(sub),
    }
    if deps_of(sub):
        row["dependencies"] = deps_of(sub)
    for name in fields:
        if name in sub and name not in row and sub[name] not in ("", None, [], {}):
            row[name] = sub[name]
    _add_claim(row, sub)
    return row


def size_of(value: Any) -> int:
    """Bytes of compact JSON for ``value`` (UTF-8 bytes, not characters: CJK text is 3 bytes a character)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def shrink(row: dict[str, Any], budget: int) -> dict[str, Any]:
    """Cut the longest string fields of a row until it fits ``budget`` bytes (marking each cut)."""
    result = dict(row)
    while size_of(result) > budget:
        strings = [(len(v), k) for k, v in result.items() if isinstance(v, str) and len(v) > 200]
        if not strings:
            result.pop("subtaskList", None)
            break
        _, longest = max(strings)
        value: str = result[longest]
        result[longest] = value[: max(100, len(value) // 2)] + TRUNCATION_NOTE
    return result


def page(
    rows_source: Sequence[T], *, offset: int, limit: int, render: Callable[[T], dict[str, Any]]
) -> tuple[list[dict[str, Any]], int | None]:
    """Render rows from ``offset`` until ``limit`` rows or the byte budget is reached; return rows and next offset."""
    rows: list[dict[str, Any]] = []
    used = 1  # the list brackets cost 2 bytes, the n-1 commas are counted as 1 per row
    index = offset
    while index < len(rows_source) and len(rows) < limit:
        row = clip(render(rows_source[index]))
        cost = size_of(row) + 1
        if cost > PAGE_BYTE_BUDGET // 2:
            row = shrink(row, PAGE_BYTE_BUDGET // 2)
            cost = size_of(row) + 1
        if rows and used + cost > PAGE_BYTE_BUDGET:
            break
        rows.append(row)
        used += cost
        index += 1
    return rows, (index if index < len(rows_source) else None)


def blocked_by(index: TagIndex, task: Task, sub: Task | None = None) -> list[str]:
    """The dependency ids of an item that are not done yet."""
    return [str(ref) for ref in index.dep_refs(task, sub) if not index.is_done(ref)]


def ref_of(task: Task, sub: Task | None) -> Ref:
    """The Ref of a task or subtask."""
    tid = key(task.get("id"))
    return Ref(tid) if sub is None else Ref(tid, key(sub.get("id")))


# Back-references some writers leave in subtasks ("parentId": "undefined"); kept in the file, not shown.
_NOISE = frozenset({"parentId", "parentTaskId"})


def full_item(index: TagIndex, task: Task, sub: Task | None, status: set[str] | None) -> dict[str, Any]:
    """A task (or subtask) as the agent sees it: every field, subtasks filtered by ``status``, plus ``blockedBy``."""
    item = {k: v for k, v in (sub if sub is not None else task).items() if k not in _NOISE}
    if sub is not None:
        item["id"] = f"{key(task.get('id'))}.{key(sub.get('id'))}"
        item["parent"] = {"id": task.get("id"), "title": task.get("title")}
    elif status is not None:
        item["subtasks"] = [s for s in subtasks_of(task) if status_of(s) in status]
    waiting = blocked_by(index, task, sub)
    if waiting:
        item["blockedBy"] = waiting
    return shrink(clip(item), 20_000)


def nothing_next_reason(index: TagIndex) -> str:
    """Why next_task found nothing: all done, or what the open tasks wait on."""
    open_tasks = [t for t in index.tasks if status_of(t) not in ("done", "completed", "cancelled")]
    if not index.tasks:
        return "No tasks in this tag. Create them with parse_prd or add_task."
    if not open_tasks:
        return "Every task is done or cancelled. Add tasks, or switch tag with use_tag."
    waiting = [
        f"{key(t.get('id'))} waits on {','.join(blocked_by(index, t))}"
        for t in open_tasks
        if status_of(t) == "pending" and blocked_by(index, t)
    ][:5]
    others = sorted({status_of(t) for t in open_tasks} - {"pending"})
    parts = ["No pending task has all its dependencies done."]
    if waiting:
        parts.append("Blocked: " + "; ".join(waiting) + ".")
    if others:
        parts.append(f"Other open statuses: {', '.join(others)} (set one to pending or in-progress to pick it up).")
    return " ".join(parts)


def score_of(entry: dict[str, Any]) -> float:
    """A complexity entry's score for sorting (a missing or non-numeric score sorts as 0)."""
    value = entry.get("complexityScore")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
