"""Bounded under hostile load (issue 18 §4): connections, sessions, streams, bodies, the graph, field sizes, tags.

The HTTP cases run a real ``serve --http`` process with small caps set through the operator settings, so the bounds
are reached with a few dozen sockets; nothing here measures time.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx2
import pytest

from conftest import make_project
from dashboard_helpers import TOKEN, running_dashboard
from hostile_helpers import open_session, ping, serving_http
from mcp_helpers import connected, error, ok
from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.dashboard.routes import MAX_BODY_BYTES, MAX_STREAMS
from taskmaster_mcp.tasks.layout import MAX_GRAPH_TASKS, MAX_WAYPOINTS, layout
from taskmaster_mcp.tasks.model import TagIndex

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_abandoned_sessions_never_lock_a_new_client_out(messy_project: Path) -> None:
    with serving_http(messy_project, {"TASKMASTER_MCP_MAX_SESSIONS": "4"}) as served, httpx2.Client(timeout=20) as c:
        sessions = [open_session(c, served.url) for _ in range(10)]  # all admitted: the oldest idle ones make room
        oldest, newest = ping(c, served.url, sessions[0]), ping(c, served.url, sessions[-1])
    assert len(set(sessions)) == 10
    assert oldest == 404, "the least recently used idle session should have been closed for a new one"
    assert newest == 200
    assert "MCP session limit (4) reached" in served.log()


def test_idle_connections_never_lock_a_client_out_and_the_cap_is_logged_once(messy_project: Path) -> None:
    env = {"TASKMASTER_MCP_MAX_CONNECTIONS": "16", "TASKMASTER_MCP_HEADER_SECONDS": "1"}
    with serving_http(messy_project, env) as served:
        half = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        with half:
            half.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # a request head that never ends
            assert half.recv(1024) == b"", "a connection without a complete request head was never closed"
        idle = [socket.create_connection(("127.0.0.1", served.port), timeout=30) for _ in range(48)]
        try:
            with httpx2.Client(timeout=20) as client:
                assert open_session(client, served.url)  # 48 idle sockets, a cap of 16: a real client still gets in
        finally:
            for sock in idle:
                sock.close()
    log = served.log()
    lines = log.count("HTTP connection cap (16) reached")
    assert 1 <= lines <= 2, f"the cap should be logged once per interval, got {lines} lines:\n{log[:2000]}"
    assert log.count("\n") < 20


def test_the_dashboard_caps_its_post_body_and_its_live_streams(messy_project: Path) -> None:
    tasks = messy_project / ".taskmaster" / "tasks" / "tasks.json"
    original = tasks.read_bytes()
    huge = {"id": "4", "status": "done", "padding": "x" * (MAX_BODY_BYTES + 1)}
    with running_dashboard(messy_project) as server:
        answer = httpx2.post(f"{server.url}/api/status", json=huge, headers=BEARER, timeout=10)
        server.state.watchers = MAX_STREAMS  # as if that many pages were open
        stream = httpx2.get(f"{server.url}/api/events", headers=BEARER, timeout=10)
        server.state.watchers = 0
    assert answer.status_code == 413 and "over 65,536 bytes" in answer.json()["error"]
    assert tasks.read_bytes() == original
    assert stream.status_code == 503 and "live pages" in stream.json()["error"]


def _chain_with_root(n: int) -> TagIndex:
    """The hostile shape: a chain of ``n`` tasks, each also depending on task 1 (edges spanning every column)."""
    tasks: list[dict[str, Any]] = [
        {"id": i, "title": f"t{i}", "status": "pending", "dependencies": sorted({1, i - 1} - {0, i})}
        for i in range(1, n + 1)
    ]
    return TagIndex("master", tasks)


def test_the_graph_of_ten_thousand_tasks_is_bounded_work() -> None:
    graph = layout(_chain_with_root(10_000))
    waypoints = sum(len(edge["via"]) for edge in graph["edges"])
    assert len(graph["nodes"]) == 10_000 and len(graph["edges"]) == 2 * 10_000 - 3
    assert 0 < waypoints <= MAX_WAYPOINTS  # was 10,000 x 10,000 / 2 lane points
    column = {n["id"]: n["layer"] for n in graph["nodes"]}
    assert all(column[e["from"]] < column[e["to"]] for e in graph["edges"])


def test_a_graph_beyond_the_stated_size_is_refused_with_what_to_do() -> None:
    with pytest.raises(InvalidInput, match="at most 20,000"):
        layout(TagIndex("master", [{"id": i, "title": "t"} for i in range(1, MAX_GRAPH_TASKS + 2)]))


async def test_a_ten_megabyte_title_is_refused_and_nothing_is_written(messy_project: Path) -> None:
    tasks = messy_project / ".taskmaster" / "tasks" / "tasks.json"
    original = tasks.read_bytes()
    async with connected(messy_project) as client:
        added = await error(client, "add_task", title="x" * 10_000_000, description="d")
        updated = await error(client, "update_task", id="4", title="y" * 1_001)
        fine = await ok(client, "update_task", id="4", title="z" * 1_000)
    assert "title is 10,000,000 characters; the most a title may have is 1,000" in added
    assert "Nothing was written" in updated
    assert fine and len(json.loads(tasks.read_bytes())["master"]["tasks"][3]["title"]) == 1_000
    assert original != tasks.read_bytes()


async def test_list_tags_is_paged(tmp_path: Path) -> None:
    blocks: dict[str, Any] = {f"t{n:04d}": {"tasks": [], "metadata": {"description": f"tag {n}"}} for n in range(250)}
    source = tmp_path / "many.json"
    source.write_text(json.dumps({"master": {"tasks": []}, **blocks}))
    project = make_project(tmp_path / "proj", source)
    async with connected(project) as client:
        first = await ok(client, "list_tags")
        second = await ok(client, "list_tags", cursor=first["nextCursor"], limit=500)
    assert len(first["tags"]) == 100 and first["nextCursor"] == "100" and "251 tags" in first["note"]
    assert len(second["tags"]) == 151 and "nextCursor" not in second
    names = [t["name"] for t in first["tags"] + second["tags"]]
    assert names == ["master", *blocks] and first["current"] == "master"
