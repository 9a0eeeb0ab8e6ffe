"""Per-server state shared by every tool call: the environment, and one open Project per project root.

A :class:`Project` owns its :class:`TaskStore` (whose cache is what makes warm reads cheap) and a cached view of
config.json. Tools reach it through :func:`taskmaster_mcp.callctx.open_project`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config, load_config
from .project import Paths
from .store import TaskStore


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
