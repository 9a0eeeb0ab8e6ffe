"""benchmark_models: compare candidate models on the same sample work (the core is :mod:`taskmaster_mcp.ai.benchmark`).

Thin: resolve the project, read its PRD through the private-file guard (as parse_prd does), call the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot, TagArg
from taskmaster_mcp.mcp_server.tools.plan import DEFAULT_PRD_PATHS, PRD_FIX
from taskmaster_mcp.store.private import read_for_prompt
from taskmaster_mcp.tasks.model import split_list

TEMPLATE_MARK = "**Feature**: what it does and why it matters."

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.benchmark import BenchmarkResult


async def benchmark_models(
    ctx: Context[Any, Any],
    roles: Annotated[str | None, Field(description="e.g. main,fallback")] = None,
    models: Annotated[str | None, Field(description="Model ids, not roles")] = None,
    tasks: Annotated[int, Field(ge=0, le=10, description="Tasks to expand")] = 3,
    maxUsd: Annotated[float | None, Field(ge=0, description="Required for paid models")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
) -> BenchmarkResult:
    """Rank models on this project's PRD and tasks: validity, latency, cost, quality (AI; no task writes)."""
    from taskmaster_mcp.ai.benchmark import benchmark_models as run_benchmark
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot)
    found = [p for p in DEFAULT_PRD_PATHS if (project.paths.root / p).is_file()]
    prd = read_for_prompt(project.paths, found[0], what="input", fix=PRD_FIX) if found else None
    if prd is not None and TEMPLATE_MARK in prd:  # the PRD template init wrote, never filled in
        prd = None
    return await run_benchmark(
        ai_context(ctx, project),
        tag=project.tag(tag),
        roles=split_list(roles or ""),
        models=split_list(models or ""),
        tasks=tasks,
        max_usd=maxUsd,
        prd=prd,
    )
