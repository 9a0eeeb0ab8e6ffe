"""AI tools that break work down and size it: expand_task, expand_all, analyze_project_complexity,
scope_up_task, scope_down_task. Thin: resolve the project, call the core in ai_expand / ai_analyze."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from .callctx import open_project
from .params import DepList, FileArg, Ids, ProjectRoot, TagArg, TaskIdArg, split_list

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from .ai_analyze import AnalyzeResult, ScopeResult
    from .ai_expand import ExpandAllResult, ExpandResult

Num = Annotated[int | None, Field(ge=1, le=50, description="Default: report, else config")]
Prompt = Annotated[str | None, Field(description="Extra instructions")]
Strength = Literal["light", "regular", "heavy"]


async def expand_task(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    num: Num = None,
    prompt: Prompt = None,
    force: Annotated[bool, Field(description="Replace existing subtasks")] = False,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ExpandResult:
    """Break a task into subtasks, or a subtask '7.2' into finer ones (AI)."""
    from .ai_expand import expand_task as expand_one
    from .aicontext import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await expand_one(ai_context(ctx, project), tag=project.tag(tag), id=id, num=num, request=prompt,
                            force=force, research=research)


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
    from .ai_expand import expand_all as expand_every
    from .aicontext import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await expand_every(ai_context(ctx, project), tag=project.tag(tag), num=num, request=prompt, force=force,
                              research=research)


async def analyze_project_complexity(
    ctx: Context[Any, Any],
    threshold: Annotated[int, Field(ge=1, le=10, description="Expand tasks scoring at least this")] = 5,
    ids: DepList = None,
    from_: Annotated[int | None, Field(alias="from")] = None,
    to: int | None = None,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> AnalyzeResult:
    """Score task complexity 1-10 into the complexity report (AI)."""
    from .ai_analyze import analyze
    from .aicontext import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await analyze(ai_context(ctx, project), tag=project.tag(tag), threshold=threshold, ids=split_list(ids),
                         first=from_, last=to, research=research)


async def _scope(ctx: Context[Any, Any], direction: Literal["up", "down"], id: str, strength: str,
                 prompt: str | None, research: bool, projectRoot: str | None, tag: str | None,
                 file: str | None) -> ScopeResult:
    from .ai_analyze import scope
    from .aicontext import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await scope(ai_context(ctx, project), tag=project.tag(tag), ids=split_list(id), direction=direction,
                       strength=strength, request=prompt, research=research)


async def scope_up_task(
    ctx: Context[Any, Any],
    id: Ids,
    strength: Strength = "regular",
    prompt: Prompt = None,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ScopeResult:
    """Rewrite tasks to be more thorough (AI); ids, status, deps kept."""
    return await _scope(ctx, "up", id, strength, prompt, research, projectRoot, tag, file)


async def scope_down_task(
    ctx: Context[Any, Any],
    id: Ids,
    strength: Strength = "regular",
    prompt: Prompt = None,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ScopeResult:
    """Rewrite tasks to be simpler (AI); ids, status, deps kept."""
    return await _scope(ctx, "down", id, strength, prompt, research, projectRoot, tag, file)
