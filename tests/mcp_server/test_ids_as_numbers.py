"""Ids sent as JSON numbers (MCP Inspector sends ``id: 1``) are read as the same ids; other types are still refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import connected, error, ok, snapshot

EVERY = {"TASK_MASTER_TOOLS": "all"}


def task(project: Path, task_id: int) -> dict[str, Any]:
    data = json.loads((project / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    return next(t for t in data["master"]["tasks"] if str(t["id"]) == str(task_id))


async def test_a_numeric_id_reads_the_same_task_as_its_text(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        as_number = await ok(client, "get_task", id=2)
        as_text = await ok(client, "get_task", id="2")
    assert as_number == as_text


async def test_numeric_ids_work_for_writes_dependencies_and_moves(messy_project: Path) -> None:
    async with connected(messy_project, env=EVERY) as client:
        await ok(client, "set_task_status", id=8, status="review")
        await ok(client, "remove_dependency", id=8, dependsOn=6)
        await ok(client, "add_dependency", id=6, dependsOn=1)
        await ok(client, "add_subtask", id=8, title="Numeric parent")
        await ok(client, "move_task", **{"from": 7, "to": 20})
    assert task(messy_project, 8)["status"] == "review"
    assert [str(d) for d in task(messy_project, 8)["dependencies"]] == ["4"]
    assert [str(d) for d in task(messy_project, 6)["dependencies"]] == ["1"]
    assert task(messy_project, 8)["subtasks"][-1]["title"] == "Numeric parent"
    assert task(messy_project, 20)


@pytest.mark.parametrize("value", [True, 7.2, [1], {"id": 1}])
async def test_other_types_for_an_id_are_still_refused_and_change_nothing(messy_project: Path, value: Any) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, "set_task_status", id=value, status="done")
    assert "'id' must be a string" in message
    assert snapshot(messy_project) == before


async def test_the_published_schema_still_says_string(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert tools["get_task"].input_schema["properties"]["id"]["type"] == "string"
