"""A repeated identical expand_task: model requests and time of the second call, against the first in the same run.

Measured through the real server over stdio (tests/bench/rpc.py), with the main role pointed at the scripted provider
server on 127.0.0.1, which answers in 300 ms. The same task is expanded with ``force`` several times: the first call
asks the model and stores the answer, every later one is answered from the response cache. Reported:

- requests the scripted server saw during the repeated calls (target 0);
- the router's own time for a repeated call (``usage.latencyMs``: key, lookup, validation; target <= 5 ms);
- the whole tool call as the client sees it over stdio (read the tasks, build the prompt, write the subtasks, the
  JSON-RPC round trip), as a ratio of the first call.

Run: .venv/bin/python tests/bench/bench_response_cache.py
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

DELAY = 0.3
REPEATS = 7
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


def make_project(root: Path, server: ProviderServer) -> None:
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
        for n in range(1, 21)
    ]
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
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
    )


def timed_call(session: Session, tool: str, arguments: dict[str, object]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = session.call(tool, arguments)
    return time.perf_counter() - start, result.get("structuredContent") or {}


def main() -> None:
    server = ProviderServer().start()
    server.defaults[MESSAGES] = Reply(text=SUBTASKS, delay=DELAY)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            project = tmp / "project"
            make_project(project, server)
            env = {
                "ANTHROPIC_API_KEY": "sk-bench",
                "TASKMASTER_MCP_DATA_DIR": str(tmp / "data"),
                "TASKMASTER_MCP_CACHE_DIR": str(tmp / "cache"),
            }
            session = Session(server_command(), project, env)
            try:
                session.initialize()
                timed_call(session, "expand_task", {"id": "20"})  # warm-up: SDK import, connection
                first, first_result = timed_call(session, "expand_task", {"id": "1", "force": True})
                before = len(server.seen(MESSAGES))
                repeats = [timed_call(session, "expand_task", {"id": "1", "force": True}) for _ in range(REPEATS)]
                requests = len(server.seen(MESSAGES)) - before
            finally:
                session.close()
    finally:
        server.stop()
    usages = [result["usage"] for _, result in repeats]
    assert all(u.get("cacheHits") == 1 for u in usages), usages
    assert "cacheHits" not in first_result["usage"], first_result
    round_trip = statistics.median(elapsed for elapsed, _ in repeats)
    router = statistics.median(float(u["latencyMs"]) for u in usages)
    print(f"repeated identical expand_task over stdio, scripted model answering in {DELAY * 1000:.0f} ms")
    print(f"  model requests during {REPEATS} repeats   : {requests}   (target 0)")
    print(f"  router time of a repeat (median)  : {router:7.2f} ms   (target <= 5 ms)")
    print(f"  first call, whole tool over stdio : {first * 1000:7.1f} ms")
    print(
        f"  repeat, whole tool over stdio     : {round_trip * 1000:7.1f} ms   = {round_trip / first:.3f}x the first "
        "call"
    )


if __name__ == "__main__":
    main()
