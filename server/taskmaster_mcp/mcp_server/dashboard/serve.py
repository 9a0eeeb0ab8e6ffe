"""Where the dashboard is served: ``taskmaster-mcp ui`` on loopback, and at ``/`` beside ``/mcp`` under ``serve
--http``.

Decisions:

- ``ui`` binds 127.0.0.1 only (there is no host option: sharing is what ``serve --http`` with a token is for). It
  takes ``--port`` or lets the OS pick a free one, makes a fresh random session token per run (or uses
  ``TASKMASTER_MCP_TOKEN`` when set), prints the URL with the token to stderr (stdout stays empty, as for the
  server), and opens the browser with stdlib ``webbrowser`` unless ``--no-browser``. Ctrl-C ends it with exit 0.
  Uvicorn's access log is off, so the token in the first request's URL is never logged.
- Under ``serve --http``, :func:`with_dashboard` routes every HTTP path but ``/mcp`` to the dashboard, which applies
  the same Host/Origin settings and the same ``TASKMASTER_MCP_TOKEN`` (as a cookie after ``/?token=``, or bearer);
  ``/mcp`` and the lifespan go to the MCP app exactly as before.
- Open live-update streams would hold a server's shutdown forever, so both servers tell them to end on Ctrl-C or
  SIGTERM (:func:`closing_server`; a stream notices within one poll) and give any other connection
  ``GRACE_SECONDS`` (writes are atomic, so nothing is lost by cutting a request).
"""

from __future__ import annotations

import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from taskmaster_mcp.errors import ConfigError

GRACE_SECONDS = 1


def dashboard_app(root: Path, host: str, env: Mapping[str, str], token: str | None) -> Any:
    """The dashboard's ASGI app for the project at ``root``; returns (app, state) so callers can inspect it."""
    from taskmaster_mcp.mcp_server.dashboard.data import DashboardData
    from taskmaster_mcp.mcp_server.dashboard.routes import DashboardState, build_dashboard
    from taskmaster_mcp.mcp_server.dashboard.security import Guard
    from taskmaster_mcp.mcp_server.hostcheck import security_settings
    from taskmaster_mcp.store.paths import Paths
    from taskmaster_mcp.store.project import Project

    state = DashboardState(DashboardData(Project.open(Paths(root)), env), Guard(security_settings(host, env), token))
    return build_dashboard(state), state


class WithDashboard:
    """One ASGI app: ``/mcp`` (and the lifespan) to the MCP app, every other HTTP path to the dashboard."""

    def __init__(self, mcp_app: Any, dashboard: Any, state: Any) -> None:
        self.mcp_app = mcp_app
        self.dashboard = dashboard
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and not (path == "/mcp" or path.startswith("/mcp/")):
            await self.dashboard(scope, receive, send)
        else:
            await self.mcp_app(scope, receive, send)


def closing_server(config: Any, state: Any) -> Any:
    """A uvicorn server that, on Ctrl-C or SIGTERM, first tells the dashboard's live streams to end (they check at
    every poll), so open pages let it stop at once instead of being cut off after ``GRACE_SECONDS``."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            from taskmaster_mcp.store.guard import stopping

            stopping.set()  # calls waiting for a lock or a git hook give up, so the exit is not held for their bound
            if state is not None:
                state.closing = True
            super().handle_exit(sig, frame)

    return Server(config)


def _listening_socket(port: int | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port or 0))
    except OSError as err:
        sock.close()
        raise ConfigError(
            f"Cannot listen on 127.0.0.1:{port}: {err.strerror}. Pick another --port, or leave it "
            "out to use a free one."
        ) from None
    sock.listen(128)
    return sock


def serve_ui(root: Path, env: Mapping[str, str], *, port: int | None, open_browser: bool) -> int:
    """Serve the dashboard of ``root`` on loopback until Ctrl-C (exit 0); exit 2 when the port cannot be used."""
    import uvicorn

    from taskmaster_mcp.mcp_server.logs import configure_logging, level_from

    try:
        sock = _listening_socket(port)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    configure_logging(level_from(env))
    token = env.get("TASKMASTER_MCP_TOKEN") or secrets.token_urlsafe(24)
    app, state = dashboard_app(root, "127.0.0.1", env, token)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
    print(f"taskmaster-mcp: dashboard of {root} at {url} ; Ctrl-C to stop", file=sys.stderr, flush=True)
    from taskmaster_mcp.mcp_server.httplimits import uvicorn_limits

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACE_SECONDS,
        **uvicorn_limits(env),
    )
    server = closing_server(config, state)
    if open_browser:
        threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, once it has shut down cleanly
        pass
    finally:
        sock.close()
    return 0


def _open_when_ready(server: Any, url: str) -> None:
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started and not webbrowser.open(url):
        print("taskmaster-mcp: no browser found; open the URL above yourself", file=sys.stderr, flush=True)
