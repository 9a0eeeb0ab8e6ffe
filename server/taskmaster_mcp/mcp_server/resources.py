"""MCP resources and prompts, for clients that offer them (tools alone remain enough for everything).

Resources (read-only views of the current tag, resolved like tools: TASK_MASTER_PROJECT_ROOT, the client's roots,
then the working directory):

- ``taskmaster://tasks``: compact rows and progress (what ``get_tasks`` returns);
- ``taskmaster://tasks/{id}``: one task or subtask in full (what ``get_task`` returns);
- ``taskmaster://complexity-report``: the complexity report, highest scores first;
- ``taskmaster://graph``: a Mermaid flowchart of the dependencies.

Prompts: ``plan_from_prd``, ``work_on_next_task``, ``review_task``. They embed current data when a project is
found and fall back to instructions when not.

The SDK calls static resources without a Context, so :func:`install` wraps the server's ``read_resource`` to keep the
request's Context in a context variable for the duration of the read.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import BaseModel

from taskmaster_mcp.errors import NotFound, TaskmasterError
from taskmaster_mcp.mcp_server.calls import READ_CONTEXT, open_project
from taskmaster_mcp.tasks import diagrams


def _read() -> Any:
    """The read tools (imported on the first resource read, not at start)."""
    from taskmaster_mcp.mcp_server.tools import read

    return read


def _workflow() -> str:
    from taskmaster_mcp.setup.rules import WORKFLOW

    return WORKFLOW


def _json(model: BaseModel) -> str:
    return model.model_dump_json(exclude_none=True, by_alias=True)


async def _guard(read: Callable[[Context[Any, Any]], Awaitable[str]], ctx: Context[Any, Any] | None = None) -> str:
    """Run ``read`` with the request's Context; our errors reach the client with their message."""
    context = ctx or READ_CONTEXT.get()
    if context is None:  # pragma: no cover - only when read_resource is called outside a request
        raise ResourceError("taskmaster resources are read through an MCP request")
    try:
        return await read(context)
    except NotFound as exc:  # the spec's answer for a resource that does not exist (SEP-2164: -32602)
        raise ResourceNotFoundError(str(exc)) from exc
    except TaskmasterError as exc:
        raise ResourceError(str(exc)) from exc


async def tasks_summary() -> str:
    """Every task of the current tag as compact rows, with progress."""
    return await _guard(lambda ctx: _as_json(_read().get_tasks(ctx, limit=500)))


async def task_by_id(id: str, ctx: Context[Any, Any]) -> str:
    """One task or subtask in full, with blockedBy."""
    return await _guard(lambda c: _as_json(_read().get_task(c, id=id)), ctx)


async def complexity() -> str:
    """The complexity report of the current tag, highest scores first."""
    return await _guard(lambda ctx: _as_json(_read().complexity_report(ctx)))


async def graph() -> str:
    """A Mermaid flowchart of the current tag's dependencies."""

    async def read(ctx: Context[Any, Any]) -> str:
        project = await open_project(ctx, None)
        tag = project.tag(None)
        doc = project.store.read()
        doc.index(tag)
        return diagrams.mermaid(doc.tasks(tag), with_subtasks=False)

    return await _guard(read)


async def _as_json(result: Awaitable[BaseModel]) -> str:
    return _json(await result)


async def _maybe(read: Callable[[], Awaitable[BaseModel]]) -> str | None:
    try:
        return _json(await read())
    except TaskmasterError:
        return None


def plan_from_prd(prd: str = ".taskmaster/docs/prd.txt", numTasks: str = "") -> str:
    """Turn a PRD into tasks, then size and split them."""
    count = f" with numTasks={numTasks}" if numTasks.strip() else ""
    return (
        f'Plan this project from the PRD at `{prd}`. Call `parse_prd` with input="{prd}"{count} (pass projectRoot, '
        "the absolute path of this workspace). Then call `analyze_project_complexity`, and `expand_task` for every "
        "task scoring 7 or more (or `expand_all`). Finish with `get_tasks` and summarise the plan: the order of work, "
        "the riskiest tasks, and any PRD gaps you had to assume."
    )


async def work_on_next_task(ctx: Context[Any, Any]) -> str:
    """Pick the next task and work it through to done."""
    current = await _maybe(lambda: _read().next_task(ctx))
    steps = _workflow().split("\n", 1)[1].strip()
    lead = (
        f"The next task, from `next_task`:\n\n```json\n{current}\n```\n\n"
        if current
        else ("Call `next_task` (pass projectRoot) to find the next task.\n\n")
    )
    return lead + "Work on it following this workflow:\n\n" + steps


async def review_task(id: str, ctx: Context[Any, Any]) -> str:
    """Review a task's implementation against its details and test strategy."""
    try:
        details: str | None = _json(await _read().get_task(ctx, id=id))
    except NotFound as exc:  # a prompt about a task that does not exist would send the agent after nothing
        raise MCPError(INVALID_PARAMS, f"{exc} The review_task prompt needs the id of an existing task.") from exc
    except TaskmasterError:  # no project yet: the prompt tells the agent how to get the task itself
        details = None
    body = f"```json\n{details}\n```\n\n" if details else f"Call `get_task` with id={json.dumps(id)} first.\n\n"
    return (
        f"Review the implementation of task {id}.\n\n{body}"
        "Check the code against the task's details and testStrategy: run the tests it names, look for missing "
        "cases, error handling and anything the description promises that is not done. Call `review` with the id "
        "when that tool is available. Record findings with `update_subtask` (or `update_task` with a prompt). If "
        'everything holds, call `set_task_status` with status "done"; otherwise set "in-progress" and list what '
        "is left."
    )


def install(server: MCPServer[Any]) -> None:
    """Register the resources and prompts on ``server``."""
    json_type = "application/json"
    server.resource("taskmaster://tasks", name="tasks", mime_type=json_type)(tasks_summary)
    server.resource("taskmaster://tasks/{id}", name="task", mime_type=json_type)(task_by_id)
    server.resource("taskmaster://complexity-report", name="complexity-report", mime_type=json_type)(complexity)
    server.resource("taskmaster://graph", name="graph", mime_type="text/vnd.mermaid")(graph)
    server.prompt(name="plan_from_prd")(plan_from_prd)
    server.prompt(name="work_on_next_task")(work_on_next_task)
    server.prompt(name="review_task")(review_task)
