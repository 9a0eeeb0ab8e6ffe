"""AI tools that break work down and size it: expand_task, expand_all, analyze_project_complexity.

Thin: resolve the project, call the core in :mod:`taskmaster_mcp.ai.expand` / :mod:`taskmaster_mcp.ai.analyze`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import DepList, FileArg, ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.tasks.model import split_list

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.analyze import AnalyzeResult
    from taskmaster_mcp.ai.expand import ExpandAllResult, ExpandResult

Num = Annotated[int | None, Field(ge=1, le=50, description="Default: report, else config")]
Prompt = Annotated[str | None, Field(description="Extra instructions")]


async def expand_task(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    num: Num = None,
    prompt: Prompt = None,
    force: Annotated[bool, Field(description="Replace existing subtasks")] = False,
    research: bool = False,
    critique: Annotated[bool, Field(description="Critic reviews draft, main revises")] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ExpandResult:
    """Break a task into subtasks, or a subtask '7.2' into finer ones (AI).

    ``critique``: the ``taskmasterMcp.critique.role`` role (default fallback) checks the draft against the task;
    main revises once; only the revision is written.
    """
    from taskmaster_mcp.ai.expand import expand_task as expand_one
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await expand_one(
        ai_context(ctx, project),
        tag=project.tag(tag),
        id=id,
        num=num,
        request=prompt,
        force=force,
        research=research,
        critique=critique,
    )


async def expand_all(
    ctx: Context[Any, Any],
    num: Num = None,
    prompt: Prompt = None,
    force: bool = False,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ExpandAllResult:
    """Expand all pending tasks without subtasks, in parallel (AI); resumable."""
    from taskmaster_mcp.ai.expand import expand_all as expand_every
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await expand_every(
        ai_context(ctx, project), tag=project.tag(tag), num=num, request=prompt, force=force, research=research
    )


async def analyze_project_complexity(
    ctx: Context[Any, Any],
    threshold: Annotated[int, Field(ge=1, le=10, description="Expand tasks scoring at least this")] = 5,
    ids: DepList = None,
    from_: Annotated[int | None, Field(alias="from")] = None,
    to: int | None = None,
    research: bool = False,
    output: Annotated[str | None, Field(description="Report path")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> AnalyzeResult:
    """Score task complexity 1-10 into the complexity report (AI).

    ``output`` (Task Master's) writes the report to another path inside the project; by default it is the tag's
    report under .taskmaster/reports/, the one expand_task and next_task read.
    """
    from taskmaster_mcp.ai.analyze import analyze
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    report = project.paths.writable(output, what="output") if output else None
    return await analyze(
        ai_context(ctx, project),
        tag=project.tag(tag),
        threshold=threshold,
        ids=split_list(ids),
        first=from_,
        last=to,
        research=research,
        output=report,
    )
