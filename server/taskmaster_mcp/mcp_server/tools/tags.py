"""Tag tools: list, add, use, delete, rename and copy. The rules live in :mod:`taskmaster_mcp.tasks.tags`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, ProjectRoot
from taskmaster_mcp.mcp_server.tools.write import Changed
from taskmaster_mcp.store.git import current_branch
from taskmaster_mcp.store.task_reads import TAG_PAGE, tag_list
from taskmaster_mcp.tasks import tags

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context


class TagList(BaseModel):
    """Tags with their counts, a page at a time; ``current`` marks the active one."""

    current: str
    tags: list[dict[str, Any]]
    nextCursor: str | None = None
    note: str | None = None


async def list_tags(
    ctx: Context[Any, Any],
    showMetadata: bool = False,
    limit: Annotated[int, Field(ge=1, le=500)] = TAG_PAGE,
    cursor: str | None = None,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> TagList:
    """List tags with counts; paged (pass nextCursor back as cursor)."""
    project = await open_project(ctx, projectRoot, file)
    return TagList(**tag_list(project, showMetadata=showMetadata, limit=limit, cursor=cursor))


async def add_tag(
    ctx: Context[Any, Any],
    name: str | None = None,
    description: str | None = None,
    copyFromCurrent: bool = False,
    copyFromTag: str | None = None,
    fromBranch: Annotated[bool, Field(description="Name it after the current git branch")] = False,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Create a tag (empty or a copy).

    ``fromBranch`` names the tag after the project's current git branch as Task Master does (``feature/Auth`` ->
    ``feature-auth``), and ignores ``name``.
    """
    project = await open_project(ctx, projectRoot, file)
    if fromBranch:
        branch = current_branch(project.paths.root)
        if branch is None:
            raise InvalidInput(
                f"fromBranch needs the project ({project.paths.root}) to be in a git repository with a "
                "branch checked out (not a detached HEAD). Check one out, or pass name instead."
            )
        name = tags.tag_from_branch(branch)
    if not name:
        raise InvalidInput("Pass name (the new tag's name), or fromBranch=true to name it after the git branch.")
    source = copyFromTag or (project.tag(None) if copyFromCurrent else None)
    with project.store.mutate() as doc:
        count = tags.add_tag(doc, name, description=description, copy_from=source)
    return Changed(tag=name, changed=[name], message=f"Created tag '{name}' with {count} task(s).")


async def use_tag(
    ctx: Context[Any, Any],
    name: str,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Switch the current tag."""
    project = await open_project(ctx, projectRoot, file)
    doc = project.store.use_tag(name)
    return Changed(tag=name, changed=[name], message=f"Current tag is now '{name}' ({len(doc.tasks(name))} tasks).")


async def delete_tag(
    ctx: Context[Any, Any],
    name: str,
    yes: bool = True,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Delete a tag and its tasks."""
    project = await open_project(ctx, projectRoot, file)
    with project.store.mutate() as doc:
        count = tags.delete_tag(doc, name)
    project.store.follow_tag_change(name, None)
    return Changed(tag=name, changed=[name], message=f"Deleted tag '{name}' and its {count} task(s).")


async def rename_tag(
    ctx: Context[Any, Any],
    oldName: str,
    newName: str,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Rename a tag."""
    project = await open_project(ctx, projectRoot, file)
    with project.store.mutate() as doc:
        tags.rename_tag(doc, oldName, newName)
    project.store.follow_tag_change(oldName, newName)
    return Changed(tag=newName, changed=[newName], message=f"Renamed tag '{oldName}' to '{newName}'.")


async def copy_tag(
    ctx: Context[Any, Any],
    sourceName: str,
    targetName: str,
    description: str | None = None,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Copy a tag to a new tag."""
    project = await open_project(ctx, projectRoot, file)
    with project.store.mutate() as doc:
        count = tags.copy_tag(doc, sourceName, targetName, description)
    return Changed(tag=targetName, changed=[targetName], message=f"Copied {count} task(s) to '{targetName}'.")
