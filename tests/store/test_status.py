"""One set-status operation (store/status.py) behind the ``set_task_status`` tool and the dashboard's card move."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import connected, ok
from taskmaster_mcp.errors import Conflict
from taskmaster_mcp.mcp_server.dashboard.data import DashboardData
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.status import set_status
from taskmaster_mcp.tasks.model import Ref


def _doc() -> dict[str, Any]:
    subs = [{"id": 1, "title": "Sub", "status": "pending", "dependencies": []}]
    tasks = [
        {"id": 1, "title": "One", "description": "", "status": "pending", "dependencies": [], "subtasks": subs},
        {"id": 2, "title": "Two", "description": "", "status": "pending", "dependencies": [1], "priority": "high"},
        {"id": 3, "title": "Three", "description": "", "status": "pending", "dependencies": [], "priority": "low"},
    ]
    return {"master": {"tasks": tasks, "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}


def _project(root: Path) -> Path:
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps(_doc(), indent=2) + "\n")
    return root / ".taskmaster" / "tasks" / "tasks.json"


def test_done_closes_subtasks_and_returns_the_next_row(tmp_path: Path) -> None:
    _project(tmp_path)
    change = set_status(Project.open(Paths(tmp_path)), "master", [Ref("1")], "done")
    assert set(change.changed) == {"1", "1.1"}
    assert change.next is not None and str(change.next["id"]) == "2"  # its dependency is done now, and it is high


def test_a_stale_expected_status_is_a_conflict_and_the_file_is_byte_identical(tmp_path: Path) -> None:
    file = _project(tmp_path)
    before = file.read_bytes()
    with pytest.raises(Conflict, match="now 'pending', not 'review'"):
        set_status(Project.open(Paths(tmp_path)), "master", [Ref("3")], "done", expected="review")
    assert file.read_bytes() == before


async def test_the_dashboard_move_and_the_tool_write_the_same_bytes(tmp_path: Path) -> None:
    by_tool, by_board = _project(tmp_path / "a"), _project(tmp_path / "b")
    async with connected(tmp_path / "a") as client:
        result = await ok(client, "set_task_status", id="1", status="done")
    assert str(result["next"]["id"]) == "2"
    moved = DashboardData(Project.open(Paths(tmp_path / "b")), {}).move(None, "1", "done", "pending")
    assert set(moved["changed"]) == {"1", "1.1"}
    assert by_tool.read_bytes() == by_board.read_bytes()
