"""AI planning tools: parse_prd. (add_task with a prompt is handled by tools_write.add_task.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot, TagArg

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from taskmaster_mcp.ai.plan import PlanResult

DEFAULT_PRD_PATHS = (".taskmaster/docs/prd.txt", ".taskmaster/docs/prd.md", "scripts/prd.txt")


async def parse_prd(
    ctx: Context[Any, Any],
    input: Annotated[str | None, Field(description="PRD file (default .taskmaster/docs/prd.txt)")] = None,
    prd: Annotated[str | None, Field(description="PRD text instead of a file")] = None,
    numTasks: Annotated[int, Field(ge=0, le=200, description="0 = model decides")] = 0,
    force: Annotated[bool, Field(description="Replace the tag's tasks")] = False,
    append: bool = False,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
) -> PlanResult:
    """Turn a PRD into dependency-ordered tasks (AI)."""
    from taskmaster_mcp.ai.plan import parse_prd as plan_from_prd
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot)
    if prd is None:
        if input:
            path = project.paths.inside(input, what="input")
        else:
            found = [project.paths.root / p for p in DEFAULT_PRD_PATHS if (project.paths.root / p).is_file()]
            if not found:
                raise NotFound("No PRD found at .taskmaster/docs/prd.txt. Write it there, pass input=<path>, or "
                               "pass the text as prd.")
            path = found[0]
        if not path.is_file():
            raise NotFound(f"PRD file {path} does not exist. Pass input=<path inside the project>.")
        try:
            prd = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{path} is not UTF-8 text. Save the PRD as UTF-8 text or Markdown.") from None
    ai = ai_context(ctx, project)
    return await plan_from_prd(ai, prd=prd, tag=project.tag(tag), num_tasks=numTasks, force=force, append=append,
                               research=research)
