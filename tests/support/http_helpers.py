"""Running the installed ``taskmaster-mcp`` the way an editor or a team does: a stdio child, or ``serve --http``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path


def installed_script() -> str:
    """The installed ``taskmaster-mcp`` next to this interpreter."""
    beside = Path(sys.executable).parent / "taskmaster-mcp"
    found = str(beside) if beside.exists() else shutil.which("taskmaster-mcp")
    assert found, "taskmaster-mcp is not installed; run the README's test command"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def http_server(project: Path, env: dict[str, str] | None = None) -> Generator[str]:
    """``taskmaster-mcp serve --http`` in a subprocess until it accepts connections; yields its /mcp URL."""
    port = free_port()
    proc = subprocess.Popen(
        [installed_script(), "serve", "--http", f"127.0.0.1:{port}"],
        cwd=project,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start within 30 s"
                time.sleep(0.05)  # polling a port that is not open yet; bounded by the deadline above
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
