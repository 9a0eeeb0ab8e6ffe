"""build_app(): the MCP server, its lifespan state, and which tools it exposes.

Which tools are served and listed comes from the catalogue (:mod:`taskmaster_mcp.mcp_server.catalogue`) and the
profile in env ``TASK_MASTER_TOOLS`` (see :func:`select_tools` and ``docs/tools.md``).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from taskmaster_mcp import __version__
from taskmaster_mcp.mcp_server.catalogue import CATALOGUE, CORE, DEFAULT_TOOLS, STANDARD, SWITCHER, ToolSpec
from taskmaster_mcp.mcp_server.logs import level_from
from taskmaster_mcp.mcp_server.state import AppState

if TYPE_CHECKING:  # the SDK is imported when a server is built: the CLI reads the catalogue and calls tools without it
    from mcp.server import MCPServer
from taskmaster_mcp.store.roots import usable_env

log = logging.getLogger("taskmaster_mcp")

INSTRUCTIONS = (
    "Task Master-compatible project tasks in .taskmaster/. Start with next_task or get_tasks (compact, paged); "
    "get_task for details. Every tool takes projectRoot: the absolute path of the project (pass your workspace "
    "folder). Most take tag (default: the current tag) and file (a tasks.json path inside the project). "
    "Ids: task '7', subtask '7.2', lists '7,8'."
)


SWITCHER_HINT = " More tools (tags, dependencies, autopilot, routing, review...): enable_tools."


def _register(server: MCPServer[AppState], spec: ToolSpec) -> None:
    from taskmaster_mcp.mcp_server.registration import register

    register(server, spec)


def _install_resources(server: MCPServer[AppState]) -> None:
    """Resources and prompts (tools alone stay enough for everything), registered on first use."""
    from taskmaster_mcp.mcp_server import resources

    resources.install(server)


def select_tools(profile: str | None, available: list[str]) -> tuple[list[str], list[str] | None, list[str]]:
    """The tools served and listed for a ``TASK_MASTER_TOOLS`` value, and warnings for stderr.

    Unset or ``default``: every tool is served (callable by name), but only :data:`DEFAULT_TOOLS` are listed until
    the agent switches more groups on with ``enable_tools``. ``all``: every tool listed. ``core`` (alias ``lean``)
    and ``standard``: Task Master's profiles. Otherwise a comma list of names (case-insensitive, ``-`` and ``_``
    alike). An unknown name is skipped with a warning; a list naming no tool we have serves every tool, with a
    warning, rather than a server with nothing on it. The listed names are None when every served tool is listed.
    """
    value = (profile or "default").strip().lower()
    plain = [n for n in available if n != SWITCHER]
    if value == "default":
        return list(available), [n for n in available if n in DEFAULT_TOOLS], []
    if value == "all":
        return plain, None, []
    if value in ("core", "lean"):
        return [n for n in available if n in CORE], None, []
    if value == "standard":
        return [n for n in available if n in STANDARD], None, []
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    known = {name.lower().replace("-", "_"): name for name in available}
    chosen = {known[name.replace("-", "_")] for name in wanted if name.replace("-", "_") in known}
    unknown = [name for name in wanted if name.replace("-", "_") not in known]
    warnings = [f"TASK_MASTER_TOOLS: unknown tool(s) skipped: {', '.join(unknown)}."] if unknown else []
    if not chosen:
        warnings.append(
            f"TASK_MASTER_TOOLS={profile!r} names no tool of this server; serving all {len(plain)} "
            "tools. Use default, all, core, standard, or a comma list of tool names."
        )
        return plain, None, warnings
    return [n for n in available if n in chosen], None, warnings


def tool_specs() -> dict[str, ToolSpec]:
    """Every tool this server has, by name (what the CLI calls in process)."""
    return {spec.name: spec for spec in CATALOGUE}


def build_app(
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    *,
    profile: str | None = None,
    tool_cache: Path | None = None,
    pinned_root: Path | None = None,
) -> MCPServer[AppState]:
    """Build the server. ``env`` defaults to ``os.environ`` and ``cwd`` to the working directory.

    ``pinned_root`` pins every call to one project (a shared HTTP server; see :mod:`taskmaster_mcp.mcp_server.calls`).

    Tools are registered with the SDK on first use; ``tool_cache`` (a directory) lets ``tools/list`` be answered
    from the listing cached by an earlier start (see :mod:`taskmaster_mcp.mcp_server.lazytools`).
    """
    # A variable whose value is a client's unexpanded template (an empty optional field of the Claude Desktop
    # bundle) is unset: it must not pin the project root, pick a tool profile or pass for an API key.
    from taskmaster_mcp.mcp_server import rootcache
    from taskmaster_mcp.mcp_server.lazytools import LazyToolServer

    environment = usable_env(os.environ if env is None else env)
    working_dir = cwd or Path.cwd()

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncGenerator[AppState]:
        state = AppState(env=environment, cwd=working_dir, pinned_root=pinned_root)
        try:
            yield state
        finally:
            await state.aclose()

    names, listed, warnings = select_tools(
        profile if profile is not None else environment.get("TASK_MASTER_TOOLS"), [s.name for s in CATALOGUE]
    )
    server = LazyToolServer(
        "taskmaster-mcp",
        instructions=INSTRUCTIONS + (SWITCHER_HINT if listed is not None else ""),
        version=__version__,
        lifespan=lifespan,
        log_level=level_from(environment),
        cache_dir=tool_cache,
    )
    for warning in warnings:
        log.warning("%s", warning)
    chosen = set(names)
    for spec in CATALOGUE:
        if spec.name in chosen:
            server.defer_tool(spec.name, functools.partial(_register, server, spec))
    if listed is not None:
        server.list_only(listed)
    server.defer_extras(functools.partial(_install_resources, server))
    rootcache.install(server, lambda state: state.session_roots if isinstance(state, AppState) else None)
    return server
