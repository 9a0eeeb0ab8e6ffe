"""Every path of a project's ``.taskmaster/`` layout, and the rule that keeps file arguments inside the root."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import cast

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

    def writable(self, candidate: str | Path, *, what: str = "path") -> Path:
        """:meth:`inside`, and never under ``.git/`` (git's own folder: a file written there can be a hook)."""
        full = self.inside(candidate, what=what)
        if any(part.lower() == ".git" for part in full.relative_to(self.root.resolve()).parts):
            raise InvalidInput(
                f"{what} '{candidate}' is inside .git/, git's own folder; nothing of ours is written there. Pass "
                "a path elsewhere in the project (or leave it out for the default)."
            )
        return full


def custom_tasks_file(root: Path, file: str | Path) -> Path:
    """The tasks document a ``file`` argument names: inside the root, not under ``.git/``, and, when it exists and
    is JSON, a tasks document (an object with a ``tasks`` list or a tag, or ``{}``). Anything else is refused
    before it could be written, so ``file=package.json`` cannot gain a ``master`` tag.
    """
    from taskmaster_mcp.tasks.shape import is_tag_value  # here: the layout module itself needs no task rules

    full = Paths(root).writable(file, what="file")
    try:
        text = full.read_text(encoding="utf-8") if full.is_file() else ""
        document: object = json.loads(text) if text.strip() else {}
    except (OSError, UnicodeDecodeError, ValueError):
        return full  # unreadable or not JSON: the store reports it when it reads the file, and never writes over it
    if isinstance(document, dict):
        values = cast(dict[str, object], document)
        if not values or isinstance(values.get("tasks"), list) or any(is_tag_value(v) for v in values.values()):
            return full
    raise InvalidInput(
        f"file '{file}' is a JSON file that is not a tasks document (no 'tasks' list and no tag such as "
        '{"master": {"tasks": [...]}}), so it is not used or written. Pass the path of your tasks file (default '
        ".taskmaster/tasks/tasks.json), or a new file name."
    )


def refuse_null_bytes(candidate: str | Path, what: str) -> None:
    """A path with a NUL character names no file on any system we run on; say so instead of failing deep inside."""
    if "\x00" in str(candidate):
        raise InvalidInput(f"{what} contains a null byte (\\x00). Pass a plain path without control characters.")


def tag_slug(tag: str) -> str:
    """Task Master's file-name slug of a tag: ``[A-Za-z0-9_-]`` kept, others ``-``, lower case, 50 chars."""
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "-" for c in tag).lower()[:50]
