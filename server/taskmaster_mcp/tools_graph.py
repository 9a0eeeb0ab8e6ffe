"""Dependency and tag tools."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from . import deps, tags
from .callctx import open_project
from .errors import NotFound
from .params import FileArg, ProjectRoot, TagArg, TaskIdArg
from .store import NoChange, now_iso
from .tasks import deps_of, parse_ref
from .tools_write import Changed


class DependencyReport(BaseModel):
    """Dependency problems found (or removed, for fix_dependencies)."""

    tag: str
    valid: bool
    issues: list[dict[str, str]]
    message: str


class TagList(BaseModel):
    """Every tag with its counts; ``current`` marks the active one."""

    current: str
    tags: list[dict[str, Any]]


async def add_dependency(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    dependsOn: Annotated[str, Field()],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Add a dependency (cycles refused)."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    item, target = parse_ref(id), parse_ref(dependsOn)
    with project.store.mutate() as doc:
        index = doc.index(the_tag)
        deps.check_new_dependency(index, item, target)
        task, sub = index.get(item)
        holder = sub if sub is not None else task
        current = deps_of(holder)
        value = deps.encode_dependency(item, target, current)
        holder["dependencies"] = [*current, value]
    return Changed(tag=the_tag, changed=[str(item)], message=f"{item} now depends on {target}.")


async def remove_dependency(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    dependsOn: Annotated[str, Field()],
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Remove a dependency."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    item, target = parse_ref(id), parse_ref(dependsOn)
    with project.store.mutate() as doc:
        index = doc.index(the_tag)
        task, sub = index.get(item)
        holder = sub if sub is not None else task
        current = deps_of(holder)
        resolved = list(index.dep_refs(task, sub))
        keep = [value for value, ref in zip(current, resolved, strict=True) if ref != target]
        if len(keep) == len(current):
            raise NotFound(f"{item} does not depend on {target}. Its dependencies: "
                           f"{', '.join(str(r) for r in resolved) or 'none'}.")
        holder["dependencies"] = keep
    return Changed(tag=the_tag, changed=[str(item)], message=f"{item} no longer depends on {target}.")


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
    message = "All dependencies are valid." if not found else \
        f"{len(found)} problem(s). fix_dependencies removes them."
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
    message = f"Removed {len(removed)} invalid dependenc{'y' if len(removed) == 1 else 'ies'}." if removed else \
        "All dependencies were already valid; nothing changed."
    return DependencyReport(tag=the_tag, valid=True, issues=_issue_rows(removed), message=message)


async def list_tags(
    ctx: Context[Any, Any],
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> TagList:
    """List tags with counts."""
    project = await open_project(ctx, projectRoot, file)
    current = project.tag(None)
    return TagList(current=current, tags=tags.list_tags(project.store.read(), current))


async def add_tag(
    ctx: Context[Any, Any],
    name: str,
    description: str | None = None,
    copyFromCurrent: bool = False,
    copyFromTag: str | None = None,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Create a tag (empty or a copy)."""
    project = await open_project(ctx, projectRoot, file)
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
    project.store.require_initialized()
    doc = project.store.read()
    if doc.exists and not doc.has_tag(name):
        raise NotFound(f"Tag '{name}' does not exist. Existing: {', '.join(doc.tags())}. Create it with add_tag.")

    def switch(state: dict[str, Any]) -> None:
        state["currentTag"] = name
        state["lastSwitched"] = now_iso()

    project.store.update_state(switch)
    return Changed(tag=name, changed=[name], message=f"Current tag is now '{name}' ({len(doc.tasks(name))} tasks).")


async def delete_tag(
    ctx: Context[Any, Any],
    name: str,
    projectRoot: ProjectRoot = None,
    file: FileArg = None,
) -> Changed:
    """Delete a tag and its tasks."""
    project = await open_project(ctx, projectRoot, file)
    with project.store.mutate() as doc:
        count = tags.delete_tag(doc, name)
    if project.store.current_tag() == name:
        project.store.update_state(lambda s: s.update(currentTag="master", lastSwitched=now_iso()))
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
    if project.store.current_tag() == oldName:
        project.store.update_state(lambda s: s.update(currentTag=newName))
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
