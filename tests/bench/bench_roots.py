"""Tool-call latency from a client that declares roots vs one that does not: both protocol eras, stdio and HTTP.

For each (transport, era) the median ``next_task`` round trip on the messy fixture, from a client with a roots
callback and from one without, both connected at once with their calls alternating; the ratio is the cost of
roots. Goal (issue 23): <= 1.2x where the protocol allows caching (2025 era). The 2026 era removed
roots/list_changed, so each call that needs the roots asks for them again (an input-required round trip); the row
with TASK_MASTER_PROJECT_ROOT set shows the case where the roots cannot matter and are not asked. A shared HTTP
server is pinned to its project and never asks (roots are a local client's idea of its folders).

Run: python tests/bench/bench_roots.py [calls]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import ListRootsResult, Root

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))  # rpc, the shared helpers

from rpc import server_command

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "messy-tasks.json"
HERE = Path(__file__).resolve().parent


def make_project(root: Path) -> Path:
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    source = FIXTURE if FIXTURE.exists() else HERE.parent / "fixtures" / "messy-tasks.json"
    shutil.copyfile(source, root / ".taskmaster" / "tasks" / "tasks.json")
    return root


def roots_of(project: Path) -> Any:
    async def answer(context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=project.as_uri())])  # pyright: ignore[reportArgumentType]

    return answer


async def paired_medians(target: Any, era: str, roots: Any, calls: int) -> tuple[float, float]:
    """Median seconds of ``next_task`` from a client without roots and one with, each on its own connection (and,
    over stdio, its own server), calls alternating between the two so that machine load hits both alike."""
    async with (
        Client(target, mode=era, read_timeout_seconds=60) as plain,  # pyright: ignore[reportArgumentType]
        Client(target, mode=era, list_roots_callback=roots, read_timeout_seconds=60) as rooted,  # pyright: ignore
    ):
        times: dict[int, list[float]] = {0: [], 1: []}
        for n in range(calls + 4):
            for which, client in ((n % 2, (plain, rooted)[n % 2]), (1 - n % 2, (plain, rooted)[1 - n % 2])):
                start = time.perf_counter()
                result = await client.call_tool("next_task", {})
                if n >= 4:  # warm-up calls are not counted
                    times[which].append(time.perf_counter() - start)
                assert not result.is_error, result.content
    return statistics.median(times[0]), statistics.median(times[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_http(project: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project)}
    proc = subprocess.Popen(
        [*server_command(), "serve", "--http", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}/mcp"
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.05)


async def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        project = make_project(Path(tmp_name) / "project")
        base_env = {"HOME": str(project), "TASKMASTER_MCP_CACHE_DIR": str(Path(tmp_name) / "cache")}
        command = server_command()

        def stdio(extra: dict[str, str] | None = None) -> StdioServerParameters:
            return StdioServerParameters(
                command=command[0], args=command[1:], cwd=str(project), env={**base_env, **(extra or {})}
            )

        pinned = {"TASK_MASTER_PROJECT_ROOT": str(project)}
        cases: list[tuple[str, Any, str]] = [
            ("stdio 2025", stdio(), "legacy"),
            ("stdio 2026", stdio(), "auto"),
            ("stdio 2026, TASK_MASTER_PROJECT_ROOT", stdio(pinned), "auto"),
        ]
        proc, url = start_http(project)
        try:
            cases += [("http 2025 (pinned)", url, "legacy"), ("http 2026 (pinned)", url, "auto")]
            for label, target, era in cases:
                rows.append((label, *await paired_medians(target, era, roots_of(project), calls)))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"median next_task round trip over {calls} alternating calls per client (messy fixture)")
    print(f"  {'case':<38} {'no roots':>10} {'roots':>10} {'ratio':>7}")
    for label, plain, rooted in rows:
        print(f"  {label:<38} {plain * 1000:8.2f}ms {rooted * 1000:8.2f}ms {rooted / plain:6.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
