"""A tasks.json of the wrong shape is reported (file, tag, JSON path) and never written over; deep JSON works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import connected, error, ok, snapshot

TASK = {"id": 1, "title": "First", "description": "d", "status": "pending", "dependencies": [], "subtasks": []}


def project_with(tmp_path: Path, document: Any) -> Path:
    root = tmp_path / "proj"
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return root


BROKEN = [
    pytest.param(
        {"master": {"tasks": {"1": TASK}}},
        "master.tasks",
        "expected a list of tasks, found an object",
        id="tasks-is-an-object",
    ),
    pytest.param({"master": {"tasks": "none yet"}}, "master.tasks", "found a string", id="tasks-is-a-string"),
    pytest.param(
        {"master": {"tasks": [TASK, 7, TASK]}},
        "master.tasks[1]",
        "expected a task object, found a number",
        id="a-task-is-not-an-object",
    ),
    pytest.param(
        {"master": {"tasks": [TASK]}, "feature": [TASK]}, "feature", "the tag is a list", id="a-tag-is-a-list"
    ),
    pytest.param(
        {"master": {"tasks": [{**TASK, "subtasks": {"1": {}}}]}},
        "master.tasks[0].subtasks",
        "expected a list of subtasks",
        id="subtasks-is-an-object",
    ),
    pytest.param(
        {"master": {"tasks": [{**TASK, "subtasks": [{"id": 1}, "x"]}]}},
        "master.tasks[0].subtasks[1]",
        "expected a task object, found a string",
        id="a-subtask-is-a-string",
    ),
    pytest.param(
        {"master": {"tasks": [{**TASK, "dependencies": "2"}]}},
        "master.tasks[0].dependencies",
        "expected a list of ids",
        id="dependencies-is-a-string",
    ),
    pytest.param(
        {"master": {"tasks": [{**TASK, "dependencies": [{"id": 2}]}]}},
        "master.tasks[0].dependencies[0]",
        "expected an id, found an object",
        id="a-dependency-is-an-object",
    ),
    pytest.param({"master": {"tasks": [{"title": "no id"}]}}, "master.tasks[0].id", "found null", id="no-id"),
    pytest.param(
        {"master": {"tasks": [{**TASK, "id": True}]}}, "master.tasks[0].id", "found a boolean", id="a-boolean-id"
    ),
    pytest.param({"meta": {}, "tasks": [TASK, None]}, "tasks[1]", "found null", id="legacy-with-a-null-task"),
]


@pytest.mark.parametrize(("document", "where", "problem"), BROKEN)
async def test_a_wrong_shape_is_reported_with_its_path_and_no_tool_writes_over_it(
    tmp_path: Path, document: Any, where: str, problem: str
) -> None:
    root = project_with(tmp_path, document)
    before = snapshot(root)
    async with connected(root) as client:
        messages = [
            await error(client, "get_tasks"),
            await error(client, "next_task"),
            await error(client, "add_task", title="New", description="would replace the broken tag"),
            await error(client, "set_task_status", id="1", status="done"),
            await error(client, "add_tag", name="other"),
        ]
    for message in messages:
        assert f"at {where}:" in message and problem in message, message
        assert "tasks.json" in message and "This is a bug" not in message
    assert snapshot(root) == before


async def test_a_top_level_key_that_is_not_a_tag_is_kept_and_never_replaced_by_a_new_tag(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"master": {"tasks": [TASK]}, "notes": {"owner": "me"}, "$schema": "x"})
    before = snapshot(root)
    async with connected(root) as client:
        refused = await error(client, "add_tag", name="notes")
        renamed = await error(client, "copy_tag", sourceName="master", targetName="notes")
        await ok(client, "set_task_status", id="1", status="done")
    assert "not a tag" in refused and "not a tag" in renamed
    saved = json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    assert saved["notes"] == {"owner": "me"} and saved["$schema"] == "x"
    assert snapshot(root) != before


@pytest.mark.parametrize("levels", [500, 5000])
async def test_deeply_nested_metadata_is_read_shown_clipped_and_written_back_intact(
    tmp_path: Path, levels: int
) -> None:
    root = project_with(tmp_path, {"master": {"tasks": []}})
    path = root / ".taskmaster/tasks/tasks.json"
    first = json.dumps(TASK)[:-1] + ', "metadata": ' + _deep_text(levels) + "}"  # json.dumps stops at ~1,000 levels
    second = json.dumps({**TASK, "id": 2, "title": "Second"})
    path.write_text(f'{{"master": {{"tasks": [{first}, {second}]}}}}', encoding="utf-8")
    async with connected(root) as client:
        listed = await ok(client, "get_tasks", fields="metadata")
        shown = await ok(client, "get_task", id="1")
        await ok(client, "set_task_status", id="2", status="done")
        if levels < 1000:  # each copy of a 5,000-level value writes ~50 MB in Task Master's indented format
            await ok(client, "copy_tag", sourceName="master", targetName="copy")
            await ok(client, "add_subtask", id="2", taskId="1")
    assert listed["stats"]["tasks"] == 2
    assert "nested deeper than 64 levels" in json.dumps(shown["tasks"][0]["metadata"])
    text = path.read_text(encoding="utf-8")
    copies = 2 if levels < 1000 else 1  # with copies: the copied tag's and the converted subtask's, both whole
    assert text.count('"leaf": true') == copies
    assert text.count('"n": {') == copies * levels
    assert '"status": "done"' in text  # the one value set_task_status changed


def _deep_text(levels: int) -> str:
    return '{"n": ' * levels + '{"leaf": true}' + "}" * levels


async def test_nesting_beyond_the_supported_depth_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"master": {"tasks": []}})
    path = root / ".taskmaster/tasks/tasks.json"
    path.write_text('{"master": {"tasks": [], "metadata": ' + _deep_text(9000) + "}}", encoding="utf-8")
    before = snapshot(root)
    async with connected(root) as client:
        message = await error(client, "add_task", title="x", description="y")
    assert str(path) in message and "levels deep" in message
    assert snapshot(root) == before


async def test_a_cut_off_tasks_json_is_named_with_where_it_breaks_in_plain_words_and_left_as_it_is(
    tmp_path: Path,
) -> None:
    root = project_with(tmp_path, {})
    (root / ".taskmaster/tasks/tasks.json").write_text('{"master": {"tasks\n', encoding="utf-8")
    before = snapshot(root)
    async with connected(root) as client:
        message = await error(client, "set_task_status", id="1", status="done")
    assert "is not valid JSON: Invalid control character at line 1 column 19" in message
    assert snapshot(root) == before
