"""Routing tools: ``route`` (dry run), ``set_task_model`` (a per-task pin), ``assign_models`` (proposed pins).

The policy itself is :mod:`taskmaster_mcp.models.routing.rules`; the dry run and proposals are
:mod:`taskmaster_mcp.models.routing_table`; the pin is :mod:`taskmaster_mcp.tasks.pins`. Only ``assign_models`` with
``classify`` calls a model (:mod:`taskmaster_mcp.ai.assign`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, Ids, ProjectRoot, TagArg
from taskmaster_mcp.store.reports import scores_by_task
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks.model import parse_ref, split_list

if TYPE_CHECKING:  # the model layer is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.assign import AssignResult
    from taskmaster_mcp.models.routing.rules import Policy
    from taskmaster_mcp.models.routing_table import PinResult, RouteTable
    from taskmaster_mcp.store.project import Project


def _policy(project: Project) -> Policy:
    from taskmaster_mcp.models.routing.rules import policy_of
    from taskmaster_mcp.store.settings import settings_from_config

    config = project.config()
    return policy_of(config, settings_from_config(config))


async def route(
    ctx: Context[Any, Any], projectRoot: ProjectRoot = None, tag: TagArg = None, file: FileArg = None
) -> RouteTable:
    """Dry run: per open task, the role each AI command would start on and the rule that chose it."""
    from taskmaster_mcp.models.routing_table import RouteTable, role_models, route_rows

    project = await open_project(ctx, projectRoot, file)
    project.store.require_initialized()
    the_tag = project.tag(tag)
    policy = _policy(project)
    tasks = project.store.read().index(the_tag).tasks
    rows = route_rows(project.config(), policy, tasks, scores_by_task(project.paths, the_tag))
    return RouteTable(
        tag=the_tag,
        roles=role_models(project.config()),
        rows=rows,
        note=None if rows else f"No open tasks in tag '{the_tag}'.",
    )


def _write_pins(project: Project, tag: str, pins: dict[str, str | None]) -> list[str]:
    from taskmaster_mcp.tasks.pins import set_pin

    changed: list[str] = []
    with project.store.mutate() as doc:
        index = doc.index(tag)
        found = [(tid, index.task(tid)) for tid in pins]  # every id checked before anything changes
        for tid, task in found:
            if set_pin(task, pins[tid]):
                changed.append(tid)
        if not changed:
            raise NoChange
    return changed


async def set_task_model(
    ctx: Context[Any, Any],
    id: Ids,
    role: Annotated[str | None, Field(description="Role to pin; omit to clear")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> PinResult:
    """Pin tasks to a model role (routing hint in metadata; beats routing rules)."""
    from taskmaster_mcp.models.routing_table import PinResult

    project = await open_project(ctx, projectRoot, file)
    project.store.require_initialized()
    refs = [parse_ref(i) for i in split_list(id)]
    if not refs or any(r.sub is not None for r in refs):
        raise InvalidInput("Pass task ids like '7' or '7,8'; a subtask is routed by its task's pin.")
    role = role.strip() if role else None
    config = project.config()
    if role is not None and role not in config.role_names():
        raise InvalidInput(
            f"Role '{role}' does not exist; roles are {', '.join(config.role_names())}. Add it "
            "with `models --set-role NAME MODEL` (or taskmasterMcp.roles in config.json) first."
        )
    the_tag = project.tag(tag)
    changed = _write_pins(project, the_tag, {r.task: role for r in dict.fromkeys(refs)})
    what = f"pinned to {role}" if role else "unpinned"
    message = f"{len(changed)} task(s) {what}." if changed else f"Nothing changed: already {what}."
    return PinResult(tag=the_tag, changed=changed, message=message)


async def assign_models(
    ctx: Context[Any, Any],
    apply: Annotated[bool, Field(description="Write the proposed pins")] = False,
    minConfidence: Annotated[float, Field(ge=0, le=1, description="Type confidence needed")] = 0.5,
    classify: Annotated[bool, Field(description="Ask the model about unsure types")] = False,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> AssignResult:
    """Propose a model role per open task from type + complexity rules; apply writes pins."""
    from taskmaster_mcp.ai.assign import assign_models as assign
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await assign(
        ai_context(ctx, project), tag=project.tag(tag), apply=apply, min_confidence=minConfidence, use_model=classify
    )
