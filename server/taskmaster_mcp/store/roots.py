"""Which folder a call acts on: the project root resolution order, written once.

Order (first that applies wins):

1. the ``projectRoot`` argument of the tool call;
2. ``TASK_MASTER_PROJECT_ROOT`` in the server's environment;
3. the client's MCP roots, when the client declares any (the first ``file://`` root);
4. the nearest ancestor of the server's working directory that holds ``.taskmaster/``.

When the client declares roots, a ``projectRoot`` outside all of them is refused: an agent cannot point the server
at an arbitrary directory of the machine. Every file argument must resolve, symlinks included, inside the root
(:meth:`taskmaster_mcp.store.paths.Paths.inside`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store.paths import TASKMASTER_DIR, refuse_null_bytes


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


def _usable(chosen: Path, what: str) -> Path:
    """Refuse the filesystem root (no project lives there, and init would write into it)."""
    if chosen == Path(chosen.anchor):
        raise InvalidInput(
            f"{what} {chosen} is the filesystem root, not a project. Pass projectRoot: the absolute path of your "
            "project folder (e.g. your editor's workspace folder)."
        )
    return chosen


def is_unexpanded(value: str) -> bool:
    """True for a whole value that is a client's template left unexpanded, such as ``${user_config.openai_api_key}``.

    Claude Desktop's MCP bundles leave ``${user_config.KEY}`` as literal text when the user left an optional field
    empty (the reference implementation substitutes only values it has), and other clients do the same with
    ``${env:NAME}`` or ``${input:id}`` they cannot fill. Such a value means "not set", never a key or a path: the app
    drops these variables from the environment it is given, and ``store/config.py`` counts them as missing keys. It
    lives here, beside the other reader of the environment at start-up, so that start-up imports nothing more.
    """
    stripped = value.strip()
    return stripped.startswith("${") and stripped.endswith("}")


def usable_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the variables whose value is a client's unexpanded template (what the server runs with)."""
    return {k: v for k, v in env.items() if not is_unexpanded(v)}


def resolve_root(
    argument: str | None,
    *,
    env_root: str | None,
    client_roots: Sequence[Path] | None,
    cwd: Path,
    creating: bool = False,
) -> Path:
    """Apply the documented resolution order and the roots confinement rule.

    With ``creating`` (a project about to be initialised), the last step is the working directory itself.
    """
    roots = [r.resolve() for r in client_roots or []]
    for value, what in ((argument, "projectRoot"), (env_root, "TASK_MASTER_PROJECT_ROOT")):
        if value:
            refuse_null_bytes(value, what)
    if argument:
        raw = Path(argument).expanduser()
        if not raw.is_absolute():
            raise InvalidInput(
                f"projectRoot '{argument}' is a relative path; the server cannot know what it is relative to. "
                "Pass the absolute path of your project folder (e.g. /home/me/myapp)."
            )
        try:
            resolved = raw.resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop
            raise InvalidInput(
                f"projectRoot '{argument}' cannot be resolved ({exc}). Pass the project folder's real absolute path."
            ) from None
        chosen = _usable(resolved, "projectRoot")
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
        return _usable(chosen, "TASK_MASTER_PROJECT_ROOT")
    if roots:
        # Only a declared root itself: an ancestor holding .taskmaster/ would be outside what the client allowed.
        for r in roots:
            if (r / TASKMASTER_DIR).is_dir():
                return _usable(r, "The editor's workspace root")
        return _usable(roots[0], "The editor's workspace root")
    found = find_upwards(cwd)
    if found is not None and found != Path(found.anchor):
        return found
    if creating:
        return _usable(cwd.resolve(), "The server's working directory")
    raise NotFound(
        "No project found: pass projectRoot (the absolute path of your project), or set TASK_MASTER_PROJECT_ROOT "
        "in the server's env block. To start a new project there, call initialize_project."
    )
