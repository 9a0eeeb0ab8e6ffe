"""The CLI's way to the tools: the SDK's in-memory client over the very server an editor would start.

One :class:`ToolSession` serves one command, however many calls it makes (``list --all-tags`` makes one per tag).
A tool's error, or a tool or parameter this server does not have, raises :class:`CommandFailed` carrying the tool's
text as the agent would read it; :mod:`taskmaster_mcp.cli.messages` rewrites it for a person at the boundary.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from taskmaster_mcp.cli.spec import ToolCall


class CommandFailed(Exception):
    """A tool returned an error (or is not available); ``exit_code`` is 1, or 2 when the arguments were wrong."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ToolSession:
    """Calls tools through one connected in-memory client (see :func:`session`)."""

    def __init__(self, client: Any, tools: set[str]) -> None:
        self._client = client
        self._tools = tools

    async def call(self, tool: str, arguments: dict[str, Any], progress: Any = None) -> dict[str, Any]:
        """The tool's structured result; CommandFailed on a tool error (an unknown parameter is one: the server
        names it) or when this server has no such tool."""
        given = {k: v for k, v in arguments.items() if v is not None and v is not False}
        if tool not in self._tools:
            raise CommandFailed(f"this version of taskmaster-mcp has no {tool} tool, which this command needs")
        result = await self._client.call_tool(tool, given, progress_callback=progress)
        if result.is_error:
            text = str(getattr(result.content[0], "text", "")) if result.content else ""
            raise CommandFailed(text.removeprefix(f"Error executing tool {tool}: "))
        return dict(result.structured_content or {})

    async def run(self, planned: ToolCall, progress: Any = None) -> dict[str, Any]:
        """A planned call (its follow-ups run after it, in order; their results are not returned)."""
        data = await self.call(planned.tool, planned.arguments, progress)
        for followup in planned.followups:
            await self.call(followup.tool, followup.arguments)
        return data


@asynccontextmanager
async def session(project: str | None, env: Mapping[str, str] | None = None) -> AsyncGenerator[ToolSession]:
    """A connected session on the server for ``project`` (a folder; default the working directory)."""
    from mcp import Client

    from taskmaster_mcp.mcp_server.app import build_app

    cwd = Path(project).resolve() if project else Path.cwd()
    app = build_app(env=dict(os.environ if env is None else env), cwd=cwd, profile="all")
    try:
        async with Client(app) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            yield ToolSession(client, tools)
    except BaseExceptionGroup as group:  # the client's task groups wrap whatever the command raised inside them
        raise _sole(group) from None


def _sole(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception a (nested) group carries, or the group itself when it carries several."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        item = pending.pop()
        if isinstance(item, BaseExceptionGroup):
            pending.extend(item.exceptions)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        else:
            leaves.append(item)
    return leaves[0] if len(leaves) == 1 else group


async def call(
    tool: str,
    arguments: dict[str, Any],
    project: str | None,
    *,
    env: Mapping[str, str] | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Call one tool in a session of its own."""
    async with session(project, env) as tools:
        return await tools.call(tool, arguments, progress)
