"""Property-based tests: random sequences of data-tool calls, and random malformed or deep documents.

Invariants checked after every step of every sequence:

- no call reaches the unexpected-error path ("This is a bug");
- a refused call leaves every file byte-identical;
- a successful call loses no task or tag that existed before, unless the call removed it (remove_task,
  remove_subtask, clear_subtasks, delete_tag, rename_tag, move_task and add_subtask with taskId say which);
- ids stay unique (tasks in a tag, subtasks in a task);
- tasks.json stays valid JSON of Task Master's shape.

Example counts are bounded (``HYPOTHESIS_PROFILE`` in tests/conftest.py) so CI stays fast; failures hypothesis finds
are kept in tests/hypothesis-db (committed) and replayed first on every run.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from mcp_helpers import connected, snapshot
from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import dependencies, queries

IDS = st.sampled_from(["1", "2", "3", "3.1", "3.2", "4", "5.1", "8", "99", "2.9", "0", "-1", "abc", "1,2", "", "7.x"])
TAGS = st.sampled_from(["master", "feature-auth", "empty-tag", "new-tag", "bad tag", "", "x" * 120])
STATUSES = st.sampled_from(["pending", "in-progress", "done", "review", "deferred", "cancelled", "blocked", "bogus"])
TEXT = st.text(min_size=0, max_size=30)

CALLS = st.one_of(
    st.tuples(
        st.just("get_tasks"),
        st.fixed_dictionaries({}, optional={"status": STATUSES, "tag": TAGS, "withSubtasks": st.booleans()}),
    ),
    st.tuples(st.just("get_task"), st.fixed_dictionaries({"id": IDS}, optional={"tag": TAGS})),
    st.tuples(st.just("next_task"), st.fixed_dictionaries({}, optional={"tag": TAGS})),
    st.tuples(
        st.just("set_task_status"), st.fixed_dictionaries({"id": IDS, "status": STATUSES}, optional={"tag": TAGS})
    ),
    st.tuples(
        st.just("add_task"),
        st.fixed_dictionaries(
            {"title": TEXT},
            optional={
                "description": TEXT,
                "dependencies": IDS,
                "priority": st.sampled_from(["high", "low", "urgent"]),
                "tag": TAGS,
            },
        ),
    ),
    st.tuples(
        st.just("add_subtask"),
        st.fixed_dictionaries(
            {"id": IDS}, optional={"title": TEXT, "taskId": IDS, "dependencies": IDS, "status": STATUSES}
        ),
    ),
    st.tuples(
        st.just("update_task"),
        st.fixed_dictionaries(
            {"id": IDS},
            optional={"title": TEXT, "details": TEXT, "priority": st.sampled_from(["high", "medium", "nope"])},
        ),
    ),
    st.tuples(st.just("update_subtask"), st.fixed_dictionaries({"id": IDS, "prompt": TEXT})),
    st.tuples(st.just("remove_task"), st.fixed_dictionaries({"id": IDS}, optional={"tag": TAGS})),
    st.tuples(st.just("remove_subtask"), st.fixed_dictionaries({"id": IDS}, optional={"convert": st.booleans()})),
    st.tuples(st.just("clear_subtasks"), st.fixed_dictionaries({"id": IDS})),
    st.tuples(st.just("move_task"), st.fixed_dictionaries({"from": IDS}, optional={"to": IDS, "toTag": TAGS})),
    st.tuples(st.just("add_dependency"), st.fixed_dictionaries({"id": IDS, "dependsOn": IDS})),
    st.tuples(st.just("remove_dependency"), st.fixed_dictionaries({"id": IDS, "dependsOn": IDS})),
    st.tuples(st.just("validate_dependencies"), st.fixed_dictionaries({})),
    st.tuples(st.just("fix_dependencies"), st.fixed_dictionaries({}, optional={"tag": TAGS})),
    st.tuples(st.just("list_tags"), st.fixed_dictionaries({})),
    st.tuples(st.just("add_tag"), st.fixed_dictionaries({"name": TAGS}, optional={"copyFromCurrent": st.booleans()})),
    st.tuples(st.just("use_tag"), st.fixed_dictionaries({"name": TAGS})),
    st.tuples(st.just("delete_tag"), st.fixed_dictionaries({"name": TAGS})),
    st.tuples(st.just("rename_tag"), st.fixed_dictionaries({"oldName": TAGS, "newName": TAGS})),
    st.tuples(st.just("copy_tag"), st.fixed_dictionaries({"sourceName": TAGS, "targetName": TAGS})),
)

# Calls that may legitimately make tasks or tags disappear (each is checked for what it may remove).
REMOVERS = {"remove_task", "remove_subtask", "clear_subtasks", "delete_tag", "rename_tag", "move_task", "add_subtask"}


def _inventory(root: Path) -> tuple[set[str], set[str]]:
    """Every tag, and every task and subtask as ``tag:id`` / ``tag:id.sub``, in the file on disk."""
    data = json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    tags = {name for name, block in data.items() if isinstance(block, dict) and "tasks" in block}
    items: set[str] = set()
    for tag in tags:
        for task in data[tag]["tasks"]:
            items.add(f"{tag}:{task['id']}")
            items.update(f"{tag}:{task['id']}.{sub['id']}" for sub in task.get("subtasks") or [])
    return tags, items


def _check_file(root: Path) -> None:
    """tasks.json parses, has Task Master's shape (our reader's check) and unique ids."""
    document = TaskStore(Paths(root)).read()
    for tag in document.tags():
        ids = [str(t["id"]) for t in document.tasks(tag)]
        assert len(ids) == len(set(ids)), f"duplicate task ids in {tag}: {ids}"
        for task in document.tasks(tag):
            subs = [str(s["id"]) for s in task.get("subtasks") or []]
            assert len(subs) == len(set(subs)), f"duplicate subtask ids in {tag}:{task['id']}: {subs}"


def _allowed_losses(tool: str, arguments: dict[str, Any], lost_items: set[str], lost_tags: set[str]) -> bool:
    if not lost_items and not lost_tags:
        return True
    if tool not in REMOVERS:
        return False
    if tool in ("delete_tag", "rename_tag"):
        named = arguments.get("name") or arguments.get("oldName")
        return lost_tags == {named} and all(item.startswith(f"{named}:") for item in lost_items)
    return not lost_tags


async def _run(root: Path, calls: list[tuple[str, dict[str, Any]]]) -> None:
    async with connected(root) as client:
        for tool, arguments in calls:
            before_files = snapshot(root)
            tags_before, items_before = _inventory(root)
            result = await client.call_tool(tool, arguments)
            text = getattr(result.content[0], "text", "") if result.content else ""
            assert "This is a bug" not in text and "failed unexpectedly" not in text, (tool, arguments, text)
            if result.is_error:
                assert snapshot(root) == before_files, f"refused {tool} {arguments} changed files: {text}"
                continue
            tags_after, items_after = _inventory(root)
            lost_tags, lost_items = tags_before - tags_after, items_before - items_after
            assert _allowed_losses(tool, arguments, lost_items, lost_tags), (tool, arguments, lost_tags, lost_items)
            _check_file(root)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(calls=st.lists(CALLS, min_size=1, max_size=12))
def test_random_tool_sequences_keep_every_invariant(
    tmp_path_factory: Any,
    calls: list[tuple[str, dict[str, Any]]],
) -> None:
    root = tmp_path_factory.mktemp("project")
    (root / ".taskmaster/tasks").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "messy-tasks.json", root / ".taskmaster/tasks/tasks.json")
    asyncio.run(_run(root, calls))


# --- the reader ------------------------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False), st.text(max_size=8))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25,
)
TASKISH = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_VALUES,
        "title": JSON_VALUES,
        "status": JSON_VALUES,
        "dependencies": JSON_VALUES,
        "subtasks": JSON_VALUES,
        "priority": JSON_VALUES,
        "metadata": JSON_VALUES,
    },
)
TAG_BLOCKS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"tasks": st.one_of(JSON_VALUES, st.lists(st.one_of(TASKISH, JSON_VALUES), max_size=5))},
        optional={"metadata": JSON_VALUES},
    ),
)
DOCUMENTS = st.one_of(
    JSON_VALUES, st.dictionaries(st.sampled_from(["master", "other", "tasks", "meta"]), TAG_BLOCKS, max_size=3)
)


def _nest(depth: int) -> str:
    return '{"a": ' * depth + "[]" + "}" * depth


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(document=DOCUMENTS, deep=st.sampled_from([0, 0, 0, 300, 1500]))
def test_the_reader_accepts_or_reports_any_document_and_queries_never_crash(
    tmp_path_factory: Any, document: Any, deep: int
) -> None:
    root = tmp_path_factory.mktemp("reader")
    path = root / ".taskmaster/tasks/tasks.json"
    path.parent.mkdir(parents=True)
    text = json.dumps(document)
    if deep and isinstance(document, dict) and isinstance(document.get("master"), dict):
        text = text[:-1] + (", " if len(document) else "") + f'"deep": {_nest(deep)}}}'
    path.write_text(text, encoding="utf-8")
    try:
        parsed = TaskStore(Paths(root)).read()
    except StoreError as exc:
        assert str(path) in str(exc)
        return
    for tag in parsed.tags() or ["master"]:
        index = parsed.index(tag)
        queries.next_item(index)
        queries.progress(index.tasks)
        queries.page(index.tasks, offset=0, limit=50, render=lambda t: queries.compact_row(t, ("metadata",), True))
        dependencies.validate(index)
        for task in index.tasks:
            queries.full_item(index, task, None, None)
