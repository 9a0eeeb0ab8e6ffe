"""A real dashboard server on loopback for tests and benchmarks: uvicorn in a thread, stopped on exit."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from taskmaster_mcp.mcp_server.dashboard.serve import dashboard_app

TOKEN = "dashboard-test-token-0123456789"


@dataclass
class Running:
    """A started dashboard: its base URL (``http://127.0.0.1:PORT``) and its state (watchers, guard, data)."""

    url: str
    state: Any

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")


@contextmanager
def running_dashboard(root: Path, env: Mapping[str, str] | None = None, token: str | None = TOKEN) -> Iterator[Running]:
    """Serve the dashboard of ``root`` until the block ends."""
    app, state = dashboard_app(root, "127.0.0.1", dict(env or {}), token)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start within 20 s"
        time.sleep(0.02)  # waiting for the thread's server to listen; bounded by the deadline
    try:
        yield Running(f"http://127.0.0.1:{sock.getsockname()[1]}", state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_until(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``condition()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not _holds(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _holds(condition: Any) -> bool:
    """``condition()``, where an element a live re-render replaced while it was being read counts as "not yet"."""
    try:
        return bool(condition())
    except Exception as err:  # selenium's StaleElementReferenceException, without importing selenium here
        if type(err).__name__ != "StaleElementReferenceException":
            raise
        return False
