"""Per-server state shared by every tool call: the environment, and one open Project per project root.

A :class:`Project` owns its :class:`TaskStore` (whose cache is what makes warm reads cheap) and a cached view of
config.json. Tools reach it through :func:`open_project`, which applies the root resolution rules of
:mod:`taskmaster_mcp.project` using the client's declared MCP roots when there are any.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context

from .config import Config, load_config
from .errors import InvalidInput
from .project import Paths, file_uri_to_path, resolve_root
from .store import TaskStore

log = logging.getLogger("taskmaster_mcp")

ROOTS_TIMEOUT_SECONDS = 2.0


@dataclass
class Project:
    """One project root (and tasks file) with its store and config cache."""

    paths: Paths
    store: TaskStore
    _config: tuple[tuple[int, int] | None, Config] | None = None

    def config(self) -> Config:
        """config.json, re-read only when it changed on disk."""
        path = self.paths.config_file
        try:
            st = path.stat()
            signature: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            signature = None
        if self._config is None or self._config[0] != signature:
            self._config = (signature, load_config(self.paths))
        return self._config[1]

    def tag(self, requested: str | None) -> str:
        """The tag to act on: the argument, else state.json's current tag, else config's defaultTag."""
        if requested:
            return requested
        default = self.config().global_settings.get("defaultTag")
        return self.store.current_tag(default if isinstance(default, str) else None)


@dataclass
class AppState:
    """What the lifespan yields: environment, working directory and open projects."""

    env: Mapping[str, str]
    cwd: Path
    projects: dict[tuple[Path, Path | None], Project] = field(default_factory=lambda: {})
    extras: dict[str, Any] = field(default_factory=lambda: {})

    def project_at(self, root: Path, file: str | None = None) -> Project:
        """The (cached) Project for ``root`` and an optional tasks file inside it."""
        paths = Paths(root)
        custom = paths.inside(file, what="file") if file else None
        cache_key = (root, custom)
        project = self.projects.get(cache_key)
        if project is None:
            paths = Paths(root, custom)
            project = Project(paths, TaskStore(paths))
            self.projects[cache_key] = project
        return project


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
    roots = await client_roots(ctx)
    root = resolve_root(project_root, env_root=state.env.get("TASK_MASTER_PROJECT_ROOT"), client_roots=roots,
                        cwd=state.cwd)
    return state.project_at(root, file)
