"""Hostile load against one real ``serve --http`` process on loopback (issue 18 §4), with RSS before and after.

- connections: 1,100 idle sockets (the count that took the server down), then a fresh client's initialize;
- sessions: 1,000 abandoned MCP sessions, then a fresh client's initialize;
- streams: 100 dashboard live-update streams at once (the cap answers 503 past it);
- graph: ``/api/graph`` of a 10,000-task tag shaped for the worst case (a chain whose every task also depends on
  task 1), against ``/api/board`` of the same tag as the baseline.

Bounded loops, loopback only, stops by itself:

    .venv/bin/python tests/bench/bench_hostile_load.py
"""

from __future__ import annotations

import json
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hostile_helpers import ACCEPT, INITIALIZE, Served, serving_http

TOKEN = "bench-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _project(root: Path, n: int) -> Path:
    tasks: list[dict[str, Any]] = [
        {"id": i, "title": f"Task {i}", "description": "", "status": "pending",
         "dependencies": sorted({1, i - 1} - {0, i}), "priority": "medium", "subtasks": []}
        for i in range(1, n + 1)
    ]  # fmt: skip
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    return root


def _fresh_client_ms(served: Served) -> tuple[int | str, float]:
    start = time.perf_counter()
    try:
        with httpx2.Client(timeout=30) as client:
            status: int | str = client.post(served.url, json=INITIALIZE, headers={**ACCEPT, **AUTH}).status_code
    except httpx2.HTTPError as err:
        status = type(err).__name__
    return status, (time.perf_counter() - start) * 1000


def connections(served: Served) -> None:
    before = served.rss_kb()
    idle: list[socket.socket] = []
    refused = 0
    for _ in range(1_100):
        try:
            idle.append(socket.create_connection(("127.0.0.1", served.port), timeout=5))
        except OSError:
            refused += 1
    status, ms = _fresh_client_ms(served)
    after = served.rss_kb()
    for sock in idle:
        sock.close()
    log = served.log()
    print(
        f"connections: 1,100 idle sockets ({refused} refused at connect); a fresh client got {status} in {ms:.0f} ms; "
        f"RSS {before / 1024:.0f} -> {after / 1024:.0f} MB; stderr {len(log):,} bytes, "
        f"{log.count('HTTP connection cap')} cap line(s)"
    )


def sessions(served: Served) -> None:
    before = served.rss_kb()
    with httpx2.Client(timeout=30) as client:
        codes = [client.post(served.url, json=INITIALIZE, headers={**ACCEPT, **AUTH}).status_code for _ in range(1_000)]
    status, ms = _fresh_client_ms(served)
    after = served.rss_kb()
    print(
        f"sessions: 1,000 abandoned ({codes.count(200)} admitted, {len(codes) - codes.count(200)} refused); "
        f"a fresh client got {status} in {ms:.0f} ms; RSS {before / 1024:.0f} -> {after / 1024:.0f} MB"
    )


def streams(served: Served) -> None:
    before = served.rss_kb()
    host = f"127.0.0.1:{served.port}"
    request = f"GET /api/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
    opened: list[socket.socket] = []
    statuses: list[str] = []
    for _ in range(100):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        sock.sendall(request)
        statuses.append(sock.recv(64).split(b"\r\n", 1)[0].decode(errors="replace"))
        opened.append(sock)
    after = served.rss_kb()
    for sock in opened:
        sock.close()
    ok, busy = sum(" 200" in s for s in statuses), sum(" 503" in s for s in statuses)
    print(f"streams: 100 opened: {ok} served, {busy} answered 503; RSS {before / 1024:.0f} -> {after / 1024:.0f} MB")


def graph(served: Served) -> None:
    base = f"http://127.0.0.1:{served.port}"
    with httpx2.Client(timeout=300, headers=AUTH) as client:
        client.get(f"{base}/api/board")  # the parse of tasks.json, paid once by both figures
        start = time.perf_counter()
        board = client.get(f"{base}/api/board")
        board_ms = (time.perf_counter() - start) * 1000
        before = served.rss_kb()
        start = time.perf_counter()
        answer = client.get(f"{base}/api/graph")
        graph_ms = (time.perf_counter() - start) * 1000
    after = served.rss_kb()
    assert board.status_code == 200 and answer.status_code == 200, answer.text[:300]
    data = answer.json()
    via = sum(len(e["via"]) for e in data["edges"])
    print(
        f"graph: 10,000 tasks, {len(data['edges']):,} edges, {via:,} lane points: {graph_ms:.0f} ms "
        f"(x{graph_ms / max(board_ms, 0.001):.1f} the board's {board_ms:.0f} ms), {len(answer.content) / 1e6:.1f} MB; "
        f"RSS {before / 1024:.0f} -> {after / 1024:.0f} MB"
    )


CASES = (connections, sessions, streams, graph)


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))  # this client's 1,100 sockets
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp) / "proj", 10_000)
        env = {"TASKMASTER_MCP_TOKEN": TOKEN}
        for case in CASES:
            with serving_http(project, env) as served:
                case(served)


if __name__ == "__main__":
    main()
