"""build_app(): the MCP server, its lifespan state, and which tools it exposes.

Tool profiles (env ``TASK_MASTER_TOOLS``, as in Task Master): ``core``, ``standard``, ``all``, or a comma list of
tool names (case-insensitive, ``-`` = ``_``). The default is ``all``: every tool of this server together costs
less ``tools/list`` space than Task Master's seven core tools (measured by ``tests/bench/bench_context.py``), so
there is no reason to hide any of them from the agent.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from mcp.server import MCPServer

from taskmaster_mcp import __version__
from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.mcp_server.lazytools import LazyToolServer
from taskmaster_mcp.mcp_server.logs import level_from
from taskmaster_mcp.mcp_server.registration import ToolFn, register
from taskmaster_mcp.mcp_server.state import AppState
from taskmaster_mcp.mcp_server.tools import (
    dependencies,
    edit,
    expand,
    models,
    plan,
    project,
    read,
    research,
    review,
    scope,
    tags,
    write,
)

log = logging.getLogger("taskmaster_mcp")

INSTRUCTIONS = (
    "Task Master-compatible project tasks in .taskmaster/. Start with next_task or get_tasks (compact, paged); "
    "get_task for details. Every tool takes projectRoot: the absolute path of the project (pass your workspace "
    "folder). Most take tag (default: the current tag) and file (a tasks.json path inside the project). "
    "Ids: task '7', subtask '7.2', lists '7,8'."
)


@dataclass(frozen=True)
class ToolSpec:
    """A tool function with its MCP annotations."""

    fn: ToolFn
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    hidden: frozenset[str] = frozenset({"file"})


def _catalogue() -> list[ToolSpec]:
    r, w, d, t = read, write, dependencies, tags
    return [
        ToolSpec(r.get_tasks, read_only=True),
        ToolSpec(r.next_task, read_only=True),
        ToolSpec(r.get_task, read_only=True),
        ToolSpec(w.set_task_status, idempotent=True),
        ToolSpec(w.update_subtask, open_world=True),
        ToolSpec(w.add_task, open_world=True),
        ToolSpec(w.add_subtask),
        ToolSpec(w.update_task, open_world=True),
        ToolSpec(w.remove_task, destructive=True),
        ToolSpec(w.remove_subtask, destructive=True),
        ToolSpec(w.clear_subtasks, destructive=True, idempotent=True),
        ToolSpec(w.move_task),
        ToolSpec(d.add_dependency),
        ToolSpec(d.remove_dependency, destructive=True),
        ToolSpec(d.validate_dependencies, read_only=True),
        ToolSpec(d.fix_dependencies, destructive=True, idempotent=True),
        ToolSpec(r.complexity_report, read_only=True, hidden=frozenset()),
        ToolSpec(t.list_tags, read_only=True),
        ToolSpec(t.add_tag),
        ToolSpec(t.use_tag, idempotent=True),
        ToolSpec(t.delete_tag, destructive=True),
        ToolSpec(t.rename_tag),
        ToolSpec(t.copy_tag),
        ToolSpec(project.initialize_project, idempotent=True),
        ToolSpec(project.generate, idempotent=True),
        ToolSpec(plan.parse_prd, open_world=True),
        ToolSpec(edit.update, open_world=True),
        ToolSpec(research.research, open_world=True),
        ToolSpec(review.review, open_world=True),
        ToolSpec(expand.expand_task, open_world=True),
        ToolSpec(expand.expand_all, open_world=True),
        ToolSpec(expand.analyze_project_complexity, open_world=True),
        ToolSpec(scope.scope_up_task, open_world=True),
        ToolSpec(scope.scope_down_task, open_world=True),
        ToolSpec(models.models, open_world=True),
        ToolSpec(models.usage_report, read_only=True),
    ]


CORE = ("get_tasks", "next_task", "get_task", "set_task_status", "update_subtask", "parse_prd", "expand_task")
STANDARD = (*CORE, "initialize_project", "analyze_project_complexity", "expand_all", "add_subtask", "remove_task",
            "add_task", "complexity_report")


def select_tools(profile: str | None, available: list[str]) -> list[str]:
    """Tool names for a ``TASK_MASTER_TOOLS`` value; unknown names are an error naming the valid ones."""
    value = (profile or "all").strip().lower()
    if value == "all":
        return list(available)
    if value == "core":
        return [n for n in available if n in CORE]
    if value == "standard":
        return [n for n in available if n in STANDARD]
    wanted = [part.strip().replace("-", "_") for part in value.split(",") if part.strip()]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ConfigError(
            f"TASK_MASTER_TOOLS names unknown tool(s) {', '.join(unknown)}. Use core, standard, all, or a comma "
            f"list of: {', '.join(available)}."
        )
    return [n for n in available if n in wanted]


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
    environment = dict(os.environ if env is None else env)
    working_dir = cwd or Path.cwd()

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncGenerator[AppState]:
        state = AppState(env=environment, cwd=working_dir, pinned_root=pinned_root)
        try:
            yield state
        finally:
            await state.aclose()

    server = LazyToolServer(
        "taskmaster-mcp", instructions=INSTRUCTIONS, version=__version__, lifespan=lifespan,
        log_level=level_from(environment), cache_dir=tool_cache,
    )
    specs = _catalogue()
    chosen = set(select_tools(profile if profile is not None else environment.get("TASK_MASTER_TOOLS"),
                              [s.fn.__name__ for s in specs]))
    for spec in specs:
        if spec.fn.__name__ in chosen:
            server.defer_tool(spec.fn.__name__, functools.partial(
                register, server, spec.fn, read_only=spec.read_only, destructive=spec.destructive,
                idempotent=spec.idempotent, open_world=spec.open_world, hidden=spec.hidden))
    from taskmaster_mcp.mcp_server import resources  # resources and prompts (tools alone stay enough)

    resources.install(server)
    return server
