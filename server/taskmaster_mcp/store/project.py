"""One open project: its paths, its task store and its config, as every layer above sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

from taskmaster_mcp.store.config import Config, ConfigSource
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore


@dataclass
class Project:
    """One project root (and tasks file) with its store and config cache."""

    paths: Paths
    store: TaskStore
    config_source: ConfigSource = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.config_source = ConfigSource(self.paths)

    @classmethod
    def open(cls, paths: Paths) -> Project:
        """A project over ``paths`` with a fresh store."""
        return cls(paths, TaskStore(paths))

    def config(self) -> Config:
        """config.json, re-read only when it changed on disk."""
        return self.config_source.get()

    def tag(self, requested: str | None) -> str:
        """The tag to act on: the argument, else state.json's current tag, else config's defaultTag."""
        if requested:
            return requested
        default = self.config().global_settings.get("defaultTag")
        return self.store.current_tag(default if isinstance(default, str) else None)
