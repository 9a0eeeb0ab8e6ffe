"""Dependency tools: add, remove, validate and fix. The rules live in :mod:`taskmaster_mcp.tasks.dependencies`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import AsText, FileArg, ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.mcp_server.tools.write import Changed
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks.model import parse_ref

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context


class DependencyReport(BaseModel):
    """Dependency problems found (or removed, for fix_dependencies)."""

    tag: str
    valid: bool
    issues: list[dict[str, str]]
    message: str


async def add_dependency(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    dependsOn: Annotated[str, AsText, Field()],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Add a dependency (cycles refused)."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    item = parse_ref(id)
    with project.store.mutate() as doc:
        target = deps.target_of(doc.index(the_tag), item, dependsOn)
        if not deps.add(doc.index(the_tag), item, target):
            raise NoChange
        return Changed(tag=the_tag, changed=[str(item)], message=f"{item} now depends on {target}.")
    return Changed(tag=the_tag, changed=[], message=f"{item} already depends on {target}; nothing changed.")


async def remove_dependency(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    dependsOn: Annotated[str, AsText, Field()],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Remove a dependency."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    item = parse_ref(id)
    with project.store.mutate() as doc:
        target = deps.target_of(doc.index(the_tag), item, dependsOn)
        if not deps.remove(doc.index(the_tag), item, target):
            raise NoChange
        return Changed(tag=the_tag, changed=[str(item)], message=f"{item} no longer depends on {target}.")
    return Changed(tag=the_tag, changed=[], message=f"{item} does not depend on {target}; nothing changed.")


def _issue_rows(found: list[deps.DependencyIssue]) -> list[dict[str, str]]:
    return [{"id": i.item, "dependsOn": i.dependency, "problem": i.problem} for i in found]


async def validate_dependencies(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> DependencyReport:
    """Find invalid dependencies (missing, self, duplicate, cycles)."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    found = deps.validate(project.store.read().index(the_tag))
    message = "All dependencies are valid." if not found else f"{len(found)} problem(s). fix_dependencies removes them."
    return DependencyReport(tag=the_tag, valid=not found, issues=_issue_rows(found), message=message)


async def fix_dependencies(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> DependencyReport:
    """Remove invalid dependencies."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    with project.store.mutate() as doc:
        removed = deps.fix(doc.index(the_tag))
        if not removed:
            raise NoChange
    message = (
        f"Removed {len(removed)} invalid dependenc{'y' if len(removed) == 1 else 'ies'}."
        if removed
        else "All dependencies were already valid; nothing changed."
    )
    return DependencyReport(tag=the_tag, valid=True, issues=_issue_rows(removed), message=message)
