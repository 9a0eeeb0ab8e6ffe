"""AI planning tools: parse_prd. (add_task with a prompt is handled by tools/write.py add_task.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.errors import NotFound
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot, TagArg
from taskmaster_mcp.store.private import read_for_prompt

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.plan import PlanResult

DEFAULT_PRD_PATHS = (".taskmaster/docs/prd.txt", ".taskmaster/docs/prd.md", "scripts/prd.txt")
PRD_FIX = "Pass the PRD's path (e.g. input=.taskmaster/docs/prd.txt), or paste its text as prd."


async def parse_prd(
    ctx: Context[Any, Any],
    input: Annotated[str | None, Field(description="PRD file (default .taskmaster/docs/prd.txt)")] = None,
    prd: Annotated[str | None, Field(description="PRD text instead of a file")] = None,
    numTasks: Annotated[int | None, Field(ge=0, le=200, description="0 = model decides")] = None,
    force: Annotated[bool, Field(description="Replace the tag's tasks")] = False,
    append: bool = False,
    research: bool = False,
    critique: Annotated[bool, Field(description="Critic reviews draft, main revises")] = False,
    output: Annotated[str | None, Field(description="tasks.json to write")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
) -> PlanResult:
    """Turn a PRD into dependency-ordered tasks (AI).

    ``numTasks`` defaults to ``global.defaultNumTasks`` of config.json (10), as in Task Master; 0 lets the model
    decide. ``output`` is Task Master's name for the tasks file to write (inside the project), like ``file``.

    ``critique``: the ``taskmasterMcp.critique.role`` role (default fallback) checks the draft against the PRD
    (coverage, dependency order, test strategies, duplicates); main revises once; only the revision is written.

    ``input`` is read through the private-file guard (:mod:`taskmaster_mcp.store.private`): ``.env`` files, keys,
    credentials and ``.taskmaster/`` internals are refused, links included; ``.taskmaster/docs/`` is readable.
    """
    from taskmaster_mcp.ai.plan import default_num_tasks
    from taskmaster_mcp.ai.plan import parse_prd as plan_from_prd
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, output)
    count = numTasks if numTasks is not None else default_num_tasks(project.config())
    ai = ai_context(ctx, project)  # first: it starts the notes read_for_prompt adds to
    if prd is None:
        if not input:
            found = [p for p in DEFAULT_PRD_PATHS if (project.paths.root / p).is_file()]
            if not found:
                raise NotFound(
                    "No PRD found at .taskmaster/docs/prd.txt. Write it there, pass input=<path>, or "
                    "pass the text as prd."
                )
            input = found[0]
        prd = read_for_prompt(project.paths, input, what="input", fix=PRD_FIX)
    return await plan_from_prd(
        ai,
        prd=prd,
        tag=project.tag(tag),
        num_tasks=count,
        force=force,
        append=append,
        research=research,
        exact=numTasks is not None,
        critique=critique,
        source=input,  # recorded on the tasks (metadata.prd.source)
    )
