"""What the read tools answer (``get_tasks``, ``get_task``, ``next_task`` without a claim, ``list_tags``), as plain
data.

The tools wrap these answers in their result models; the CLI prints them as they are, so a ``list`` or ``next`` in a
terminal reads the project exactly as the agent's tool call does without paying for the models (pydantic). Each
answer is what the tool's structured result holds: JSON data, with no ``None`` values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.reports import complexity_of
from taskmaster_mcp.tasks.claims import Claim, claim_of
from taskmaster_mcp.tasks.model import STATUSES, Task, key, parse_ref_list, split_list
from taskmaster_mcp.tasks.queries import (
    DEFAULT_LIMIT,
    compact_row,
    full_item,
    next_item,
    nothing_next_reason,
    page,
    progress,
    status_of,
)

Answer = dict[str, Any]
TAG_PAGE = 100  # list_tags' default page


def statuses(status: str | None) -> set[str] | None:
    """The statuses a ``status`` argument asks for (None: every status); InvalidInput names an unknown one."""
    wanted = split_list(status)
    if not wanted or "all" in wanted:
        return None
    bad = [s for s in wanted if s not in STATUSES and s != "completed"]
    if bad:
        raise InvalidInput(f"Unknown status {', '.join(bad)}. Use 'all' or a comma list of: {', '.join(STATUSES)}.")
    return set(wanted)


def offset_of(cursor: str | None) -> int:
    """The row offset a ``cursor`` argument names."""
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise InvalidInput(f"cursor '{cursor}' is not valid. Pass the nextCursor value of the previous page.")
    return int(cursor)


def _without_none(answer: Answer) -> Answer:
    return {k: v for k, v in answer.items() if v is not None}


def with_lease_left(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A row's (and its subtask rows') recorded claim, with the lease left, or marked expired."""
    for sub in cast(list[dict[str, Any]], row.get("subtaskList") or []):
        with_lease_left(sub, now)
    claim = row.get("claim")
    if isinstance(claim, dict):
        recorded = cast(dict[str, Any], claim)
        lease = Claim(str(recorded["agent"]), "", str(recorded.get("until") or ""))
        left = round(lease.left(now).total_seconds() / 60, 1)
        row["claim"] = {"agent": lease.agent, **({"leaseMinutesLeft": left} if left > 0 else {"expired": True})}
    return row


def task_page(
    project: Project,
    *,
    status: str | None = None,
    withSubtasks: bool = False,
    fields: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    complexityReport: str | None = None,
    parallel: bool = False,
    tag: str | None = None,
) -> Answer:
    """``get_tasks``: one page of compact rows with the tag's progress (and its waves with ``parallel``)."""
    from taskmaster_mcp.tasks.parallel import waves

    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    the_tag = project.tag(tag)
    doc = project.store.read()
    index = doc.index(the_tag)
    wanted = statuses(status)
    extra = tuple(split_list(fields))
    tasks = index.tasks if wanted is None else [t for t in index.tasks if status_of(t) in wanted]

    now = datetime.now(UTC)

    def render(task: Task) -> dict[str, Any]:
        row = with_lease_left(compact_row(task, extra, withSubtasks), now)
        return {**row, **complexity_of(project.paths, the_tag, task, report)} if report is not None else row

    rows, next_offset = page(tasks, offset=offset_of(cursor), limit=limit, render=render)
    stats = doc.memo.get(("progress", the_tag))
    if stats is None:
        stats = doc.memo[("progress", the_tag)] = progress(index.tasks)
    note = None
    if not doc.exists:
        note = "No tasks yet. Create them with parse_prd or add_task."
    elif next_offset is not None:
        note = f"Showing {len(rows)} of {len(tasks)}; pass cursor={next_offset} for more."
    answer: Answer = {
        "tag": the_tag,
        "stats": stats,
        "tasks": rows,
        "nextCursor": str(next_offset) if next_offset else None,
        "note": note,
    }
    if parallel:
        found, stuck = waves(index)
        answer["waves"] = [{"wave": n, "ids": w.items, "why": w.reasons} for n, w in enumerate(found, 1)]
        answer["unschedulable"] = stuck
    return _without_none(answer)


def task_details(
    project: Project, *, id: str, status: str | None = None, complexityReport: str | None = None, tag: str | None = None
) -> Answer:
    """``get_task``: full tasks/subtasks, each with ``blockedBy``; NotFound when none of the ids exists."""
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    the_tag = project.tag(tag)
    index = project.store.read().index(the_tag)
    wanted = statuses(status)
    found: list[dict[str, Any]] = []
    missing: list[str] = []
    now = datetime.now(UTC)
    for ref in parse_ref_list(id):
        try:
            task, sub = index.get(ref)
        except NotFound:
            missing.append(str(ref))
            continue
        item = full_item(index, task, sub, wanted)
        if (held := claim_of(sub if sub is not None else task)) is not None:  # the agent and the lease left
            item["claim"] = {"agent": held.agent, "until": held.until}
            with_lease_left(item, now)
        if report is not None and sub is None:
            item.update(complexity_of(project.paths, the_tag, task, report))
        found.append(item)
    if not found:
        raise NotFound(f"No task with id {', '.join(missing)} in tag '{the_tag}'. Call get_tasks to list ids.")
    return _without_none({"tag": the_tag, "tasks": found, "notFound": missing or None})


def next_pick(project: Project, *, complexityReport: str | None = None, tag: str | None = None) -> Answer:
    """``next_task`` without a claim: the next task/subtask to work on, or why there is none."""
    the_tag = project.tag(tag)
    doc = project.store.read()
    index = doc.index(the_tag)
    memo_key = ("next", the_tag)
    if memo_key not in doc.memo:
        doc.memo[memo_key] = next_item(index)
    found = doc.memo[memo_key]
    if found is None:
        return {"tag": the_tag, "reason": nothing_next_reason(index)}
    task, sub = found
    item = full_item(index, task, sub, None)
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    if sub is None:
        item.update(complexity_of(project.paths, the_tag, task, report))
        return {"tag": the_tag, "next": item, "reason": "Highest-priority pending task with all dependencies done."}
    reason = f"Next open subtask of in-progress task {key(task.get('id'))}."
    return _without_none({"tag": the_tag, "next": item, "parent": item.pop("parent", None), "reason": reason})


def tag_list(
    project: Project, *, showMetadata: bool = False, limit: int = TAG_PAGE, cursor: str | None = None
) -> Answer:
    """``list_tags``: a page of tags with their counts; ``current`` names the active one."""
    from taskmaster_mcp.tasks import tags

    current = project.tag(None)
    doc = project.store.read()
    names = tags.tag_names(doc)
    rows, next_offset = page(
        names,
        offset=offset_of(cursor),
        limit=limit,
        render=lambda name: tags.tag_row(doc, name, current, with_metadata=showMetadata),
    )
    more = next_offset is not None
    note = f"Showing {len(rows)} of {len(names)} tags; pass cursor={next_offset} for more." if more else None
    return _without_none(
        {"current": current, "tags": rows, "nextCursor": str(next_offset) if more else None, "note": note}
    )
