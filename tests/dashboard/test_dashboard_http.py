"""The dashboard over real HTTP, without a browser: its JSON, its moves, its live stream and its security."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx2
import pytest

from dashboard_helpers import TOKEN, Running, running_dashboard, wait_until
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _tasks_file(root: Path) -> Path:
    return root / ".taskmaster" / "tasks" / "tasks.json"


@contextmanager
def _page_client(server: Running) -> Iterator[httpx2.Client]:
    """A client logged in the way a browser is: the token URL once, then only the cookie."""
    with httpx2.Client(base_url=server.url, timeout=10) as client:
        login = client.get(f"/?token={TOKEN}")
        assert login.status_code == 303 and login.headers["location"] == "/"
        yield client


def _csrf(client: httpx2.Client) -> str:
    page = client.get("/").text
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def _changed_values(before: Any, after: Any, path: str = "") -> list[str]:
    """Every JSON path whose value (or type) differs between two documents."""
    if isinstance(before, dict) and isinstance(after, dict):
        old, new = cast(dict[str, Any], before), cast(dict[str, Any], after)
        return [p for k in dict.fromkeys([*old, *new]) for p in _changed_values(old.get(k), new.get(k), f"{path}/{k}")]
    if isinstance(before, list) and isinstance(after, list):
        old_items, new_items = cast(list[Any], before), cast(list[Any], after)
        if len(old_items) == len(new_items):
            pairs = enumerate(zip(old_items, new_items, strict=True))
            return [p for i, (a, b) in pairs for p in _changed_values(a, b, f"{path}/{i}")]
    return [] if (type(before), before) == (type(after), after) else [path]


def test_the_board_has_a_column_per_status_with_the_fixture_counts(messy_project: Path) -> None:
    with running_dashboard(messy_project) as server:
        board = httpx2.get(f"{server.url}/api/board", headers=BEARER, timeout=10).json()
        other = httpx2.get(f"{server.url}/api/board?tag=feature-auth", headers=BEARER, timeout=10).json()
    counts = {c["status"]: c["count"] for c in board["columns"]}
    assert counts == {
        "pending": 2,
        "in-progress": 1,
        "review": 1,
        "blocked": 0,
        "deferred": 1,
        "done": 1,
        "cancelled": 1,
        "completed": 1,
    }
    assert board["tags"] == ["master", "feature-auth", "empty-tag"] and board["tag"] == "master"
    card = next(c for col in board["columns"] for c in col["cards"] if c["id"] == "3")
    assert card["dependencies"] == [{"id": "1", "done": True}, {"id": "2", "done": True}]
    assert (card["subtasks"], card["subtasksDone"]) == (3, 1)
    assert other["tag"] == "feature-auth" and other["total"] == 2


def test_an_unknown_tag_or_task_is_a_404_that_says_how_to_find_the_right_one(messy_project: Path) -> None:
    with running_dashboard(messy_project) as server:
        tag = httpx2.get(f"{server.url}/api/board?tag=nope", headers=BEARER, timeout=10)
        task = httpx2.get(f"{server.url}/api/task/99", headers=BEARER, timeout=10)
    assert tag.status_code == 404 and "Existing tags: master, feature-auth, empty-tag" in tag.json()["error"]
    assert task.status_code == 404 and "get_tasks" in task.json()["error"]


def test_the_task_view_shows_dependencies_both_ways_and_the_complexity_recommendation(messy_project: Path) -> None:
    entry = {
        "taskId": 4,
        "complexityScore": 7,
        "recommendedSubtasks": 5,
        "expansionPrompt": "Split by endpoint.",
        "reasoning": "Many routes.",
    }
    report = {"meta": {}, "complexityAnalysis": [entry]}
    (messy_project / ".taskmaster" / "reports").mkdir(parents=True)
    (messy_project / ".taskmaster" / "reports" / "task-complexity-report.json").write_text(json.dumps(report))
    with running_dashboard(messy_project) as server:
        task = httpx2.get(f"{server.url}/api/task/4", headers=BEARER, timeout=10).json()
    assert [d["id"] for d in task["dependsOn"]] == ["3"]
    assert [b["id"] for b in task["blocks"]] == ["5", "8"]
    assert task["complexity"] == {
        "complexityScore": 7,
        "recommendedSubtasks": 5,
        "expansionPrompt": "Split by endpoint.",
        "reasoning": "Many routes.",
    }
    assert [s["id"] for s in task["subtasks"]] == ["4.1", "4.2", "4.3"]


def test_the_graph_endpoint_lays_out_every_task_with_a_critical_path(messy_project: Path) -> None:
    with running_dashboard(messy_project) as server:
        graph = httpx2.get(f"{server.url}/api/graph", headers=BEARER, timeout=10).json()
    assert sorted(n["id"] for n in graph["nodes"]) == [str(i) for i in range(1, 9)]
    assert graph["criticalPath"] == ["3", "4", "5"]


def test_a_move_changes_exactly_one_value_in_tasks_json(messy_project: Path) -> None:
    before = json.loads(_tasks_file(messy_project).read_bytes())
    with running_dashboard(messy_project) as server, _page_client(server) as client:
        answer = client.post(
            "/api/status",
            json={"id": "4", "status": "in-progress", "expected": "pending"},
            headers={"x-csrf-token": _csrf(client), "origin": server.url},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] == ["4"]
    after = json.loads(_tasks_file(messy_project).read_bytes())
    assert _changed_values(before, after) == ["/master/tasks/3/status"]
    assert after["master"]["tasks"][3]["status"] == "in-progress"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"id": "4", "status": "finished"}, 400, "not a valid status"),
        ({"id": "99", "status": "done"}, 404, "not found"),
        ({"id": "4", "status": "done", "expected": "review"}, 409, "someone changed it"),
        ({"id": "4", "status": "done", "tag": "nope"}, 404, "does not exist"),
        ({"status": "done"}, 400, "Send JSON"),
    ],
)
def test_a_refused_move_says_why_and_leaves_the_file_byte_identical(
    messy_project: Path, body: dict[str, Any], status: int, message: str
) -> None:
    original = _tasks_file(messy_project).read_bytes()
    with running_dashboard(messy_project) as server:
        answer = httpx2.post(f"{server.url}/api/status", json=body, headers=BEARER, timeout=10)
    assert answer.status_code == status and message in answer.json()["error"]
    assert _tasks_file(messy_project).read_bytes() == original


def test_without_the_session_token_nothing_is_served(messy_project: Path) -> None:
    with running_dashboard(messy_project) as server:
        page = httpx2.get(f"{server.url}/", timeout=10)
        data = httpx2.get(f"{server.url}/api/board", timeout=10)
        wrong = httpx2.get(f"{server.url}/?token=not-the-token", timeout=10)
        wrong_bearer = httpx2.get(f"{server.url}/api/board", headers={"Authorization": "Bearer nope"}, timeout=10)
        with _page_client(server) as client:
            assert client.get("/api/board").status_code == 200
            assert "taskmaster_dashboard" in client.cookies and TOKEN not in client.cookies["taskmaster_dashboard"]
    assert page.status_code == data.status_code == wrong.status_code == wrong_bearer.status_code == 401
    assert "?token=" in data.json()["error"]


def test_page_writes_need_same_origin_and_the_csrf_token_and_leave_the_file_alone_otherwise(
    messy_project: Path,
) -> None:
    original = _tasks_file(messy_project).read_bytes()
    move = {"id": "4", "status": "done"}
    with running_dashboard(messy_project) as server, _page_client(server) as client:
        csrf = _csrf(client)
        no_csrf = client.post("/api/status", json=move, headers={"origin": server.url})
        no_origin = client.post("/api/status", json=move, headers={"x-csrf-token": csrf})
        other_origin = client.post(
            "/api/status", json=move, headers={"x-csrf-token": csrf, "origin": "http://localhost:1"}
        )
        form = client.post(
            "/api/status",
            content=b"id=4&status=done",
            headers={"x-csrf-token": csrf, "origin": server.url, "content-type": "application/x-www-form-urlencoded"},
        )
    assert (no_csrf.status_code, no_origin.status_code, other_origin.status_code) == (403, 403, 403)
    assert "CSRF" in no_csrf.json()["error"] and "same origin" in no_origin.json()["error"]
    assert form.status_code == 400 and "application/json" in form.json()["error"]
    assert _tasks_file(messy_project).read_bytes() == original


def test_hosts_and_origins_outside_the_allowed_names_are_refused(messy_project: Path) -> None:
    with running_dashboard(messy_project) as server:
        rebinding = httpx2.get(f"{server.url}/api/board", headers={**BEARER, "host": "evil.example:80"}, timeout=10)
        foreign = httpx2.get(
            f"{server.url}/api/board", headers={**BEARER, "origin": "https://evil.example"}, timeout=10
        )
    assert rebinding.status_code == 421 and "TASKMASTER_MCP_ALLOWED_HOSTS" in rebinding.json()["error"]
    assert foreign.status_code == 403 and "TASKMASTER_MCP_ALLOWED_ORIGINS" in foreign.json()["error"]


def test_no_response_carries_a_key_the_token_or_a_credential_in_a_base_url(messy_project: Path, tmp_path: Path) -> None:
    secrets = ["sk-ant-env-secret-111111", "sk-openai-dotenv-secret-222222", "hunter2-in-url", TOKEN]
    (messy_project / ".env").write_text(f"OPENAI_API_KEY={secrets[1]}\n")
    config = {
        "models": {
            "main": {
                "provider": "openai",
                "modelId": "gpt-4o",
                "baseURL": f"https://user:{secrets[2]}@proxy.example/v1",
            }
        }
    }
    (messy_project / ".taskmaster" / "config.json").write_text(json.dumps(config))
    env = {"ANTHROPIC_API_KEY": secrets[0], "TASKMASTER_MCP_DATA_DIR": str(tmp_path / "data")}
    with running_dashboard(messy_project, env) as server, _page_client(server) as client:
        paths = [
            "/",
            "/static/app.js",
            "/static/app.css",
            "/static/favicon.svg",
            "/api/board",
            "/api/graph",
            "/api/models",
            "/api/task/3",
            "/api/task/99",
            "/api/board?tag=nope",
        ]
        answers = [client.get(p) for p in paths]
        answers.append(
            client.post(
                "/api/status",
                json={"id": "4", "status": "bad"},
                headers={"x-csrf-token": _csrf(client), "origin": server.url},
            )
        )
        answers.append(httpx2.get(f"{server.url}/api/board", timeout=10))
    models = answers[6].json()
    assert models["roles"][0] == {"role": "main", "provider": "openai", "modelId": "gpt-4o"}
    for answer in answers:
        exposed = answer.text + json.dumps({k: v for k, v in answer.headers.items() if k != "set-cookie"})
        assert not [s for s in secrets if s in exposed], answer.url


def test_the_live_stream_announces_a_write_from_outside_and_stops_watching_when_the_page_goes(
    messy_project: Path,
) -> None:
    with running_dashboard(messy_project) as server:
        with httpx2.stream("GET", f"{server.url}/api/events", headers=BEARER, timeout=10) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:") and next(lines) == "event: hello"
            wait_until(lambda: server.state.watchers == 1, what="one watcher")
            with TaskStore(Paths(messy_project)).mutate() as doc:  # an agent's write through the MCP server's store
                doc.tasks("master")[0]["title"] = "Renamed by an agent"
            assert "event: tasks" in [next(lines) for _ in range(3)]
        wait_until(lambda: server.state.watchers == 0, what="the watcher to stop after the client left")


def test_a_server_shutting_down_ends_the_live_streams_so_an_open_page_cannot_hold_it(messy_project: Path) -> None:
    with (
        running_dashboard(messy_project) as server,
        httpx2.stream("GET", f"{server.url}/api/events", headers=BEARER, timeout=10) as stream,
    ):
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        server.state.closing = True  # what closing_server's Ctrl-C / SIGTERM handler sets
        assert [line for line in lines if line.startswith("event:")] == ["event: hello"]  # the stream ended
        wait_until(lambda: server.state.watchers == 0, what="the watcher to stop")


def test_without_a_token_reads_are_open_on_loopback_but_writes_still_need_the_page_csrf_token(
    messy_project: Path,
) -> None:
    original = _tasks_file(messy_project).read_bytes()
    with (
        running_dashboard(messy_project, token=None) as server,
        httpx2.Client(base_url=server.url, timeout=10) as client,
    ):
        assert client.get("/api/board").status_code == 200
        refused = client.post("/api/status", json={"id": "4", "status": "done"}, headers={"origin": server.url})
        assert refused.status_code == 403 and _tasks_file(messy_project).read_bytes() == original
        moved = client.post(
            "/api/status",
            json={"id": "4", "status": "review"},
            headers={"origin": server.url, "x-csrf-token": _csrf(client)},
        )
    assert moved.status_code == 200 and moved.json()["changed"] == ["4"]
