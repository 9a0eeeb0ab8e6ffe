"""A real ``taskmaster-mcp serve --http`` process for hostile-load tests and the bench: its URL, stderr and RSS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def console_script() -> str:
    beside = Path(sys.executable).parent / "taskmaster-mcp"
    found = str(beside) if beside.exists() else shutil.which("taskmaster-mcp")
    assert found, "taskmaster-mcp is not installed; run the README's test command"
    return found


@dataclass
class Served:
    url: str  # .../mcp
    port: int
    proc: subprocess.Popen[bytes]
    stderr: Path

    def rss_kb(self) -> int:
        """Resident memory of the server process (Linux /proc; 0 elsewhere)."""
        status = Path(f"/proc/{self.proc.pid}/status")
        if not status.exists():
            return 0
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1])

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving_http(project: Path, env: dict[str, str] | None = None) -> Generator[Served]:
    """Run the HTTP server on a free loopback port until the block ends (stderr to a file beside the project)."""
    port = _free_port()
    err_path = project.parent / f"serve-{port}.stderr"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [console_script(), "serve", "--http", f"127.0.0.1:{port}"],
            cwd=project,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project), **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, err_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.05)  # polling a port that is not open yet; bounded by the deadline above
        yield Served(f"http://127.0.0.1:{port}/mcp", port, proc, err_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def open_session(client: httpx2.Client, url: str) -> str:
    """Initialize a new MCP session and return its id (the session is then abandoned, as a hostile client does)."""
    answer = client.post(url, json=INITIALIZE, headers=ACCEPT)
    assert answer.status_code == 200, answer.text
    return answer.headers["mcp-session-id"]


def ping(client: httpx2.Client, url: str, session: str) -> int:
    """A ``ping`` on ``session``; the HTTP status (404 once the session is gone)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {**ACCEPT, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18"}
    return client.post(url, json=body, headers=headers).status_code
