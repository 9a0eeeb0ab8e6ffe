"""What the server's lifespan yields: the environment, the pinned project, and the open projects and routers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from taskmaster_mcp.mcp_server.rootcache import SessionRoots

if TYPE_CHECKING:  # the store on the first call and the model layer on the first AI call, not at start
    from taskmaster_mcp.models.concurrency import Limiters
    from taskmaster_mcp.models.router import ModelRouter
    from taskmaster_mcp.store.project import Project


@dataclass
class AppState:
    """Per-server state shared by every call.

    ``pinned_root`` is set for a shared HTTP server: every call acts on that project whatever ``projectRoot`` says.
    """

    env: Mapping[str, str]
    cwd: Path
    pinned_root: Path | None = None
    projects: dict[tuple[Path, Path | None], Project] = field(default_factory=lambda: {})
    routers: dict[Path, ModelRouter] = field(default_factory=lambda: {})
    limiters: Limiters | None = None  # one adaptive concurrency registry for every router of this server
    session_roots: SessionRoots = field(default_factory=SessionRoots)  # each 2025-era session's roots, until changed

    def project_at(self, root: Path, file: str | None = None) -> Project:
        """The (cached) Project for ``root`` and an optional tasks file inside it."""
        from taskmaster_mcp.store.paths import Paths, custom_tasks_file
        from taskmaster_mcp.store.project import Project

        custom = custom_tasks_file(root, file) if file else None  # never package.json, never under .git/
        cache_key = (root, custom)
        project = self.projects.get(cache_key)
        if project is None:
            project = self.projects[cache_key] = Project.open(Paths(root, custom))
        return project

    def router_for(self, project: Project) -> ModelRouter:
        """The (cached) ModelRouter of a project root; SDK clients and their connections are reused across calls."""
        router = self.routers.get(project.paths.root)
        if router is None:
            from taskmaster_mcp.models.concurrency import Limiters
            from taskmaster_mcp.models.router import ModelRouter

            self.limiters = self.limiters or Limiters()
            router = self.routers[project.paths.root] = ModelRouter(
                project.paths, self.env, config=project.config, limiters=self.limiters
            )
        return router

    async def aclose(self) -> None:
        """Close every router's SDK connections so nothing leaks past the session."""
        for router in self.routers.values():
            await router.aclose()
