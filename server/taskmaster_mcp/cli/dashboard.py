"""``taskmaster-mcp ui [--port N] [--no-browser]``: the live web dashboard of this project, on loopback.

The serving itself is the face's (``mcp_server.dashboard.serve``); this only finds the project and checks the
arguments, so that a mistake is a one-line error with exit 2 (bad port) or 1 (no project here) before anything
listens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path


def run_ui(args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    """Serve the dashboard of the project at or above ``project`` until Ctrl-C; the exit code."""
    from taskmaster_mcp.mcp_server.dashboard.serve import serve_ui
    from taskmaster_mcp.store.roots import find_upwards

    port: int | None = args.port
    if port is not None and not 0 < port < 65536:
        print(f"error: --port {port} is out of range (1-65535); leave it out to use a free port.", file=sys.stderr)
        return 2
    root = find_upwards(project)
    if root is None:
        print(
            f"error: no .taskmaster directory in {project} or above. Run `taskmaster-mcp init` there, or pass "
            "-C DIR for the project to show.",
            file=sys.stderr,
        )
        return 1
    return serve_ui(root, env, port=port, open_browser=not args.no_browser)
