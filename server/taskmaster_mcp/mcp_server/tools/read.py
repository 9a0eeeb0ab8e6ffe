"""Read tools: get_tasks, get_task, next_task, complexity_report. Thin: resolve, query, return a model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, Ids, ProjectRoot, TagArg
from taskmaster_mcp.store.reports import complexity_of, read_report
from taskmaster_mcp.tasks.claims import Claim, claim_of
from taskmaster_mcp.tasks.model import STATUSES, Task, key, parse_ref_list, split_list
from taskmaster_mcp.tasks.parallel import waves
from taskmaster_mcp.tasks.queries import (
    DEFAULT_LIMIT,
    compact_row,
    full_item,
    next_item,
    nothing_next_reason,
    page,
    progress,
    score_of,
    status_of,
)

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context


class TaskPage(BaseModel):
    """One page of compact task rows with project-wide progress."""

    tag: str
    stats: dict[str, Any]
    tasks: list[dict[str, Any]]
    nextCursor: str | None = None
    note: str | None = None
    waves: list[dict[str, Any]] | None = None
    unschedulable: list[str] | None = None


class TaskDetails(BaseModel):
    """Full tasks, each with ``blockedBy`` (dependencies not done yet)."""

    tag: str
    tasks: list[dict[str, Any]]
    notFound: list[str] | None = None


class NextTask(BaseModel):
    """The next item to work on, or why there is none."""

    tag: str
    next: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    claim: dict[str, Any] | None = None
    parallel: list[dict[str, Any]] | None = None
    reason: str


class ComplexityReport(BaseModel):
    """A complexity report page, highest scores first."""

    path: str
    meta: dict[str, Any]
    entries: list[dict[str, Any]]
    nextCursor: str | None = None


def _statuses(status: str | None) -> set[str] | None:
    wanted = split_list(status)
    if not wanted or "all" in wanted:
        return None
    bad = [s for s in wanted if s not in STATUSES and s != "completed"]
    if bad:
        raise InvalidInput(f"Unknown status {', '.join(bad)}. Use 'all' or a comma list of: {', '.join(STATUSES)}.")
    return set(wanted)


def _cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise InvalidInput(f"cursor '{cursor}' is not valid. Pass the nextCursor value of the previous page.")
    return int(cursor)


async def get_tasks(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    status: Annotated[str | None, Field(description="Comma list or 'all'")] = None,
    withSubtasks: bool = False,
    fields: Annotated[str | None, Field(description="Extra fields: description,details...")] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Field()] = None,
    complexityReport: str | None = None,
    parallel: Annotated[bool, Field(description="Add the plan's waves of tasks workable at once")] = False,
    tag: TagArg = None,
    file: FileArg = None,
) -> TaskPage:
    """List tasks (compact rows, progress stats); paged. get_task for details.

    ``complexityReport`` (Task Master's, a report path in the project) adds each row's complexityScore from it.
    """
    project = await open_project(ctx, projectRoot, file)
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    the_tag = project.tag(tag)
    doc = project.store.read()
    index = doc.index(the_tag)
    wanted = _statuses(status)
    extra = tuple(split_list(fields))
    tasks = index.tasks if wanted is None else [t for t in index.tasks if status_of(t) in wanted]

    now = datetime.now(UTC)

    def render(task: Task) -> dict[str, Any]:
        row = with_lease_left(compact_row(task, extra, withSubtasks), now)
        return {**row, **complexity_of(project.paths, the_tag, task, report)} if report is not None else row

    rows, next_offset = page(tasks, offset=_cursor(cursor), limit=limit, render=render)
    stats = doc.memo.get(("progress", the_tag))
    if stats is None:
        stats = doc.memo[("progress", the_tag)] = progress(index.tasks)
    note = None
    if not doc.exists:
        note = "No tasks yet. Create them with parse_prd or add_task."
    elif next_offset is not None:
        note = f"Showing {len(rows)} of {len(tasks)}; pass cursor={next_offset} for more."
    page_of = TaskPage(
        tag=the_tag, stats=stats, tasks=rows, nextCursor=str(next_offset) if next_offset else None, note=note
    )
    if parallel:
        found, stuck = waves(index)
        page_of.waves = [{"wave": n, "ids": w.items, "why": w.reasons} for n, w in enumerate(found, 1)]
        page_of.unschedulable = stuck
    return page_of


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


async def get_task(
    ctx: Context[Any, Any],
    id: Ids,
    projectRoot: ProjectRoot = None,
    status: Annotated[str | None, Field(description="Filter subtasks by status")] = None,
    complexityReport: str | None = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> TaskDetails:
    """Full details of tasks/subtasks."""
    project = await open_project(ctx, projectRoot, file)
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    the_tag = project.tag(tag)
    index = project.store.read().index(the_tag)
    wanted = _statuses(status)
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
    return TaskDetails(tag=the_tag, tasks=found, notFound=missing or None)


async def next_task(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    complexityReport: Annotated[str | None, Field()] = None,
    claim: Annotated[
        bool, Field(description="Claim it for agent: in progress, leased, never handed to another")
    ] = False,
    agent: Annotated[str | None, Field(description="This agent's name (needed with claim)")] = None,
    leaseMinutes: Annotated[float | None, Field(description="Claim lease, default 30")] = None,
    count: Annotated[int | None, Field(description="Up to N items workable at once (no claim)")] = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> NextTask:
    """The next task/subtask to work on; claim=true hands it to one agent (parallel agents)."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    if claim or count is not None:
        from taskmaster_mcp.mcp_server.tools import claims as claiming

        if claim and count is not None:
            raise InvalidInput("claim takes one item per agent; drop count (or call without claim to see N items).")
        if count is not None:
            rows, why = claiming.parallel_next(project, the_tag, count)
            return NextTask(tag=the_tag, parallel=rows, reason=why)
        item, parent, held, why = claiming.claimed_next(project, the_tag, agent, leaseMinutes)
        return NextTask(tag=the_tag, next=item, parent=parent, claim=held, reason=why)
    doc = project.store.read()
    index = doc.index(the_tag)
    memo_key = ("next", the_tag)
    if memo_key not in doc.memo:
        doc.memo[memo_key] = next_item(index)
    found = doc.memo[memo_key]
    if found is None:
        return NextTask(tag=the_tag, reason=nothing_next_reason(index))
    task, sub = found
    item = full_item(index, task, sub, None)
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    if sub is None:
        item.update(complexity_of(project.paths, the_tag, task, report))
    if sub is not None:
        reason = f"Next open subtask of in-progress task {key(task.get('id'))}."
        return NextTask(tag=the_tag, next=item, parent=item.pop("parent", None), reason=reason)
    return NextTask(tag=the_tag, next=item, reason="Highest-priority pending task with all dependencies done.")


async def complexity_report(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    file: Annotated[str | None, Field(description="Report path")] = None,
    cursor: Annotated[str | None, Field()] = None,
    tag: TagArg = None,
) -> ComplexityReport:
    """The complexity report, highest scores first."""
    project = await open_project(ctx, projectRoot)
    the_tag = project.tag(tag)
    path = project.paths.inside(file, what="file") if file else project.paths.complexity_report(the_tag)
    report = read_report(path)
    if report is None:
        raise NotFound(f"No complexity report at {path}. Run analyze_project_complexity first.")
    entries = sorted(report.entries, key=lambda e: -score_of(e))
    rows, next_offset = page(entries, offset=_cursor(cursor), limit=500, render=lambda e: e)
    return ComplexityReport(
        path=str(path.relative_to(project.paths.root)),
        meta=report.meta,
        entries=rows,
        nextCursor=str(next_offset) if next_offset else None,
    )
