"""``enable_tools``: the agent switches a group of tools on, and the client hears ``tools/list_changed``.

The default listing holds the daily loop (see :mod:`taskmaster_mcp.mcp_server.catalogue`); the other groups are one
call away. Every served tool is callable by name whether listed or not, so a rule written for a hidden tool still
works.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.catalogue import GROUPS, group_tools
from taskmaster_mcp.mcp_server.lazytools import LazyToolServer

log = logging.getLogger("taskmaster_mcp")


class ToolsEnabled(BaseModel):
    """The tools newly listed, and every group with its tools."""

    enabled: list[str]
    groups: dict[str, list[str]]


async def enable_tools(
    ctx: Context[Any, Any],
    groups: Annotated[str, Field(description="Comma list of groups, or all")],
) -> ToolsEnabled:
    """List more tools: groups tasks (remove/move/clear subtasks, generate), dependencies (fix), planning (update
    from an id, review, scope up/down), tags (add/rename/copy/delete), project (usage, rules, language), autopilot
    (TDD workflow), routing (per-task models, benchmark), or all."""
    names, unknown = group_tools(groups)
    if unknown or not names:
        raise InvalidInput(
            f"Unknown tool group(s): {', '.join(unknown) or repr(groups)}. "
            f"Pass one or more of {', '.join(GROUPS)}, or all."
        )
    server = ctx.mcp_server
    new = server.enable(names, ctx.session) if isinstance(server, LazyToolServer) else []
    if new:
        await _announce(ctx)
    return ToolsEnabled(enabled=new, groups={group: list(members) for group, members in GROUPS.items()})


async def _announce(ctx: Context[Any, Any]) -> None:
    """``notifications/tools/list_changed``: on the session (2025 era) and to ``subscriptions/listen`` streams
    (2026 era)."""
    try:
        if ctx.session.can_send_request:
            await ctx.session.send_tool_list_changed()
        await ctx.notify_tools_changed()
    except Exception as exc:  # a client that went away must not fail the switch
        log.debug("tools/list_changed not sent: %s", exc)
