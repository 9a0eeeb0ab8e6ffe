"""Serving MCP over stdin/stdout: what an editor launches.

Besides :mod:`taskmaster_mcp.mcp_server.wire` (unreadable lines answered with JSON-RPC errors, wired in by
:class:`taskmaster_mcp.mcp_server.lazytools.LazyToolServer`), one thing the SDK's stdio loop does not do is done here:

- SIGTERM (what editors and process managers send) shuts the server down cleanly: open calls are cancelled, the
  lifespan closes the model clients, and the exit code is 0.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

SHUTDOWN_GRACE_SECONDS = 3.0


def _terminate(signum: int, frame: FrameType | None) -> None:
    """Unwind the event loop like Ctrl-C (calls cancelled, lifespan closed), then leave.

    The SDK reads stdin on a worker thread that only returns when a line or EOF arrives, so with the client's end of
    stdin still open the unwinding would wait for it forever. Once the grace period is over the process exits with
    0 regardless: every file write is atomic, so nothing is left half-written (at most a temp file the next write
    sweeps away).
    """
    if not _serving.is_set():  # the loop already ended (stdin closed): nothing is left to unwind
        os._exit(0)
    watchdog = threading.Timer(SHUTDOWN_GRACE_SECONDS, os._exit, args=(0,))
    watchdog.daemon = True
    watchdog.start()
    raise KeyboardInterrupt


_serving = threading.Event()


def serve_stdio() -> int:
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
    logging.getLogger("taskmaster_mcp").info("taskmaster-mcp serving MCP over stdio (working directory %s)",
                                              os.getcwd())
    signal.signal(signal.SIGTERM, _terminate)
    _serving.set()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run("stdio")
    finally:
        _serving.clear()
    return 0
