"""A minimal JSON-RPC-over-stdio driver for benchmarks: exact wire bytes, exact timings, the child's pid.

Benchmarks use it instead of the SDK client so that what is measured is the server (spawn, handshake, one
request) and so that the child's peak RSS can be read from /proc.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def server_command() -> list[str]:
    """The installed console script next to this interpreter."""
    script = Path(sys.executable).parent / "taskmaster-mcp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskmaster_mcp"]


class Session:
    """One server process speaking newline-delimited JSON-RPC (legacy handshake)."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(cwd))}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env={**base, **(env or {})},
        )
        self.next_id = 0
        self.last_raw = b""

    def send(self, method: str, params: dict[str, Any] | None = None, *, notify: bool = False) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if not notify:
            self.next_id += 1
            message["id"] = self.next_id
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def receive(self, timeout: float = 60.0) -> dict[str, Any]:
        """The response to the last request (notifications in between are skipped)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("server did not answer")
            raw = self.proc.stdout.readline()
            if not raw:
                raise RuntimeError("server closed stdout")
            message = json.loads(raw)
            if message.get("id") == self.next_id:
                self.last_raw = raw
                return message

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.send(method, params)
        return self.receive()

    def initialize(self) -> None:
        self.request(
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
        )
        self.send("notifications/initialized", notify=True)

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        response = self.request("tools/call", {"name": tool, "arguments": arguments})
        result = response["result"]
        if result.get("isError"):
            raise RuntimeError(f"{tool} failed: {result['content'][0]['text']}")
        return result

    def peak_rss_mb(self) -> float:
        """VmHWM (peak resident set) of the server process, in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def rss_mb(self) -> float:
        """VmRSS (current resident set) of the server process, in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


BASELINE_SERVER = '''
from mcp.server import MCPServer
server = MCPServer("hello")

@server.tool()
def hello(name: str) -> str:
    """Say hello."""
    return f"hello {name}"

server.run("stdio")
'''


def baseline_command(tmp: Path) -> list[str]:
    """A bare MCPServer with one trivial tool: the floor any SDK-based server pays."""
    script = tmp / "bare_server.py"
    script.write_text(BASELINE_SERVER)
    return [sys.executable, str(script)]
