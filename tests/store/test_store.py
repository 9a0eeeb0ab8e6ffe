"""TaskStore: tolerant reads, faithful atomic writes, the cache, legacy files and state.json (no MCP)."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import make_project
from taskmaster_mcp.errors import NotFound, StoreError
from taskmaster_mcp.store.files import dumps
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import NoChange, TaskStore
from taskmaster_mcp.tasks import edits, tags
from taskmaster_mcp.tasks.document import now_iso
from taskmaster_mcp.tasks.model import Ref


def tasks_path(root: Path) -> Path:
    return root / ".taskmaster" / "tasks" / "tasks.json"


def store_of(root: Path) -> TaskStore:
    return TaskStore(Paths(root))


def write_tasks(root: Path, data: Any, *, trailing_newline: bool = False) -> Path:
    make_project(root)
    path = tasks_path(root)
    path.write_text(dumps(data, trailing_newline=trailing_newline), encoding="utf-8")
    return path


def by_id(tasks: list[dict[str, Any]], task_id: str) -> dict[str, Any]:
    return next(t for t in tasks if str(t["id"]) == task_id)


def changed_lines(before: str, after: str) -> list[str]:
    return [line[0] + line[2:] for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


# --- reading ----------------------------------------------------------------------------------------------------


def test_messy_fixture_loads_with_every_tag_in_file_order(messy_project: Path) -> None:
    doc = store_of(messy_project).read()
    assert doc.tags() == ["master", "feature-auth", "empty-tag"]
    assert not doc.legacy
    assert len(doc.tasks("master")) == 8
    assert doc.tasks("empty-tag") == []


def test_legacy_fixture_loads_as_the_master_tag(legacy_project: Path) -> None:
    doc = store_of(legacy_project).read()
    assert doc.legacy
    assert doc.tags() == ["master"]
    assert [t["title"] for t in doc.tasks("master")] == ["Old task", "Next old task"]


def test_index_of_a_missing_tag_is_not_found_and_names_existing_tags(messy_project: Path) -> None:
    with pytest.raises(NotFound, match="feature-auth"):
        store_of(messy_project).read().index("nope")


def test_string_and_int_ids_address_the_same_task(messy_project: Path) -> None:
    index = store_of(messy_project).read().index("master")
    assert index.task("3")["id"] == "3"
    assert index.task("1")["id"] == 1


def test_a_missing_tasks_file_reads_as_an_empty_project(tmp_path: Path) -> None:
    make_project(tmp_path)
    doc = store_of(tmp_path).read()
    assert not doc.exists
    assert doc.tags() == []
    assert doc.tasks("master") == []


def test_legacy_location_tasks_tasks_json_is_read(tmp_path: Path, shared_fixtures: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "tasks").mkdir()
    shutil.copyfile(shared_fixtures / "messy-tasks.json", tmp_path / "tasks" / "tasks.json")
    assert store_of(tmp_path).read().tags() == ["master", "feature-auth", "empty-tag"]


def test_first_write_of_a_legacy_location_goes_to_the_new_location_and_leaves_the_old_file(
    tmp_path: Path, shared_fixtures: Path
) -> None:
    make_project(tmp_path)
    (tmp_path / "tasks").mkdir()
    old = tmp_path / "tasks" / "tasks.json"
    shutil.copyfile(shared_fixtures / "messy-tasks.json", old)
    store = store_of(tmp_path)
    with store.mutate() as doc:
        edits.set_status(doc, "master", [Ref("5")], "pending")
    assert old.read_bytes() == (shared_fixtures / "messy-tasks.json").read_bytes()
    assert by_id(json.loads(tasks_path(tmp_path).read_text())["master"]["tasks"], "5")["status"] == "pending"
    assert store.read().index("master").task("5")["status"] == "pending"


# --- faithful writes --------------------------------------------------------------------------------------------


def test_a_no_op_load_and_save_of_the_messy_fixture_is_byte_identical(messy_project: Path) -> None:
    original = tasks_path(messy_project).read_bytes()
    store = store_of(messy_project)
    with store.mutate():
        pass
    assert json.loads(tasks_path(messy_project).read_bytes()) == json.loads(original)
    assert tasks_path(messy_project).read_bytes() == original


def test_a_status_change_alters_exactly_one_line(messy_project: Path) -> None:
    before = tasks_path(messy_project).read_text(encoding="utf-8")
    with store_of(messy_project).mutate() as doc:
        assert edits.set_status(doc, "master", [Ref("6")], "done") == ["6"]
    after = tasks_path(messy_project).read_text(encoding="utf-8")
    assert changed_lines(before, after) == ['-        "status": "review",', '+        "status": "done",']


def test_writes_keep_string_ids_int_deps_and_dotted_deps_as_they_were(messy_project: Path) -> None:
    with store_of(messy_project).mutate() as doc:
        edits.set_status(doc, "master", [Ref("3", "3")], "done")
        edits.add_task(doc, "master", title="New", description="d")
    master = json.loads(tasks_path(messy_project).read_text())["master"]["tasks"]
    task3 = by_id(master, "3")
    assert task3["id"] == "3"
    assert task3["dependencies"] == ["1", 2]
    assert task3["subtasks"][2]["dependencies"] == ["3.2"]
    assert task3["subtasks"][1]["dependencies"] == [1]
    assert by_id(master, "8")["dependencies"] == [4, "6"]
    assert master[-1]["id"] == 9


def test_parent_id_undefined_is_kept_where_it_was_and_never_added(messy_project: Path) -> None:
    with store_of(messy_project).mutate() as doc:
        edits.set_status(doc, "master", [Ref("3")], "done")
        edits.set_status(doc, "master", [Ref("4")], "done")
        edits.add_subtask(doc, "master", "4", title="Docs")
    master = json.loads(tasks_path(messy_project).read_text())["master"]["tasks"]
    assert [s.get("parentId") for s in by_id(master, "3")["subtasks"]] == ["undefined", "undefined", None]
    assert by_id(master, "3")["subtasks"][2]["parentTaskId"] == 3
    assert all("parentId" not in s for s in by_id(master, "4")["subtasks"])
    assert by_id(master, "8")["subtasks"][1]["parentId"] == 8
    assert tasks_path(messy_project).read_text().count('"parentId": "undefined"') == 2


def test_unknown_fields_and_both_tag_metadata_shapes_survive_a_write(messy_project: Path) -> None:
    original = json.loads(tasks_path(messy_project).read_text())
    with store_of(messy_project).mutate() as doc:
        edits.set_status(doc, "master", [Ref("4")], "in-progress")
        edits.set_status(doc, "feature-auth", [Ref("2")], "done")
    data = json.loads(tasks_path(messy_project).read_text())
    task4 = by_id(data["master"]["tasks"], "4")
    assert task4["relevantFiles"] == [{"path": "api/routes.py", "description": "routes", "action": "modify"}]
    assert task4["acceptanceCriteria"] == ["All endpoints documented", "p95 < 100 ms"]
    assert by_id(data["master"]["tasks"], "3")["metadata"] == {"owner": "storage-team", "jira": "ST-12"}
    for name in ("master", "feature-auth", "empty-tag"):
        assert data[name]["metadata"] == original[name]["metadata"]


@pytest.mark.parametrize("trailing", [True, False])
def test_trailing_newline_presence_is_preserved(tmp_path: Path, trailing: bool) -> None:
    path = write_tasks(
        tmp_path, {"master": {"tasks": [{"id": 1, "title": "a", "status": "pending"}]}}, trailing_newline=trailing
    )
    with store_of(tmp_path).mutate() as doc:
        edits.set_status(doc, "master", [Ref("1")], "done")
    assert path.read_bytes().endswith(b"}\n") is trailing
    assert path.read_bytes().endswith(b"}") is not trailing


def test_non_ascii_text_is_written_unescaped(tmp_path: Path) -> None:
    path = write_tasks(tmp_path, {"master": {"tasks": [{"id": 1, "title": "Résumé 日本語 🚀", "status": "pending"}]}})
    with store_of(tmp_path).mutate() as doc:
        edits.set_status(doc, "master", [Ref("1")], "done")
    text = path.read_text(encoding="utf-8")
    assert '"title": "Résumé 日本語 🚀"' in text
    assert "\\u" not in text


def test_a_lone_surrogate_from_a_cut_js_string_is_written_back_escaped(tmp_path: Path) -> None:
    make_project(tmp_path)
    path = tasks_path(tmp_path)
    original = (
        '{\n  "master": {\n    "tasks": [\n      {\n        "id": 1,\n        "title": "cut \\ud83d",\n'
        '        "status": "pending"\n      }\n    ]\n  }\n}'
    )
    path.write_text(original, encoding="utf-8")
    store = store_of(tmp_path)
    with store.mutate():
        pass
    assert path.read_text(encoding="utf-8") == original
    with store.mutate() as doc:
        edits.set_status(doc, "master", [Ref("1")], "done")
    assert changed_lines(original, path.read_text(encoding="utf-8")) == [
        '-        "status": "pending"',
        '+        "status": "done"',
    ]


def test_now_iso_has_task_masters_millisecond_form() -> None:
    stamp = now_iso()
    assert len(stamp) == 24 and stamp[10] == "T" and stamp[19] == "." and stamp.endswith("Z")


# --- failures leave the file alone ------------------------------------------------------------------------------


def test_corrupt_json_raises_store_error_naming_path_line_and_column(tmp_path: Path) -> None:
    make_project(tmp_path)
    path = tasks_path(tmp_path)
    path.write_text('{\n  "master": {\n    "tasks": [,]\n  }\n}\n', encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        store_of(tmp_path).read()
    message = str(caught.value)
    assert str(path) in message
    assert "line 3 column 15" in message


def test_a_corrupt_file_is_never_overwritten_by_a_mutation(tmp_path: Path) -> None:
    make_project(tmp_path)
    path = tasks_path(tmp_path)
    path.write_bytes(b'{"master": {"tasks": [{"id": 1,}]}}')
    with pytest.raises(StoreError), store_of(tmp_path).mutate() as doc:
        edits.add_task(doc, "master", title="x", description="y")
    assert path.read_bytes() == b'{"master": {"tasks": [{"id": 1,}]}}'


def test_a_non_object_document_is_refused(tmp_path: Path) -> None:
    write_tasks(tmp_path, [1, 2, 3])
    with pytest.raises(StoreError, match="JSON object"):
        store_of(tmp_path).read()


def test_an_exception_inside_mutate_leaves_the_file_identical_and_the_next_read_sees_disk(messy_project: Path) -> None:
    original = tasks_path(messy_project).read_bytes()
    store = store_of(messy_project)
    with pytest.raises(RuntimeError), store.mutate() as doc:
        edits.set_status(doc, "master", [Ref("6")], "done")
        raise RuntimeError("boom")
    assert tasks_path(messy_project).read_bytes() == original
    assert store.read().index("master").task("6")["status"] == "review"


def test_an_unknown_id_in_a_batch_changes_nothing(messy_project: Path) -> None:
    original = tasks_path(messy_project).read_bytes()
    with pytest.raises(NotFound), store_of(messy_project).mutate() as doc:
        edits.set_status(doc, "master", [Ref("6"), Ref("99")], "done")
    assert tasks_path(messy_project).read_bytes() == original


def test_no_change_ends_mutate_without_writing(messy_project: Path) -> None:
    path = tasks_path(messy_project)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.stat()
    with store_of(messy_project).mutate():
        raise NoChange
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino, after.st_size) == (before.st_mtime_ns, before.st_ino, before.st_size)


def test_mutate_without_a_taskmaster_directory_says_how_to_initialise(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="initialize_project"), store_of(tmp_path).mutate():
        pass


# --- cache ------------------------------------------------------------------------------------------------------


def test_a_second_read_returns_the_same_parsed_object(messy_project: Path) -> None:
    store = store_of(messy_project)
    assert store.read() is store.read()


def test_a_plain_external_write_is_picked_up(messy_project: Path) -> None:
    store = store_of(messy_project)
    first = store.read()
    path = tasks_path(messy_project)
    data = json.loads(path.read_text())
    data["master"]["tasks"][5]["status"] = "done"
    with open(path, "w", encoding="utf-8") as fh:  # in place: same inode, different size
        fh.write(json.dumps(data, indent=2))
    second = store.read()
    assert second is not first
    assert second.index("master").task("6")["status"] == "done"


def test_a_write_by_another_store_is_picked_up(messy_project: Path) -> None:
    reader, writer = store_of(messy_project), store_of(messy_project)
    assert reader.read().index("master").task("6")["status"] == "review"
    with writer.mutate() as doc:
        edits.set_status(doc, "master", [Ref("6")], "done")
    assert reader.read().index("master").task("6")["status"] == "done"


def test_after_a_mutation_the_cache_serves_the_written_document_without_reparsing(messy_project: Path) -> None:
    store = store_of(messy_project)
    with store.mutate() as doc:
        edits.set_status(doc, "master", [Ref("6")], "done")
    assert store.read() is doc


# --- legacy format ----------------------------------------------------------------------------------------------


def test_a_legacy_file_migrates_to_the_tagged_format_on_first_write(legacy_project: Path) -> None:
    with store_of(legacy_project).mutate() as doc:
        edits.set_status(doc, "master", [Ref("2")], "done")
    data = json.loads(tasks_path(legacy_project).read_text())
    assert list(data) == ["master"]
    assert data["master"]["metadata"] == {
        "projectName": "Legacy",
        "version": "1.0.0",
        "createdAt": "2025-03-01T00:00:00Z",
    }
    assert [t["status"] for t in data["master"]["tasks"]] == ["done", "done"]
    assert data["master"]["tasks"][0]["subtasks"][0]["title"] == "Old sub"


def test_a_legacy_file_is_not_rewritten_by_a_no_change_mutation(legacy_project: Path) -> None:
    original = tasks_path(legacy_project).read_bytes()
    with store_of(legacy_project).mutate():
        raise NoChange
    assert tasks_path(legacy_project).read_bytes() == original


def test_adding_a_tag_to_a_legacy_file_keeps_its_tasks_under_master(legacy_project: Path) -> None:
    with store_of(legacy_project).mutate() as doc:
        tags.add_tag(doc, "feature", description=None, copy_from=None)
    data = json.loads(tasks_path(legacy_project).read_text())
    assert list(data) == ["master", "feature"]
    assert len(data["master"]["tasks"]) == 2


# --- state.json -------------------------------------------------------------------------------------------------


def test_current_tag_comes_from_state_json(messy_project: Path) -> None:
    (messy_project / ".taskmaster" / "state.json").write_text('{"currentTag": "feature-auth"}')
    assert store_of(messy_project).current_tag("master") == "feature-auth"


def test_current_tag_falls_back_to_the_default_tag_then_master(messy_project: Path) -> None:
    store = store_of(messy_project)
    assert store.current_tag("feature-auth") == "feature-auth"
    assert store.current_tag() == "master"
    (messy_project / ".taskmaster" / "state.json").write_text('{"currentTag": ""}')
    assert store.current_tag("empty-tag") == "empty-tag"
    assert store.current_tag(None) == "master"


def test_a_corrupt_state_json_raises_store_error(messy_project: Path) -> None:
    (messy_project / ".taskmaster" / "state.json").write_text("{oops")
    with pytest.raises(StoreError, match=r"state\.json"):
        store_of(messy_project).current_tag()


def test_update_state_keeps_other_keys_and_the_trailing_newline(messy_project: Path) -> None:
    state = messy_project / ".taskmaster" / "state.json"
    state.write_text('{\n  "currentTag": "master",\n  "branchTagMapping": {"main": "master"}\n}\n')
    store = store_of(messy_project)
    store.update_state(lambda s: s.update(currentTag="feature-auth"))
    assert json.loads(state.read_text()) == {"currentTag": "feature-auth", "branchTagMapping": {"main": "master"}}
    assert state.read_text().endswith("}\n")
    assert store.current_tag() == "feature-auth"
