"""AI bulk edit: ``update`` (every open task from an id). update_task and update_subtask live in tools/write.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import AsText, FileArg, ProjectRoot, TagArg

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.edit import BulkEditResult


async def update(
    ctx: Context[Any, Any],
    from_: Annotated[str, AsText, Field(alias="from", description="First task id")],
    prompt: Annotated[str, Field(description="The change")],
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> BulkEditResult:
    """AI-rewrite every open task with id >= from for a change; done work is kept.

    Tasks are sent in batches of 8 and written once at the end (all batches or nothing). Ids, statuses,
    dependencies, metadata and done subtasks are kept; done, completed and cancelled tasks are never sent.
    """
    from taskmaster_mcp.ai.edit import update_from
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await update_from(
        ai_context(ctx, project), tag=project.tag(tag), start=from_, prompt=prompt, research=research
    )
