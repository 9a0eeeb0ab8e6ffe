"""Project tools: initialize_project (with Task Master's arguments) and generate."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project, project_folder, state_of
from taskmaster_mcp.mcp_server.tools.params import FileArg, ProjectRoot, TagArg
from taskmaster_mcp.mcp_server.tools.settings import ProfileList
from taskmaster_mcp.setup.skeleton import init_git, initialize
from taskmaster_mcp.store import taskfiles

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context


class InitReport(BaseModel):
    """Files created and files that already existed (never overwritten)."""

    projectRoot: str
    created: list[str]
    kept: list[str]
    editors: list[dict[str, Any]] | None = None
    git: str | None = None
    notes: list[str] | None = None
    next: str


class GenerateReport(BaseModel):
    """Task files written, unchanged and removed."""

    tag: str
    output: str
    written: int
    unchanged: int
    removed: int


async def initialize_project(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    projectName: str | None = None,
    rules: ProfileList | None = None,
    editors: Annotated[str | None, Field(description="Comma list: rules names or claude-desktop")] = None,
    initGit: bool | None = None,
    storeTasksInGit: bool | None = None,
    skipInstall: bool | None = None,
    addAliases: bool | None = None,
    yes: bool | None = None,
) -> InitReport:
    """Create .taskmaster/ (never overwrites); set up editors' MCP config and rules."""
    from taskmaster_mcp.setup.editors import editor_names

    state = state_of(ctx)
    root = await project_folder(ctx, projectRoot, creating=True)
    names = editor_names([*(rules or []), *(editors or "").split(",")])  # refuses an unknown name up front
    notes: list[str] = []
    if addAliases:
        notes.append(
            "addAliases: not done; taskmaster-mcp does not edit shell startup files. Add "
            "`alias tm=taskmaster-mcp` to yours if you want it."
        )
    if skipInstall is False:
        notes.append("skipInstall: nothing to install; taskmaster-mcp needs no per-project packages.")
    # yes: this tool never prompts, so there is nothing to answer.
    # As Task Master does, `git init` runs unless initGit is false. First, so an explicit initGit=true that git
    # refuses leaves everything as it was; by default a missing or failing git is only a note.
    git = None
    if initGit is not False:
        try:
            git = await asyncio.to_thread(init_git, root)
        except InvalidInput as exc:
            if initGit:
                raise
            notes.append(f"{exc} The project was set up without git.")
    result = initialize(root, projectName, store_tasks_in_git=storeTasksInGit)
    configured = None
    if names:
        from taskmaster_mcp.setup.skeleton import setup_editors

        configured = setup_editors(root, names, env=state.env)
    return InitReport(
        projectRoot=str(root),
        created=result.created,
        kept=result.kept,
        editors=configured,
        git=git,
        notes=notes or None,
        next="Write your PRD to .taskmaster/docs/prd.txt and call parse_prd, or add tasks with add_task.",
    )


async def generate(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    output: Annotated[str | None, Field(description="Output dir")] = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> GenerateReport:
    """Write task_NNN.md files."""
    project = await open_project(ctx, projectRoot, file)
    project.store.require_initialized()
    the_tag = project.tag(tag)
    target: Path = project.paths.writable(output, what="output") if output else project.paths.tasks_dir
    doc = project.store.read()
    doc.index(the_tag)
    counts = taskfiles.generate(project.paths, the_tag, doc.tasks(the_tag), target)
    return GenerateReport(tag=the_tag, output=str(target.relative_to(project.paths.root)), **counts)
