"""Every path of a project's ``.taskmaster/`` layout, and the rule that keeps file arguments inside the root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskmaster_mcp.errors import InvalidInput

TASKMASTER_DIR = ".taskmaster"


@dataclass(frozen=True)
class Paths:
    """Every path of a project's ``.taskmaster/`` layout."""

    root: Path
    custom_tasks_file: Path | None = None

    @property
    def taskmaster(self) -> Path:
        return self.root / TASKMASTER_DIR

    @property
    def tasks_file(self) -> Path:
        return self.custom_tasks_file or self.taskmaster / "tasks" / "tasks.json"

    @property
    def legacy_tasks_file(self) -> Path:
        return self.root / "tasks" / "tasks.json"

    @property
    def state_file(self) -> Path:
        return self.taskmaster / "state.json"

    @property
    def config_file(self) -> Path:
        return self.taskmaster / "config.json"

    @property
    def legacy_config_file(self) -> Path:
        return self.root / ".taskmasterconfig"

    @property
    def tasks_dir(self) -> Path:
        return self.taskmaster / "tasks"

    @property
    def docs_dir(self) -> Path:
        return self.taskmaster / "docs"

    @property
    def reports_dir(self) -> Path:
        return self.taskmaster / "reports"

    @property
    def env_file(self) -> Path:
        return self.root / ".env"

    def complexity_report(self, tag: str) -> Path:
        """The report path Task Master uses for ``tag``."""
        if tag == "master":
            return self.reports_dir / "task-complexity-report.json"
        return self.reports_dir / f"task-complexity-report_{tag_slug(tag)}.json"

    def inside(self, candidate: str | Path, *, what: str = "path") -> Path:
        """Resolve ``candidate`` (relative to the root) and refuse it unless it lies inside the root."""
        refuse_null_bytes(candidate, what)
        raw = Path(candidate).expanduser()
        try:
            full = (raw if raw.is_absolute() else self.root / raw).resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop, or a path the system cannot resolve
            raise InvalidInput(
                f"{what} '{candidate}' cannot be resolved ({exc}). Pass a plain path inside the "
                "project, not a link that loops."
            ) from None
        root = self.root.resolve()
        if full != root and root not in full.parents:
            raise InvalidInput(
                f"{what} '{candidate}' resolves to {full}, outside the project root {root}. "
                "Pass a path inside the project (relative paths are taken from the project root)."
            )
        return full


def refuse_null_bytes(candidate: str | Path, what: str) -> None:
    """A path with a NUL character names no file on any system we run on; say so instead of failing deep inside."""
    if "\x00" in str(candidate):
        raise InvalidInput(f"{what} contains a null byte (\\x00). Pass a plain path without control characters.")


def tag_slug(tag: str) -> str:
    """Task Master's file-name slug of a tag: ``[A-Za-z0-9_-]`` kept, others ``-``, lower case, 50 chars."""
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "-" for c in tag).lower()[:50]
