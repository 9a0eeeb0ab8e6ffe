"""Where the project is, and which files belong to it.

Root resolution order (first that applies wins):

1. the ``projectRoot`` argument of the tool call;
2. ``TASK_MASTER_PROJECT_ROOT`` in the server's environment;
3. the client's MCP roots, when the client declares any (the first ``file://`` root);
4. the nearest ancestor of the server's working directory that holds ``.taskmaster/``.

When the client declares roots, a ``projectRoot`` outside all of them is refused: an agent cannot point the server
at an arbitrary directory of the machine. Every file argument must resolve, symlinks included, inside the root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import InvalidInput, NotFound

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
        raw = Path(candidate).expanduser()
        full = (raw if raw.is_absolute() else self.root / raw).resolve()
        root = self.root.resolve()
        if full != root and root not in full.parents:
            raise InvalidInput(
                f"{what} '{candidate}' resolves to {full}, outside the project root {root}. "
                "Pass a path inside the project (relative paths are taken from the project root)."
            )
        return full


def tag_slug(tag: str) -> str:
    """Task Master's file-name slug of a tag: ``[A-Za-z0-9_-]`` kept, others ``-``, lower case, 50 chars."""
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "-" for c in tag).lower()[:50]


def file_uri_to_path(uri: str) -> Path | None:
    """The local path of a ``file://`` URI, or None for any other scheme."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


def find_upwards(start: Path) -> Path | None:
    """The nearest ancestor of ``start`` (inclusive) that holds ``.taskmaster/``."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / TASKMASTER_DIR).is_dir():
            return candidate
    return None


def resolve_root(
    argument: str | None,
    *,
    env_root: str | None,
    client_roots: Sequence[Path] | None,
    cwd: Path,
) -> Path:
    """Apply the documented resolution order and the roots confinement rule."""
    roots = [r.resolve() for r in client_roots or []]
    if argument:
        chosen = Path(argument).expanduser()
        if not chosen.is_absolute():
            base = roots[0] if roots else cwd
            chosen = base / chosen
        chosen = chosen.resolve()
        if roots and not any(chosen == r or r in chosen.parents for r in roots):
            listed = ", ".join(str(r) for r in roots)
            raise InvalidInput(
                f"projectRoot {chosen} is outside the workspace roots your editor declared ({listed}). "
                "Pass a projectRoot inside one of them, or open that folder in the editor."
            )
        if not chosen.is_dir():
            raise NotFound(f"projectRoot {chosen} is not a directory. Pass the absolute path of your project folder.")
        return chosen
    if env_root:
        chosen = Path(env_root).expanduser().resolve()
        if not chosen.is_dir():
            raise NotFound(
                f"TASK_MASTER_PROJECT_ROOT={env_root} is not a directory. Fix the env block of your MCP config."
            )
        return chosen
    if roots:
        # Only a declared root itself: an ancestor holding .taskmaster/ would be outside what the client allowed.
        for r in roots:
            if (r / TASKMASTER_DIR).is_dir():
                return r
        return roots[0]
    found = find_upwards(cwd)
    if found is not None:
        return found
    raise NotFound(
        "No project found: pass projectRoot (the absolute path of your project), or set TASK_MASTER_PROJECT_ROOT "
        "in the server's env block. To start a new project there, call initialize_project."
    )
