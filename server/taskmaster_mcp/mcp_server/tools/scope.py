"""AI tools that rescope tasks: scope_up_task and scope_down_task (core in :mod:`taskmaster_mcp.ai.scope`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.expand import Prompt
from taskmaster_mcp.mcp_server.tools.params import FileArg, Ids, ProjectRoot, TagArg
from taskmaster_mcp.tasks.model import split_list

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.scope import ScopeResult

Strength = Literal["light", "regular", "heavy"]


async def _scope(
    ctx: Context[Any, Any],
    direction: Literal["up", "down"],
    id: str,
    strength: str,
    prompt: str | None,
    research: bool,
    projectRoot: str | None,
    tag: str | None,
    file: str | None,
) -> ScopeResult:
    from taskmaster_mcp.ai.scope import scope
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await scope(
        ai_context(ctx, project),
        tag=project.tag(tag),
        ids=split_list(id),
        direction=direction,
        strength=strength,
        request=prompt,
        research=research,
    )


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
