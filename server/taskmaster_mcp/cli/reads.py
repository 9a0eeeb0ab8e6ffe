"""Plain reads without the tool's models: ``list``, ``next``, ``show`` and ``tags`` answered from the core the tools
call.

``get_tasks``, ``get_task``, ``next_task`` (without a claim) and ``list_tags`` are thin: they resolve the project
(:func:`taskmaster_mcp.mcp_server.calls.open_project`) and return :mod:`taskmaster_mcp.store.task_reads`' answer
wrapped in a result model. A CLI read does the same two steps and keeps the answer as it is, so a terminal read pays
for neither pydantic nor the tool modules, and answers what the tool answers (``tests/cli/test_cli_direct.py``).

A call is a plain read only when every argument is one the tool takes, of the exact type it declares (a string, a
flag, a whole number in range); anything else goes to the tool function, whose signature words the refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskmaster_mcp.mcp_server.state import AppState

Read = Callable[["AppState"], Awaitable[dict[str, Any]]]

_TEXT = ("projectRoot", "complexityReport", "tag", "file")
# Each plain read's arguments, by the type the tool declares for them.
_ARGUMENTS: dict[str, dict[str, type]] = {
    "get_tasks": {
        **dict.fromkeys((*_TEXT, "status", "fields", "cursor"), str),
        **dict.fromkeys(("withSubtasks", "parallel"), bool),
        "limit": int,
    },
    "get_task": dict.fromkeys((*_TEXT, "id", "status"), str),
    "next_task": dict.fromkeys(_TEXT, str),
    "list_tags": {"projectRoot": str, "file": str, "cursor": str, "showMetadata": bool, "limit": int},
}
_LIMITS = range(1, 501)  # get_tasks' and list_tags' limit: Field(ge=1, le=500)


def _plain(tool: str, given: dict[str, Any]) -> bool:
    declared = _ARGUMENTS.get(tool)
    if declared is None or (tool == "get_task" and "id" not in given):
        return False
    if not all(name in declared and type(value) is declared[name] for name, value in given.items()):
        return False
    return "limit" not in given or given["limit"] in _LIMITS


def plain_read(tool: str, given: dict[str, Any]) -> Read | None:
    """How to answer ``tool`` with ``given`` (arguments without ``None``) as a plain read, or None."""
    if not _plain(tool, given):
        return None

    async def read(state: AppState) -> dict[str, Any]:
        from taskmaster_mcp.cli.call_context import CallContext
        from taskmaster_mcp.mcp_server.calls import open_project
        from taskmaster_mcp.store import task_reads

        arguments = dict(given)
        project = await open_project(
            CallContext(state, None),  # pyright: ignore[reportArgumentType]  # what open_project reads of a Context
            arguments.pop("projectRoot", None),
            arguments.pop("file", None),
        )
        if tool == "get_tasks":
            return task_reads.task_page(project, **arguments)
        if tool == "get_task":
            return task_reads.task_details(project, **arguments)
        if tool == "list_tags":
            return task_reads.tag_list(project, **arguments)
        return task_reads.next_pick(project, **arguments)

    return read
