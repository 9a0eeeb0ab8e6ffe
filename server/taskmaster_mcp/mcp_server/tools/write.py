"""Write tools for tasks and subtasks. Each validates, mutates under the store's lock, and returns what changed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project, state_of
from taskmaster_mcp.mcp_server.offload import sync_in_worker
from taskmaster_mcp.mcp_server.tools.params import (
    AsText,
    DepList,
    FileArg,
    Ids,
    MetadataArg,
    Priority,
    ProjectRoot,
    Status,
    TagArg,
    TaskIdArg,
)
from taskmaster_mcp.store.status import set_status
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.jsonvalues import clip
from taskmaster_mcp.tasks.metadata import parse_metadata
from taskmaster_mcp.tasks.model import Ref, Task, check_priority, key, parse_ref, parse_ref_list, split_list
from taskmaster_mcp.tasks.pins import set_pin

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.edit import EditResult
    from taskmaster_mcp.ai.plan import AddedTask
    from taskmaster_mcp.store.project import Project


class Changed(BaseModel):
    """What a write changed."""

    tag: str
    changed: list[str]
    message: str
    task: dict[str, Any] | None = None
    next: dict[str, Any] | None = None


async def set_task_status(
    ctx: Context[Any, Any],
    id: Ids,
    status: Status,
    complexityReport: Annotated[str | None, Field()] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Set status; done on a task also closes its subtasks.

    After done, the result carries the next task, with its complexity from the tag's report (or from
    ``complexityReport``, a report path inside the project, as in Task Master).
    """
    project = await open_project(ctx, projectRoot, file)
    report = project.paths.inside(complexityReport, what="complexityReport") if complexityReport else None
    done = set_status(project, project.tag(tag), parse_ref_list(id), status, report=report)
    changed = done.changed
    message = f"{len(changed)} item(s) set to {status}." if changed else f"{id} already {status}; nothing changed."
    result = Changed(tag=done.tag, changed=changed, message=message)
    result.next = done.next
    return result


