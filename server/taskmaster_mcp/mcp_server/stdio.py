"""Serving MCP over stdin/stdout: what an editor launches.

Besides :mod:`taskmaster_mcp.mcp_server.wire` (unreadable lines answered with JSON-RPC errors, wired in by
:class:`taskmaster_mcp.mcp_server.lazytools.LazyToolServer`), one thing the SDK's stdio loop does not do is done here:

- SIGTERM (what editors and process managers send) ends the server at once with exit code 0 (see
  :func:`_terminate` for why that is safe), instead of the -15 of the default handler.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import NoReturn


def _terminate(signum: int, frame: FrameType | None) -> None:
    """Leave at once with exit code 0.

    Raising into the event loop from a signal handler (as Ctrl-C does) can land inside the SDK's task-group
    bookkeeping and end in a traceback, and the SDK's stdin reader would wait for a line or EOF anyway. Leaving
    directly is safe because nothing this server writes can be left half-done: every file write is an atomic
    replace (tests/e2e/test_crash.py kills the server mid-write repeatedly), and a temp file a cut write leaves is
    swept by the next write.
    """
    sys.stderr.flush()
    os._exit(0)


def serve_stdio() -> NoReturn:
    """Run the MCP server on stdin/stdout. Logging goes to stderr; stdout carries only the protocol."""
    import contextlib

    from taskmaster_mcp.mcp_server.logs import configure_logging, level_from

    configure_logging(level_from(os.environ))
    # Until the SDK takes over fd 1 (it diverts stray writes to stderr while serving), anything a dependency
    # prints while importing or building goes to stderr too.
    with contextlib.redirect_stdout(sys.stderr):
        from taskmaster_mcp.mcp_server.app import build_app
        from taskmaster_mcp.mcp_server.lazytools import default_cache_dir

        server = build_app(tool_cache=default_cache_dir(os.environ))
    logging.getLogger("taskmaster_mcp").info(
        "taskmaster-mcp serving MCP over stdio (working directory %s)", os.getcwd()
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.run("stdio")
    except* KeyboardInterrupt:  # Ctrl-C in a terminal, also when it arrives inside one of the SDK's task groups
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # done: a late SIGTERM must not interrupt the exit itself
    sys.stderr.flush()
    os._exit(0)  # no interpreter teardown, during which a signal would kill us with -15 (files are all written)
