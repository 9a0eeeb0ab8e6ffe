"""Tools that change the plan's shape: remove tasks or subtasks, clear subtasks, move tasks (within a tag or to
another). The rules are :mod:`taskmaster_mcp.tasks.edits` and :mod:`taskmaster_mcp.tasks.moves`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import AsText, FileArg, Ids, ProjectRoot, TagArg
from taskmaster_mcp.mcp_server.tools.write import Changed, no_side_effect_files
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits, moves
from taskmaster_mcp.tasks.model import parse_ref_list

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context


async def remove_task(
    ctx: Context[Any, Any],
    id: Ids,
    confirm: bool = True,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Delete tasks/subtasks and all dependencies on them.

    ``confirm`` (Task Master's) is accepted for compatibility: a tool call is the confirmation, nothing prompts.
    """
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    with project.store.mutate() as doc:
        removed = edits.remove(doc, the_tag, parse_ref_list(id))
    return Changed(tag=the_tag, changed=removed, message=f"Removed {len(removed)} item(s).")


async def remove_subtask(
    ctx: Context[Any, Any],
    id: Ids,
    convert: bool = False,
    skipGenerate: bool = True,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Remove subtasks (7.2), or convert them to tasks.

    ``skipGenerate`` as in add_subtask.
    """
    no_side_effect_files(skipGenerate)
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    with project.store.mutate() as doc:
        result = edits.remove_subtask(doc, the_tag, parse_ref_list(id), convert)
    verb = "Converted" if convert else "Removed"
    return Changed(tag=the_tag, changed=result, message=f"{verb} {len(result)} subtask(s).")


async def clear_subtasks(
    ctx: Context[Any, Any],
    id: Annotated[str | None, AsText, Field(description="Task id(s)")] = None,
    all: Annotated[bool, Field()] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Remove all subtasks of tasks id (or every task: all)."""
    if not id and not all:
        raise InvalidInput("Pass id (task ids like '7,8') or all=true.")
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    with project.store.mutate() as doc:
        cleared = edits.clear_subtasks(doc, the_tag, None if all and not id else parse_ref_list(id or ""))
        if not cleared:
            raise NoChange
    message = f"Cleared subtasks of {len(cleared)} task(s)." if cleared else "No subtasks to clear; nothing changed."
    return Changed(tag=the_tag, changed=cleared, message=message)


async def move_task(
    ctx: Context[Any, Any],
    from_: Annotated[str, AsText, Field(alias="from")],
    to: Annotated[str | None, AsText, Field(description="New id")] = None,
    fromTag: str | None = None,
    toTag: str | None = None,
    withDependencies: bool = False,
    ignoreDependencies: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Move a task/subtask to a new id, or tasks to toTag."""
    project = await open_project(ctx, projectRoot, file)
    if toTag is not None and toTag != (fromTag or project.tag(tag)):
        source_tag = fromTag or project.tag(tag)
        with project.store.mutate() as doc:
            mapping = moves.move_across(
                doc,
                source_tag,
                toTag,
                parse_ref_list(from_),
                with_dependencies=withDependencies,
                ignore_dependencies=ignoreDependencies,
            )
        renamed = [f"{o}->{n}" for o, n in mapping.items() if o != n]
        msg = f"Moved {len(mapping)} task(s) from '{source_tag}' to '{toTag}'."
        if renamed:
            msg += f" Renumbered in target: {', '.join(renamed)}."
        return Changed(tag=toTag, changed=[f"{toTag}:{n}" for n in mapping.values()], message=msg)
    if not to:
        raise InvalidInput("Pass to (the new id) to move within a tag, or toTag to move to another tag.")
    sources, targets = parse_ref_list(from_), parse_ref_list(to)
    if len(sources) != len(targets):
        raise InvalidInput(f"from has {len(sources)} id(s) but to has {len(targets)}; give one destination each.")
    the_tag = fromTag or project.tag(tag)
    with project.store.mutate() as doc:
        done: list[str] = []
        for source, dest in zip(sources, targets, strict=True):
            done.append(moves.move_within(doc, the_tag, source, dest))
            doc.changed()
    return Changed(tag=the_tag, changed=[str(t) for t in targets], message="; ".join(done) + ".")
