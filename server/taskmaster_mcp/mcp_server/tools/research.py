"""AI research tool: ``research`` (the research role, with project context the caller chooses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import AsText, DepList, FileArg, ProjectRoot, TagArg

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.research import ResearchResult


async def research(
    ctx: Context[Any, Any],
    query: str,
    taskIds: DepList = None,
    filePaths: Annotated[str | None, Field(description="Comma list of project files")] = None,
    customContext: str | None = None,
    includeProjectTree: bool = False,
    detailLevel: Literal["low", "medium", "high"] = "medium",
    saveTo: Annotated[str | None, AsText, Field(description="Id to append findings to")] = None,
    saveToFile: Annotated[bool, Field(description="Save in .taskmaster/docs/research")] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ResearchResult:
    """Answer a question with the research model; context: tasks, files, tree (AI).

    Saving (``saveTo`` as a dated note, ``saveToFile`` as Markdown) reuses the answer: one model call in all.
    ``filePaths`` go through the private-file guard (:mod:`taskmaster_mcp.store.private`): ``.env`` files, keys,
    credentials and ``.taskmaster/`` internals are refused before any model call, links included.
    """
    from taskmaster_mcp.ai.research import research as run_research
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await run_research(
        ai_context(ctx, project),
        tag=project.tag(tag),
        query=query,
        task_ids=taskIds,
        file_paths=filePaths,
        custom_context=customContext,
        include_tree=includeProjectTree,
        detail=detailLevel,
        save_to=saveTo,
        save_to_file=saveToFile,
    )
