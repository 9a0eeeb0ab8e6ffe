"""expand_all over 20 pending tasks against a model that takes 300 ms per call, as a multiple of one expand_task.

Measured through the real server over stdio (tests/bench/rpc.py), with the main role pointed at the scripted provider
server on 127.0.0.1. Target: expand_all <= 6x one call (Task Master expands one task at a time: ~20x).

Run: /work/.venv/bin/python tests/bench/bench_expand.py [concurrency]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from provider_server import MESSAGES, ProviderServer, Reply, write_config  # noqa: E402
from rpc import Session, server_command  # noqa: E402

TASKS = 20
DELAY = 0.3
SINGLE_RUNS = 3
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


def make_project(root: Path, server: ProviderServer, concurrency: int | None) -> None:
    tasks = [
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
        for n in range(1, TASKS + 3)
    ]
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    # Repeated identical calls are measured, so the response cache (bench_response_cache.py) is off.
    ours: dict[str, object] = {"cache": {"enabled": False}}
    if concurrency:
        ours["concurrency"] = {"expandAll": concurrency}
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


def timed_call(session: Session, tool: str, arguments: dict[str, object]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    result = session.call(tool, arguments)
    return time.perf_counter() - start, result.get("structuredContent") or {}


def main() -> None:
    concurrency = int(sys.argv[1]) if len(sys.argv) > 1 else None
    server = ProviderServer().start()
    server.defaults[MESSAGES] = Reply(text=SUBTASKS, delay=DELAY)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            project = tmp / "project"
            make_project(project, server, concurrency)
            env = {"ANTHROPIC_API_KEY": "sk-bench", "TASKMASTER_MCP_DATA_DIR": str(tmp / "data")}
            session = Session(server_command(), project, env)
            try:
                session.initialize()
                timed_call(session, "expand_task", {"id": str(TASKS + 1)})  # warm-up: SDK import, connection
                singles = [
                    timed_call(session, "expand_task", {"id": str(TASKS + 2), "force": True})[0]
                    for _ in range(SINGLE_RUNS)
                ]
                single = statistics.median(singles)
                elapsed, result = timed_call(session, "expand_all", {})
            finally:
                session.close()
    finally:
        server.stop()
    expanded = result.get("expanded") or []
    assert isinstance(expanded, list) and len(expanded) == TASKS, result
    label = concurrency or "default (4)"
    print(f"expand over stdio, scripted model answering in {DELAY * 1000:.0f} ms per call, concurrency {label}")
    print(f"  one expand_task (median of {SINGLE_RUNS}): {single * 1000:7.0f} ms")
    print(
        f"  expand_all, {TASKS} tasks          : {elapsed * 1000:7.0f} ms   = {elapsed / single:.1f}x one call "
        "(target <= 6x; Task Master ~20x)"
    )


if __name__ == "__main__":
    main()