async def add_task(
    ctx: Context[Any, Any],
    title: str | None = None,
    description: str = "",
    details: str = "",
    testStrategy: str = "",
    dependencies: DepList = None,
    priority: Priority | None = None,
    prompt: str | None = None,
    research: bool = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed | AddedTask:
    """Add a task from title+description, or from a prompt (AI)."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    if priority is not None:
        check_priority(priority)
    if not title and prompt:
        from taskmaster_mcp.ai.plan import add_task_from_prompt
        from taskmaster_mcp.mcp_server.calls import ai_context

        return await add_task_from_prompt(
            ai_context(ctx, project),
            tag=the_tag,
            prompt=prompt,
            dependencies=split_list(dependencies),
            priority=priority,
            research=research,
        )
    if not title:
        raise InvalidInput("Pass title (and description) for a manual task, or prompt to have the AI draft it.")
    chosen = priority or str(project.config().global_settings.get("defaultPriority") or "medium")

    def section() -> Task:  # off the event loop: add_task is an AI tool, run on the loop (see mcp_server/offload.py)
        with project.store.mutate() as doc:
            return edits.add_task(
                doc,
                the_tag,
                title=title,
                description=description,
                details=details,
                test_strategy=testStrategy,
                dependencies=split_list(dependencies),
                priority=chosen,
            )

    task = await sync_in_worker(section)
    return Changed(tag=the_tag, changed=[key(task["id"])], message=f"Added task {task['id']}.", task=clip(task))


async def add_subtask(
    ctx: Context[Any, Any],
    id: Annotated[str, AsText, Field(description="Parent task id")],
    title: str = "",
    description: str = "",
    details: str = "",
    status: str = "pending",
    dependencies: DepList = None,
    taskId: Annotated[str | None, AsText, Field()] = None,
    skipGenerate: bool = True,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed:
    """Add a subtask, or convert task taskId into one.

    Task Master rewrites the task_NNN.md files after this unless ``skipGenerate``; we never write task files as a
    side effect (call generate), so ``skipGenerate=false`` is refused with that reason rather than ignored.
    """
    no_side_effect_files(skipGenerate)
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    with project.store.mutate() as doc:
        sub = edits.add_subtask(
            doc,
            the_tag,
            id,
            title=title,
            description=description,
            details=details,
            status=status,
            dependencies=split_list(dependencies),
            task_id=taskId,
        )
    sub_id = f"{parse_ref(id).task}.{sub['id']}"
    return Changed(tag=the_tag, changed=[sub_id], message=f"Added subtask {sub_id}.", task=clip(sub))


async def update_task(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    prompt: str | None = None,
    append: bool = False,
    research: bool = False,
    title: str | None = None,
    description: str | None = None,
    details: str | None = None,
    testStrategy: str | None = None,
    priority: Priority | None = None,
    metadata: MetadataArg = None,
    modelRole: Annotated[str | None, Field(description="Pin the task to a role; '' clears")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed | EditResult:
    """Edit a task/subtask: fields as given, prompt = AI rewrite, append = dated note.

    The AI rewrite keeps ids, status, dependencies, metadata and done subtasks. ``append`` stores the prompt
    verbatim with no model call (fast, free, and exactly the agent's words); with ``research`` the research role's
    findings are added under the note. ``metadata`` (a JSON object as text) is merged into the item's metadata when
    the server's environment sets TASK_MASTER_ALLOW_METADATA_UPDATES=true, as in Task Master; it is applied after
    a successful AI rewrite, never before. ``modelRole`` pins the task to a role as set_task_model does (this call's
    rewrite is already routed by it), written with the edit.
    """
    project = await open_project(ctx, projectRoot, file)
    patch = _metadata_patch(ctx, metadata)
    the_tag = project.tag(tag)
    changes = {
        name: value
        for name, value in (
            ("title", title),
            ("description", description),
            ("details", details),
            ("testStrategy", testStrategy),
            ("priority", priority),
        )
        if value is not None
    }
    ref = parse_ref(id)
    pin = _checked_pin(project, ref, modelRole)
    if append and not prompt:
        raise InvalidInput("append=true needs prompt: the text of the note to append.")
    if prompt and (research or not append):
        from taskmaster_mcp.ai import edit as ai_edit
        from taskmaster_mcp.mcp_server.calls import ai_context

        ai = ai_context(ctx, project)
        if pin:
            ai.route_pin = pin
        if not append:
            result = await ai_edit.update_item(
                ai, tag=the_tag, ref=ref, prompt=prompt, research=research, overrides=changes
            )
        else:
            result = await ai_edit.note_with_research(ai, tag=the_tag, ref=ref, note=prompt, changes=changes)
        await sync_in_worker(_merge_after, project, the_tag, ref, patch, modelRole)
        return result
    changed: list[str] = []

    def section() -> None:  # off the event loop (see add_task)
        nonlocal changed
        with project.store.mutate() as doc:
            if changes or prompt or patch or modelRole is None:
                changed = edits.update_fields(doc, the_tag, ref, changes, append=prompt, metadata=patch)
            if modelRole is not None and set_pin(doc.index(the_tag).task(ref.task), pin) and "metadata" not in changed:
                changed.append("metadata")
            if not changed:
                raise NoChange

    await sync_in_worker(section)
    return Changed(
        tag=the_tag,
        changed=[f"{ref}.{name}" for name in changed],
        message=f"Updated {ref}." if changed else f"Nothing to change: {ref} is already so.",
    )


async def update_subtask(
    ctx: Context[Any, Any],
    id: Annotated[str, AsText, Field(description="Subtask id")],
    prompt: Annotated[str | None, Field()] = None,
    research: bool = False,
    metadata: MetadataArg = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Changed | EditResult:
    """Append a dated note to a subtask's details.

    The note is the agent's text verbatim, with no model call: a progress log must record what was done in the
    words of whoever did it, and rewriting it would cost a model call and could lose facts. With ``research`` the
    research role is asked about the note and its findings are appended under it (one text call). ``metadata``
    works as in update_task (needs TASK_MASTER_ALLOW_METADATA_UPDATES=true); prompt or metadata is required.
    """
    project = await open_project(ctx, projectRoot, file)
    patch = _metadata_patch(ctx, metadata)
    the_tag = project.tag(tag)
    ref = parse_ref(id)
    if ref.sub is None:
        raise InvalidInput(f"{id} is not a subtask id. Use 'parent.sub' like '7.2', or update_task for tasks.")
    if not prompt and not patch:
        raise InvalidInput("Pass prompt (the note to append to the subtask), or metadata to merge.")
    if research and prompt:
        from taskmaster_mcp.ai.edit import note_with_research
        from taskmaster_mcp.mcp_server.calls import ai_context

        result = await note_with_research(ai_context(ctx, project), tag=the_tag, ref=ref, note=prompt)
        await sync_in_worker(_merge_after, project, the_tag, ref, patch)
        return result

    def section() -> list[str]:  # off the event loop (see add_task)
        with project.store.mutate() as doc:
            return edits.update_fields(doc, the_tag, ref, {}, append=prompt, metadata=patch)

    changed = await sync_in_worker(section)
    message = f"Appended a note to {ref}." if prompt else f"Merged metadata into {ref}."
    return Changed(tag=the_tag, changed=[f"{ref}.{name}" for name in changed], message=message)


def no_side_effect_files(skip_generate: bool) -> None:
    if not skip_generate:
        raise InvalidInput(
            "skipGenerate=false asks for task files to be rewritten after this change; this server "
            "never writes them as a side effect. Leave skipGenerate out, then call generate to "
            "write the task files."
        )


METADATA_GATE = "TASK_MASTER_ALLOW_METADATA_UPDATES"


def _metadata_patch(ctx: Context[Any, Any], metadata: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """The parsed metadata argument, refused unless the server's environment allows metadata updates."""
    if metadata is None:
        return None
    if state_of(ctx).env.get(METADATA_GATE, "").strip().lower() != "true":
        raise InvalidInput(
            f"metadata updates are off. Set {METADATA_GATE}=true in the env block of the MCP server's "
            "config (as for Task Master), restart it, and retry; or leave metadata out."
        )
    if isinstance(metadata, dict):  # the SDK parsed the text already; refuse what JSON cannot hold, as for text
        try:
            text = json.dumps(metadata, allow_nan=True)
        except (ValueError, RecursionError):
            raise InvalidInput(
                "metadata is nested too deeply or holds values JSON cannot. Pass a plain JSON object."
            ) from None
        return parse_metadata(text)
    return parse_metadata(metadata)


def _merge_after(
    project: Project, tag: str, ref: Ref, patch: dict[str, Any] | None, model_role: str | None = None
) -> None:
    """Merge metadata and set the pin after an AI edit succeeded (so a failed model call changes nothing)."""
    if patch or model_role is not None:
        with project.store.mutate() as doc:
            if patch:
                edits.update_fields(doc, tag, ref, {}, metadata=patch)
            if model_role is not None:
                set_pin(doc.index(tag).task(ref.task), model_role.strip() or None)


def _checked_pin(project: Project, ref: Ref, model_role: str | None) -> str | None:
    """The role ``modelRole`` pins (None: no pin, or clear it); refused before anything is written."""
    if model_role is None or not model_role.strip():
        return None
    if ref.sub is not None:
        raise InvalidInput(f"modelRole pins tasks; {ref} is a subtask, routed by its task's pin. Pass {ref.task}.")
    roles = project.config().role_names()
    if model_role.strip() not in roles:
        raise InvalidInput(
            f"Role '{model_role.strip()}' does not exist; roles are {', '.join(roles)}. Add it with "
            "`models --set-role NAME MODEL` first."
        )
    return model_role.strip()
