"""The MCP side of a tool call: server state, the client's roots, and the project the call acts on.

:func:`open_project` applies the root resolution rules of :mod:`taskmaster_mcp.project`, using the client's
declared MCP roots when there are any.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context

from .errors import InvalidInput
from .project import file_uri_to_path, resolve_root
from .workspace import AppState, Project

log = logging.getLogger("taskmaster_mcp")

ROOTS_TIMEOUT_SECONDS = 2.0


def state_of(ctx: Context[Any, Any]) -> AppState:
    """The AppState of the running server."""
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - only if the server was built without build_app
        raise InvalidInput("server state is missing; build the server with taskmaster_mcp.app.build_app")
    return state


async def client_roots(ctx: Context[Any, Any]) -> list[Path] | None:
    """The client's declared ``file://`` roots, or None when it declares no roots capability."""
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = await asyncio.wait_for(ctx.session.list_roots(), ROOTS_TIMEOUT_SECONDS)
    except Exception as exc:  # a client that declares roots but cannot answer: behave as if it had none
        log.info("roots/list failed (%s); ignoring client roots", type(exc).__name__)
        return None
    paths = [file_uri_to_path(str(root.uri)) for root in result.roots]
    return [p for p in paths if p is not None] or None


async def open_project(ctx: Context[Any, Any], project_root: str | None, file: str | None = None) -> Project:
    """Resolve the project for a tool call (see :mod:`taskmaster_mcp.project` for the order and the rules)."""
    state = state_of(ctx)
    shared = state.env.get("TASKMASTER_MCP_SHARED_ROOT")
    if shared:  # a shared HTTP server serves the one project it was started for
        return state.project_at(Path(shared), file)
    roots = await client_roots(ctx)
    root = resolve_root(project_root, env_root=state.env.get("TASK_MASTER_PROJECT_ROOT"), client_roots=roots,
                        cwd=state.cwd)
    return state.project_at(root, file)
