"""build_app(): the MCP server, its lifespan state, and which tools it exposes.

Tool profiles (env ``TASK_MASTER_TOOLS``, as in Task Master): ``core``, ``standard``, ``all``, or a comma list of
tool names (case-insensitive, ``-`` = ``_``). The default is ``all``: every tool of this server together costs
less ``tools/list`` space than Task Master's seven core tools (measured by ``tests/bench/bench_context.py``), so
there is no reason to hide any of them from the agent.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from taskmaster_mcp import __version__
from taskmaster_mcp.mcp_server.logs import level_from
from taskmaster_mcp.mcp_server.state import AppState
from taskmaster_mcp.store.roots import is_unexpanded

if TYPE_CHECKING:  # the SDK is imported when a server is built: the CLI reads the catalogue and calls tools without it
    from mcp.server import MCPServer

    from taskmaster_mcp.mcp_server.registration import ToolFn

log = logging.getLogger("taskmaster_mcp")

INSTRUCTIONS = (
    "Task Master-compatible project tasks in .taskmaster/. Start with next_task or get_tasks (compact, paged); "
    "get_task for details. Every tool takes projectRoot: the absolute path of the project (pass your workspace "
    "folder). Most take tag (default: the current tag) and file (a tasks.json path inside the project). "
    "Ids: task '7', subtask '7.2', lists '7,8'."
)


@dataclass(frozen=True)
class ToolSpec:
    """A tool, by name and the ``mcp_server.tools`` module that defines it, with its MCP annotations.

    The module is imported only when the tool is registered (first call, or a ``tools/list`` with no valid cache),
    so start-up does not pay for the tool modules and their result models.
    """

    name: str
    module: str
    function: str | None = None  # when the tool's name is not a Python identifier (``response-language``)
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    hidden: frozenset[str] = frozenset({"file"})

    @property
    def fn(self) -> ToolFn:
        """The tool function (importing its module)."""
        module = importlib.import_module(f"taskmaster_mcp.mcp_server.tools.{self.module}")
        return cast("ToolFn", getattr(module, self.function or self.name))


# Parameters accepted but not published: ``file`` (rare; explained once in the instructions) and Task Master's
# confirmation flags, which a tool call makes moot (every call is non-interactive).
COMPAT = frozenset({"file"})


def _catalogue() -> list[ToolSpec]:
    return [
        ToolSpec("get_tasks", "read", read_only=True, hidden=COMPAT | {"complexityReport"}),
        ToolSpec("next_task", "read", read_only=True),
        ToolSpec("get_task", "read", read_only=True, hidden=COMPAT | {"complexityReport"}),
        ToolSpec("set_task_status", "write", idempotent=True),
        ToolSpec("update_subtask", "write", open_world=True),
        ToolSpec("add_task", "write", open_world=True),
        ToolSpec("add_subtask", "write", hidden=COMPAT | {"skipGenerate"}),
        ToolSpec("update_task", "write", open_world=True),
        ToolSpec("remove_task", "write", destructive=True, hidden=COMPAT | {"confirm"}),
        ToolSpec("remove_subtask", "write", destructive=True, hidden=COMPAT | {"skipGenerate"}),
        ToolSpec("clear_subtasks", "write", destructive=True, idempotent=True),
        ToolSpec("move_task", "write"),
        ToolSpec("add_dependency", "dependencies"),
        ToolSpec("remove_dependency", "dependencies", destructive=True),
        ToolSpec("validate_dependencies", "dependencies", read_only=True),
        ToolSpec("fix_dependencies", "dependencies", destructive=True, idempotent=True),
        ToolSpec("complexity_report", "read", read_only=True, hidden=frozenset()),
        ToolSpec("list_tags", "tags", read_only=True),
        ToolSpec("add_tag", "tags"),
        ToolSpec("use_tag", "tags", idempotent=True),
        ToolSpec("delete_tag", "tags", destructive=True, hidden=COMPAT | {"yes"}),
        ToolSpec("rename_tag", "tags"),
        ToolSpec("copy_tag", "tags"),
        ToolSpec(
            "initialize_project", "project", idempotent=True, hidden=COMPAT | {"yes", "skipInstall", "addAliases"}
        ),
        ToolSpec("generate", "project", idempotent=True),
        ToolSpec("parse_prd", "plan", open_world=True),
        ToolSpec("update", "edit", open_world=True),
        ToolSpec("research", "research", open_world=True),
        ToolSpec("review", "review", open_world=True),
        ToolSpec("expand_task", "expand", open_world=True),
        ToolSpec("expand_all", "expand", open_world=True),
        ToolSpec("analyze_project_complexity", "expand", open_world=True),
        ToolSpec("scope_up_task", "scope", open_world=True),
        ToolSpec("scope_down_task", "scope", open_world=True),
        ToolSpec("models", "models", open_world=True),
        ToolSpec("usage_report", "models", read_only=True),
        ToolSpec("benchmark_models", "benchmark", open_world=True),
        ToolSpec("rules", "settings", destructive=True, idempotent=True),
        ToolSpec("response-language", "settings", function="response_language", idempotent=True),
        ToolSpec("autopilot_start", "autopilot", hidden=frozenset({"maxAttempts"})),  # accepted, as Task Master's
        ToolSpec("autopilot_resume", "autopilot", read_only=True),
        ToolSpec("autopilot_next", "autopilot", read_only=True),
        ToolSpec("autopilot_status", "autopilot", read_only=True),
        ToolSpec("autopilot_complete_phase", "autopilot"),
        ToolSpec("autopilot_commit", "autopilot"),
        ToolSpec("autopilot_finalize", "autopilot", open_world=True),  # review=true asks a model
        ToolSpec("autopilot_abort", "autopilot", destructive=True, idempotent=True),
        ToolSpec("route", "routing", read_only=True),
        ToolSpec("set_task_model", "routing", idempotent=True),
        ToolSpec("assign_models", "routing", open_world=True),  # classify=true asks a model
    ]


CORE = ("get_tasks", "next_task", "get_task", "set_task_status", "update_subtask", "parse_prd", "expand_task")
STANDARD = (
    *CORE,
    "initialize_project",
    "analyze_project_complexity",
    "expand_all",
    "add_subtask",
    "remove_task",
    "add_task",
    "complexity_report",
)


def _register(server: MCPServer[AppState], spec: ToolSpec) -> None:
    from taskmaster_mcp.mcp_server.registration import register

    register(
        server,
        spec.fn,
        read_only=spec.read_only,
        destructive=spec.destructive,
        idempotent=spec.idempotent,
        open_world=spec.open_world,
        hidden=spec.hidden,
        name=spec.name,
    )


def _install_resources(server: MCPServer[AppState]) -> None:
    """Resources and prompts (tools alone stay enough for everything), registered on first use."""
    from taskmaster_mcp.mcp_server import resources

    resources.install(server)


def select_tools(profile: str | None, available: list[str]) -> tuple[list[str], list[str]]:
    """Tool names for a ``TASK_MASTER_TOOLS`` value, and warnings for stderr, as Task Master treats the variable.

    ``all`` (our default), ``core`` (alias ``lean``), ``standard``, or a comma list of names (case-insensitive, ``-``
    and ``_`` alike). An unknown name is skipped with a warning; a list naming no tool we have serves every tool,
    with a warning, rather than a server with nothing on it.
    """
    value = (profile or "all").strip().lower()
    if value == "all":
        return list(available), []
    if value in ("core", "lean"):
        return [n for n in available if n in CORE], []
    if value == "standard":
        return [n for n in available if n in STANDARD], []
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    known = {name.lower().replace("-", "_"): name for name in available}
    chosen = {known[name.replace("-", "_")] for name in wanted if name.replace("-", "_") in known}
    unknown = [name for name in wanted if name.replace("-", "_") not in known]
    warnings = [f"TASK_MASTER_TOOLS: unknown tool(s) skipped: {', '.join(unknown)}."] if unknown else []
    if not chosen:
        warnings.append(
            f"TASK_MASTER_TOOLS={profile!r} names no tool of this server; serving all {len(available)} "
            "tools. Use all, core, standard, or a comma list of tool names."
        )
        return list(available), warnings
    return [n for n in available if n in chosen], warnings


def usable_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the variables whose value is a client's unexpanded template."""
    return {k: v for k, v in env.items() if not is_unexpanded(v)}


def tool_specs() -> dict[str, ToolSpec]:
    """Every tool this server has, by name (what the CLI calls in process)."""
    return {spec.name: spec for spec in _catalogue()}


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

    server = LazyToolServer(
        "taskmaster-mcp",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        log_level=level_from(environment),
        cache_dir=tool_cache,
    )
    specs = _catalogue()
    names, warnings = select_tools(
        profile if profile is not None else environment.get("TASK_MASTER_TOOLS"), [s.name for s in specs]
    )
    for warning in warnings:
        log.warning("%s", warning)
    chosen = set(names)
    for spec in specs:
        if spec.name in chosen:
            server.defer_tool(spec.name, functools.partial(_register, server, spec))
    server.defer_extras(functools.partial(_install_resources, server))
    return server
