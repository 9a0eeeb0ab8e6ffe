"""Read tools: get_tasks, get_task, next_task, complexity_report. Thin: resolve, query, return a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, Ids, ProjectRoot, TagArg
from taskmaster_mcp.store.reports import read_report
from taskmaster_mcp.store.task_reads import next_pick, offset_of, task_details, task_page
from taskmaster_mcp.tasks.queries import DEFAULT_LIMIT, page, score_of

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
    answer = task_page(
        project,
        status=status,
        withSubtasks=withSubtasks,
        fields=fields,
        limit=limit,
        cursor=cursor,
        complexityReport=complexityReport,
        parallel=parallel,
        tag=tag,
    )
    return TaskPage(**answer)


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
    return TaskDetails(**task_details(project, id=id, status=status, complexityReport=complexityReport, tag=tag))


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
    return NextTask(**next_pick(project, complexityReport=complexityReport, tag=tag))


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
    rows, next_offset = page(entries, offset=offset_of(cursor), limit=500, render=lambda e: e)
    return ComplexityReport(
        path=str(path.relative_to(project.paths.root)),
        meta=report.meta,
        entries=rows,
        nextCursor=str(next_offset) if next_offset else None,
    )
