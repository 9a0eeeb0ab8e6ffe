"""Adaptive concurrency: expand_all over 20 tasks against a model taking 2 s per call, as a multiple of one call.

Measured through the real server over stdio (tests/bench/rpc.py), the main role pointed at the scripted provider
server on 127.0.0.1; every configuration runs in a fresh server process (the limiter starts from its settings),
warmed up by one expand_task.

1. No rate limit: expand_all with the default settings, against one expand_task (target <= 2.5x; before adaptive
   concurrency 5.9x at a fixed 4; Task Master about 21x, one task at a time).
2. A provider that answers 429 whenever more than 6 requests are in flight: adaptive (default settings) against
   fixed concurrency 2, 4, 6 and 8 with adaptation off (``concurrency.adaptive: false``), all in this run. Targets:
   0 failed tasks, and wall time <= 1.3x that of the best fixed concurrency that failed no task.

3. A provider refusing 30% of requests at random with 529 (its own load, not ours): adaptive against a fixed good
   concurrency of 8, in one run. Targets: 0 failed tasks, wall time <= 1.5x that of fixed 8 (before: the limit
   halved on every 529 and stayed at 1-2, 2.2x).

Run: .venv/bin/python tests/bench/bench_concurrency.py   (about three minutes; ``--weather``: part 3 only)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from provider_server import MESSAGES, ProviderServer, Reply, write_config  # noqa: E402
from rpc import Session, server_command  # noqa: E402

TASKS = 20
DELAY = 2.0
IN_FLIGHT_LIMIT = 6
FIXED = (2, 4, 6, 8)
SUBTASKS = json.dumps(
    {
        "subtasks": [
            {
                "id": n,
                "title": f"Step number {n}",
                "description": f"Step {n}.",
                "details": "Do it.",
                "testStrategy": "Test.",
                "dependencies": [n - 1] if n > 1 else [],
            }
            for n in range(1, 5)
        ]
    }
)


def make_project(root: Path, server: ProviderServer, concurrency: dict[str, Any] | None) -> None:
    tasks: list[dict[str, Any]] = [
        {
            "id": n,
            "title": f"Feature {n}",
            "description": f"Build feature {n}.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
        }
        for n in range(1, TASKS + 2)
    ]
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    # Identical expansions are timed again and again, so the response cache (bench_response_cache.py) is off.
    ours: dict[str, Any] = {"cache": {"enabled": False}, **({"concurrency": concurrency} if concurrency else {})}
    write_config(
        root,
        {
            "main": {
                "provider": "anthropic",
                "modelId": "claude-sonnet-4-20250514",
                "maxTokens": 4000,
                "baseURL": server.url,
            }
        },
        ours,
    )


def timed_call(session: Session, tool: str, arguments: dict[str, object]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = session.call(tool, arguments)
    return time.perf_counter() - start, result.get("structuredContent") or {}


def session_for(tmp: Path, name: str, server: ProviderServer, concurrency: dict[str, Any] | None) -> Session:
    """A fresh project and server process, warmed up by expanding task 21 (SDK import, connection; the limiter
    learns of one success, as in any server that has answered before)."""
    project = tmp / name
    make_project(project, server, concurrency)
    env = {"ANTHROPIC_API_KEY": "sk-bench", "TASKMASTER_MCP_DATA_DIR": str(tmp / f"data-{name}")}
    session = Session(server_command(), project, env)
    session.initialize()
    timed_call(session, "expand_task", {"id": str(TASKS + 1)})
    return session


def one_call(tmp: Path, server: ProviderServer, runs: int) -> list[float]:
    """expand_task of one task, ``runs`` times."""
    session = session_for(tmp, "single", server, None)
    try:
        return [timed_call(session, "expand_task", {"id": "1", "force": True})[0] for _ in range(runs)]
    finally:
        session.close()


def run(tmp: Path, name: str, server: ProviderServer, concurrency: dict[str, Any] | None) -> tuple[float, Any]:
    """expand_all in a fresh project and server process."""
    session = session_for(tmp, name, server, concurrency)
    try:
        return timed_call(session, "expand_all", {})
    finally:
        session.close()


def count(result: dict[str, Any], key: str) -> int:
    value: Any = result.get(key) or []
    return len(value) if isinstance(value, list) else 0  # pyright: ignore[reportUnknownArgumentType]


WEATHER_RATE = 0.3
WEATHER_FIXED = 8


def weather(tmp: Path, server: ProviderServer, lines: list[str]) -> None:
    """Part 3: random 529s at ``WEATHER_RATE``, adaptive against fixed ``WEATHER_FIXED``."""
    server.max_in_flight = None
    lines.append(f"provider answering 529 to {WEATHER_RATE:.0%} of requests at random (seeded)")
    results: dict[str, tuple[float, int, int]] = {}
    for name, concurrency in (
        (f"fixed {WEATHER_FIXED}, adaptation off", {"start": WEATHER_FIXED, "adaptive": False}),
        ("adaptive (start 8, max 16)", None),
    ):
        server.weather.set(WEATHER_RATE)
        server.peak_in_flight = 0
        elapsed, result = run(tmp, "weather-" + name.split()[0], server, concurrency)
        failed = count(result, "failed") + count(result, "remaining")
        results[name] = (elapsed, failed, server.weather.refused)
        lines.append(
            f"  {name:<28}: {elapsed:6.2f} s, {failed} failed, {server.weather.refused} 529s, "
            f"peak {server.peak_in_flight} in flight"
        )
    server.weather.set(0.0)
    (fixed, _, _), (adaptive, failed, _) = results.values()
    lines.append(f"  adaptive / fixed {WEATHER_FIXED}: {adaptive / fixed:.2f}x (target <= 1.5x, 0 failed; was 2.2x)")


def main() -> None:
    server = ProviderServer().start()
    server.defaults[MESSAGES] = Reply(text=SUBTASKS, delay=DELAY)
    lines: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            if "--weather" in sys.argv:
                weather(tmp, server, lines)
                print("\n".join(lines))
                return
            singles = one_call(tmp, server, 2)
            free, result = run(tmp, "free", server, None)
            one = statistics.median(singles)
            assert count(result, "expanded") == TASKS, result
            lines.append(f"expand_all over stdio, {TASKS} tasks, scripted model answering in {DELAY:g} s per call")
            lines.append(f"  one expand_task (median of {len(singles)})         : {one:6.2f} s")
            lines.append(
                f"  no rate limit, adaptive (start 8, max 16): {free:6.2f} s = {free / one:.2f}x one call "
                "(target <= 2.5x; fixed 4 was 5.9x; Task Master ~21x)"
            )
            server.max_in_flight = IN_FLIGHT_LIMIT
            lines.append(f"provider answering 429 when more than {IN_FLIGHT_LIMIT} requests are in flight")
            fixed: dict[int, tuple[float, int]] = {}
            for n in FIXED:
                server.busy_rejections = 0
                elapsed, result = run(tmp, f"fixed{n}", server, {"start": n, "adaptive": False})
                fixed[n] = (elapsed, count(result, "failed") + count(result, "remaining"))
                lines.append(
                    f"  fixed {n}, adaptation off                : {elapsed:6.2f} s, "
                    f"{fixed[n][1]} failed, {server.busy_rejections} 429s"
                )
            server.busy_rejections, server.peak_in_flight = 0, 0
            adaptive, result = run(tmp, "adaptive", server, None)
            failed = count(result, "failed") + count(result, "remaining")
            clean = [elapsed for elapsed, bad in fixed.values() if bad == 0]
            best = min(clean) if clean else float("nan")
            best_n = next((n for n, (elapsed, bad) in fixed.items() if bad == 0 and elapsed == best), None)
            lines.append(
                f"  adaptive (start 8, max 16)               : {adaptive:6.2f} s, {failed} failed, "
                f"{server.busy_rejections} 429s, peak {server.peak_in_flight} in flight"
            )
            lines.append(
                f"  adaptive / best fixed without failures (fixed {best_n}): {adaptive / best:.2f}x "
                "(target <= 1.3x, 0 failed)"
            )
            weather(tmp, server, lines)
    finally:
        server.stop()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
