"""Serving MCP over stdin/stdout: what an editor launches."""

from __future__ import annotations

import sys


def serve_stdio() -> int:
    """Run the MCP server on stdin/stdout. Logging goes to stderr; stdout carries only the protocol."""
    import contextlib
    import logging
    import os

    from taskmaster_mcp.mcp_server.logs import configure_logging, level_from

    configure_logging(level_from(os.environ))
    # Until the SDK takes over fd 1 (it diverts stray writes to stderr while serving), anything a dependency
    # prints while importing or building goes to stderr too.
    with contextlib.redirect_stdout(sys.stderr):
        from taskmaster_mcp.errors import TaskmasterError
        from taskmaster_mcp.mcp_server.app import build_app
        from taskmaster_mcp.mcp_server.lazytools import default_cache_dir

        cache = default_cache_dir(os.environ)
        try:
            server = build_app(tool_cache=cache)
        except TaskmasterError as exc:  # a bad TASK_MASTER_TOOLS must not leave the editor with "Client closed"
            logging.getLogger("taskmaster_mcp").error("%s Serving every tool instead.", exc)
            server = build_app(profile="all", tool_cache=cache)
    server.run("stdio")
    return 0
