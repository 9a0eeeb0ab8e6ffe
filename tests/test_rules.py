"""The core rules without MCP: next task, status cascade, dependencies, removals, moves, tags, pages, paths,
task files, init and config."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import make_project
from taskmaster_mcp.errors import ConfigError, Conflict, InvalidInput, NotFound
from taskmaster_mcp.setup import skeleton as init
from taskmaster_mcp.store import config, taskfiles
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.roots import resolve_root
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks import edits as ops
from taskmaster_mcp.tasks import moves, queries, tags
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Ref, Task, parse_ref


def task(tid: Any, status: str = "pending", deps_: list[Any] | None = None, priority: str = "medium",
         subs: list[Task] | None = None, **extra: Any) -> Task:
    return {"id": tid, "title": f"task {tid}", "status": status, "dependencies": deps_ or [], "priority": priority,
            "subtasks": subs or [], **extra}


def sub(sid: int, status: str = "pending", deps_: list[Any] | None = None) -> Task:
    return {"id": sid, "title": f"sub {sid}", "status": status, "dependencies": deps_ or []}


def doc_of(*tasks: Task, tag: str = "master") -> TaskFile:
    return TaskFile(data={tag: {"tasks": list(tasks), "metadata": {"description": tag}}})


def get(doc: TaskFile, ref: str, tag: str = "master") -> Task:
    doc.changed()  # as mutate does after an operation: indexes are per file version
    t, s = doc.index(tag).get(parse_ref(ref))
    return s if s is not None else t


def next_id(doc: TaskFile, tag: str = "master") -> str | None:
    found = queries.next_item(doc.index(tag))
    if found is None:
        return None
    t, s = found
    return str(queries.ref_of(t, s))


def messy(messy_project: Path) -> TaskFile:
    return TaskStore(Paths(messy_project)).read()


# --- next_item --------------------------------------------------------------------------------------------------


def test_next_is_an_eligible_subtask_of_an_in_progress_task_before_any_pending_task() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1, "done"), sub(2, "pending", [1])]),
                 task(2, priority="critical"))
    assert next_id(doc) == "1.2"


def test_next_skips_in_progress_subtasks_whose_dependencies_are_open() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1, "blocked"), sub(2, "pending", [1])]), task(2))
    assert next_id(doc) == "2"


def test_next_in_the_messy_fixture_is_the_in_progress_subtask_of_task_3(messy_project: Path) -> None:
    assert next_id(messy(messy_project)) == "3.2"


def test_next_takes_the_highest_priority_pending_task_with_dependencies_done() -> None:
    doc = doc_of(task(1, "done"), task(2, priority="low"), task(3, priority="high", deps_=[4]),
                 task(4, priority="medium"), task(5, priority="high", deps_=[1]))
    assert next_id(doc) == "5"


def test_next_ranks_critical_over_high_over_medium_over_low() -> None:
    order = ["low", "medium", "high", "critical"]
    doc = doc_of(*(task(i + 1, priority=p) for i, p in enumerate(order)))
    assert next_id(doc) == "4"
    doc = doc_of(*(task(i + 1, priority=p) for i, p in enumerate(order[:3])))
    assert next_id(doc) == "3"
    doc = doc_of(*(task(i + 1, priority=p) for i, p in enumerate(order[:2])))
    assert next_id(doc) == "2"


def test_next_breaks_priority_ties_by_lowest_numeric_id_whatever_the_id_type() -> None:
    doc = doc_of(task("10"), task(9), task("2"), task(3))
    assert next_id(doc) == "2"


def test_dependencies_are_satisfied_by_done_or_completed_only() -> None:
    doc = doc_of(task(1, "completed"), task(2, "done"), task(3, "cancelled"), task(4, "review"),
                 task(5, deps_=[1, "2"], priority="low"), task(6, deps_=[3], priority="high"),
                 task(7, deps_=[4], priority="high"))
    assert next_id(doc) == "5"


def test_next_is_none_when_nothing_is_eligible() -> None:
    doc = doc_of(task(1, "done"), task(2, "deferred"), task(3, "blocked"), task(4, deps_=[3]), task(5, deps_=[99]))
    assert next_id(doc) is None
    assert next_id(doc_of()) is None


# --- set_status -------------------------------------------------------------------------------------------------


def test_done_on_a_task_cascades_to_its_open_subtasks_but_not_cancelled_ones() -> None:
    doc = doc_of(task(1, subs=[sub(1, "pending"), sub(2, "in-progress"), sub(3, "cancelled"), sub(4, "done")]))
    changed = ops.set_status(doc, "master", [Ref("1")], "done")
    assert changed == ["1", "1.1", "1.2"]
    assert [s["status"] for s in doc.tasks("master")[0]["subtasks"]] == ["done", "done", "cancelled", "done"]


def test_a_non_done_status_does_not_cascade() -> None:
    doc = doc_of(task(1, subs=[sub(1, "pending")]))
    assert ops.set_status(doc, "master", [Ref("1")], "in-progress") == ["1"]
    assert get(doc, "1.1")["status"] == "pending"


def test_setting_a_subtask_status_changes_only_that_subtask() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2)]))
    assert ops.set_status(doc, "master", [Ref("1", "2")], "done") == ["1.2"]
    assert [get(doc, r)["status"] for r in ("1", "1.1", "1.2")] == ["pending", "pending", "done"]


def test_an_invalid_status_is_refused_with_the_valid_list() -> None:
    with pytest.raises(InvalidInput, match="pending, in-progress, done"):
        ops.set_status(doc_of(task(1)), "master", [Ref("1")], "finished")


# --- dependency validation and repair ---------------------------------------------------------------------------


def broken_doc() -> TaskFile:
    return doc_of(
        task(1, deps_=[1]),
        task(2, deps_=[99, 1]),
        task(3, deps_=[1, "1"]),
        task(4, deps_=[5]),
        task(5, deps_=[4]),
        task(6, deps_=[1], subs=[sub(1, deps_=[7]), sub(2, deps_=[1, "6.9"])]),
    )


def test_validate_reports_missing_self_duplicate_and_cycle_dependencies() -> None:
    issues = {(i.item, i.dependency, i.problem) for i in deps.validate(broken_doc().index("master"))}
    assert issues == {
        ("1", "1", "self"),
        ("2", "99", "missing"),
        ("3", "1", "duplicate"),
        ("4", "5", "cycle"),  # the edge pointing forward in file order is the one to break
        ("6.1", "7", "missing"),
        ("6.2", "6.9", "missing"),
    }


def test_fix_removes_exactly_the_invalid_dependencies() -> None:
    doc = broken_doc()
    removed = deps.fix(doc.index("master"))
    assert len(removed) == 6
    assert [t["dependencies"] for t in doc.tasks("master")] == [[], [1], [1], [], [4], [1]]
    assert [s["dependencies"] for s in doc.tasks("master")[5]["subtasks"]] == [[], [1]]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_a_sibling_int_dependency_of_a_subtask_is_valid() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2, deps_=[1])]))
    assert deps.validate(doc.index("master")) == []


def test_a_5000_task_chain_is_validated_and_its_cycle_found_without_recursion_errors() -> None:
    n = 5000
    chain = [task(1)] + [task(i, deps_=[i - 1]) for i in range(2, n + 1)]
    doc = doc_of(*chain)
    assert deps.validate(doc.index("master")) == []
    with pytest.raises(InvalidInput, match="cycle"):
        deps.check_new_dependency(doc.index("master"), Ref("1"), Ref(str(n)))
    chain[0]["dependencies"] = [n]
    doc.changed()
    issues = deps.validate(doc.index("master"))
    assert [(i.item, i.dependency, i.problem) for i in issues] == [("1", str(n), "cycle")]
    assert deps.fix(doc.index("master"))[0].problem == "cycle"
    assert chain[0]["dependencies"] == []


def test_check_new_dependency_refuses_self_with_a_message() -> None:
    with pytest.raises(InvalidInput, match="cannot depend on itself"):
        deps.check_new_dependency(doc_of(task(1)).index("master"), Ref("1"), Ref("1"))


def test_check_new_dependency_refuses_a_missing_target_and_says_how_to_list_ids() -> None:
    with pytest.raises(NotFound, match=r"does not exist.*get_tasks"):
        deps.check_new_dependency(doc_of(task(1)).index("master"), Ref("1"), Ref("2"))


def test_check_new_dependency_refuses_a_cycle_and_says_what_to_remove() -> None:
    doc = doc_of(task(1), task(2, deps_=[1]), task(3, deps_=[2]))
    with pytest.raises(InvalidInput, match=r"would create a cycle.*Remove one of those dependencies"):
        deps.check_new_dependency(doc.index("master"), Ref("1"), Ref("3"))


def test_check_new_dependency_reports_an_existing_dependency_as_a_conflict() -> None:
    doc = doc_of(task(1), task(2, deps_=["1"]))
    with pytest.raises(Conflict, match="already depends"):
        deps.check_new_dependency(doc.index("master"), Ref("2"), Ref("1"))


def test_a_subtasks_sibling_dependency_is_encoded_as_an_int() -> None:
    assert deps.encode_dependency(Ref("4", "2"), Ref("4", "1"), []) == 1


def test_a_subtasks_dependency_on_a_top_level_task_is_encoded_as_a_string() -> None:
    assert deps.encode_dependency(Ref("4", "2"), Ref("3"), [1]) == "3"


def test_a_dependency_on_another_tasks_subtask_is_a_dotted_string() -> None:
    assert deps.encode_dependency(Ref("4", "2"), Ref("3", "2"), []) == "3.2"
    assert deps.encode_dependency(Ref("4"), Ref("3", "2"), [1]) == "3.2"


def test_a_tasks_dependency_follows_the_lists_convention() -> None:
    assert deps.encode_dependency(Ref("4"), Ref("3"), []) == 3
    assert deps.encode_dependency(Ref("4"), Ref("3"), [1, "2"]) == 3
    assert deps.encode_dependency(Ref("4"), Ref("3"), ["1", "2"]) == "3"


# --- add, remove, convert ---------------------------------------------------------------------------------------


def test_add_task_takes_the_next_numeric_id_and_int_dependencies() -> None:
    doc = doc_of(task(1), task("7"))
    new = ops.add_task(doc, "master", title=" New ", description="d", dependencies=["1", "7"])
    assert (new["id"], new["title"], new["dependencies"]) == (8, "New", [1, 7])


def test_add_task_refuses_a_missing_dependency_and_an_invalid_priority() -> None:
    with pytest.raises(InvalidInput, match="Dependency 5 does not exist"):
        ops.add_task(doc_of(task(1)), "master", title="x", description="", dependencies=["5"])
    with pytest.raises(InvalidInput, match="priority"):
        ops.add_task(doc_of(task(1)), "master", title="x", description="", priority="urgent")


def test_a_new_subtasks_dependencies_follow_task_masters_conventions() -> None:
    doc = doc_of(task(3, subs=[sub(1)]), task(4, subs=[sub(1)]))
    new = ops.add_subtask(doc, "master", "4", title="x", dependencies=["4.1", "3", "3.1"])
    assert (new["id"], new["dependencies"]) == (2, [1, "3", "3.1"])


def test_add_subtask_converts_an_existing_task_and_repoints_its_dependents() -> None:
    doc = doc_of(task(1, subs=[sub(1)]), task(2), task(3, deps_=[1, 2], details="keep", relevantFiles=["a"]),
                 task(4, deps_=[3], subs=[sub(1, deps_=["3"])]))
    converted = ops.add_subtask(doc, "master", "1", task_id="3")
    assert converted["id"] == 2
    assert converted["dependencies"] == ["2"]
    assert converted["details"] == "keep" and converted["relevantFiles"] == ["a"]
    assert "priority" not in converted and "subtasks" not in converted
    assert [t["id"] for t in doc.tasks("master")] == [1, 2, 4]
    assert get(doc, "4")["dependencies"] == ["1.2"]
    assert get(doc, "4.1")["dependencies"] == ["1.2"]


def test_add_subtask_refuses_to_convert_a_task_with_subtasks_or_the_parent_itself() -> None:
    doc = doc_of(task(1), task(2, subs=[sub(1)]))
    with pytest.raises(Conflict, match="clear_subtasks"):
        ops.add_subtask(doc, "master", "1", task_id="2")
    with pytest.raises(InvalidInput, match="other than the parent"):
        ops.add_subtask(doc, "master", "1", task_id="1")
    with pytest.raises(InvalidInput, match="subtasks cannot have subtasks"):
        ops.add_subtask(doc, "master", "2.1", title="x")


def test_remove_cleans_every_reference_to_the_task_and_its_subtasks(messy_project: Path) -> None:
    doc = messy(messy_project)
    removed = ops.remove(doc, "master", [Ref("3")])
    assert removed == ["3", "3.1", "3.2", "3.3"]
    assert get(doc, "4")["dependencies"] == []
    assert get(doc, "4.1")["dependencies"] == []
    assert get(doc, "4.2")["dependencies"] == [1]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_removing_a_subtask_drops_its_siblings_int_references_to_it() -> None:
    doc = doc_of(task(1), task(4, subs=[sub(1), sub(2, deps_=[1]), sub(3, deps_=["4.1", 2])]))
    assert ops.remove(doc, "master", [Ref("4", "1")]) == ["4.1"]
    assert get(doc, "4.2")["dependencies"] == []
    assert get(doc, "4.3")["dependencies"] == [2]
    assert get(doc, "1")["dependencies"] == []


def test_remove_subtask_with_convert_promotes_it_and_repoints_its_siblings(messy_project: Path) -> None:
    doc = messy(messy_project)
    result = ops.remove_subtask(doc, "master", [Ref("4", "1")], convert=True)
    assert result == ["4.1 -> 9"]
    promoted = get(doc, "9")
    assert promoted["title"] == "Routes"
    assert promoted["dependencies"] == ["3.2"]
    assert promoted["priority"] == "critical"
    assert promoted["subtasks"] == []
    assert get(doc, "4.2")["dependencies"] == ["9"]
    assert get(doc, "4.3")["dependencies"] == ["9", 2]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_remove_subtask_without_convert_deletes_and_refuses_task_ids() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2, deps_=[1])]))
    assert ops.remove_subtask(doc, "master", [Ref("1", "1")], convert=False) == ["1.1"]
    assert [s["id"] for s in get(doc, "1")["subtasks"]] == [2]
    with pytest.raises(InvalidInput, match="not a subtask id"):
        ops.remove_subtask(doc, "master", [Ref("1")], convert=False)


def test_clear_subtasks_drops_references_to_the_cleared_subtasks() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2)]), task(2, deps_=["1.2", 1], subs=[sub(1, deps_=["1.1"])]))
    assert ops.clear_subtasks(doc, "master", [Ref("1")]) == ["1"]
    assert get(doc, "2")["dependencies"] == [1]
    assert get(doc, "2.1")["dependencies"] == []


# --- move_within ------------------------------------------------------------------------------------------------


def test_moving_a_task_to_a_new_id_repoints_task_and_dotted_subtask_references(messy_project: Path) -> None:
    doc = messy(messy_project)
    moves.move_within(doc, "master", Ref("3"), Ref("10"))
    moved = get(doc, "10")
    assert moved["id"] == "10"
    assert [s["dependencies"] for s in moved["subtasks"]] == [[], [1], ["10.2"]]
    assert get(doc, "4")["dependencies"] == [10]
    assert get(doc, "4.1")["dependencies"] == ["10.2"]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_moving_a_task_under_another_task_makes_it_a_subtask() -> None:
    doc = doc_of(task(1, subs=[sub(1)]), task(2, deps_=[1], details="d"), task(3, deps_=[2]))
    assert moves.move_within(doc, "master", Ref("2"), Ref("1", "2")) == "task 2 is now subtask 1.2"
    assert [t["id"] for t in doc.tasks("master")] == [1, 3]
    new_sub = get(doc, "1.2")
    assert new_sub["dependencies"] == [] and new_sub["details"] == "d" and "subtasks" not in new_sub
    assert get(doc, "3")["dependencies"] == ["1.2"]


def test_moving_a_task_with_subtasks_or_into_itself_is_refused() -> None:
    doc = doc_of(task(1), task(2, subs=[sub(1)]))
    with pytest.raises(Conflict, match="has subtasks"):
        moves.move_within(doc, "master", Ref("2"), Ref("1", "5"))
    with pytest.raises(InvalidInput, match="subtask of itself"):
        moves.move_within(doc, "master", Ref("1"), Ref("1", "5"))


def test_moving_a_subtask_to_a_task_id_promotes_it_and_repoints_its_siblings() -> None:
    doc = doc_of(task(7, priority="high", subs=[sub(1, deps_=["3.1"]), sub(2, deps_=[1])]),
                 task(3, subs=[sub(1)]), task(8, deps_=["7.1"]))
    moves.move_within(doc, "master", Ref("7", "1"), Ref("12"))
    promoted = get(doc, "12")
    assert promoted["dependencies"] == ["3.1"] and promoted["priority"] == "high"
    assert get(doc, "7.2")["dependencies"] == ["12"]
    assert get(doc, "8")["dependencies"] == ["12"]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_moving_a_subtask_to_another_parent_repoints_its_old_siblings() -> None:
    doc = doc_of(task(7, subs=[sub(1), sub(2, deps_=[1])]), task(8, subs=[sub(1), sub(2)]))
    moves.move_within(doc, "master", Ref("7", "1"), Ref("8", "3"))
    assert [s["id"] for s in get(doc, "8")["subtasks"]] == [1, 2, 3]
    assert get(doc, "7.2")["dependencies"] == ["8.3"]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_moving_onto_an_existing_id_is_refused() -> None:
    with pytest.raises(Conflict, match="already exists"):
        moves.move_within(doc_of(task(1), task(2)), "master", Ref("1"), Ref("2"))


# --- move_across ------------------------------------------------------------------------------------------------


def two_tags() -> TaskFile:
    doc = doc_of(task(1, "done"), task(2, deps_=[1]), task(3, deps_=[2]), task(4))
    doc.data["other"] = {"tasks": [task(1, title="taken")], "metadata": {}}
    return doc


def test_moving_across_tags_refuses_to_break_dependencies_and_names_both_options() -> None:
    doc = two_tags()
    before = json.dumps(doc.data)
    with pytest.raises(Conflict, match=r"withDependencies=true.*ignoreDependencies=true"):
        moves.move_across(doc, "master", "other", [Ref("2")], with_dependencies=False, ignore_dependencies=False)
    assert json.dumps(doc.data) == before


def test_moving_a_task_without_links_across_tags_keeps_a_free_id() -> None:
    doc = two_tags()
    assert moves.move_across(doc, "master", "other", [Ref("4")], with_dependencies=False,
                             ignore_dependencies=False) == {"4": "4"}
    assert [t["id"] for t in doc.tasks("other")] == [1, 4]
    assert [t["id"] for t in doc.tasks("master")] == [1, 2, 3]


def test_with_dependencies_moves_the_dependencies_too_and_renumbers_collisions() -> None:
    doc = two_tags()
    doc.tasks("master").pop()  # task 4 would not be a dependency, drop it to keep the picture small
    mapping = moves.move_across(doc, "master", "other", [Ref("3")], with_dependencies=True,
                                ignore_dependencies=False)
    assert mapping == {"1": "2", "2": "3", "3": "4"}
    assert doc.tasks("master") == []
    other = doc.tasks("other")
    assert [(t["id"], t["dependencies"]) for t in other] == [(1, []), (2, []), (3, [2]), (4, [3])]


def test_ignore_dependencies_drops_the_broken_links_on_both_sides() -> None:
    doc = two_tags()
    mapping = moves.move_across(doc, "master", "other", [Ref("2")], with_dependencies=False,
                                ignore_dependencies=True)
    assert mapping == {"2": "2"}
    assert get(doc, "2", "other")["dependencies"] == []
    assert get(doc, "3")["dependencies"] == []


def test_renumbered_tasks_keep_their_subtasks_sibling_dependencies() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2, deps_=[1])]), task(2, deps_=[1], subs=[sub(1), sub(2, deps_=[1])]))
    doc.data["other"] = {"tasks": [task(1)], "metadata": {}}
    mapping = moves.move_across(doc, "master", "other", [Ref("1"), Ref("2")], with_dependencies=False,
                                ignore_dependencies=False)
    assert mapping == {"1": "2", "2": "3"}
    assert get(doc, "2.2", "other")["dependencies"] == [1]
    assert get(doc, "3.2", "other")["dependencies"] == [1]
    assert get(doc, "3", "other")["dependencies"] == [2]
    assert deps.validate(doc.index("other")) == []


def test_moving_across_refuses_subtasks_the_same_tag_and_a_missing_target() -> None:
    doc = two_tags()
    with pytest.raises(InvalidInput, match="Only top-level tasks"):
        moves.move_across(doc, "master", "other", [Ref("2", "1")], with_dependencies=False, ignore_dependencies=False)
    with pytest.raises(InvalidInput, match="same"):
        moves.move_across(doc, "master", "master", [Ref("4")], with_dependencies=False, ignore_dependencies=False)
    with pytest.raises(InvalidInput, match="add_tag"):
        moves.move_across(doc, "master", "nope", [Ref("4")], with_dependencies=False, ignore_dependencies=False)


# --- tags -------------------------------------------------------------------------------------------------------


def test_add_tag_creates_an_empty_tag_with_task_master_metadata(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.add_tag(doc, "feature-x", description=None, copy_from=None) == 0
    assert doc.tags()[-1] == "feature-x"
    assert set(doc.block("feature-x")["metadata"]) == {"created", "updated", "description"}  # type: ignore[index]


def test_copy_tag_deep_copies_the_tasks(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.copy_tag(doc, "master", "snapshot", None) == 8
    doc.tasks("snapshot")[0]["title"] = "changed"
    assert doc.tasks("master")[0]["title"] == "Set up repository"
    assert doc.block("snapshot")["metadata"]["description"] == "Copy of master"  # type: ignore[index]


def test_rename_tag_keeps_its_position_and_metadata(messy_project: Path) -> None:
    doc = messy(messy_project)
    meta = doc.block("feature-auth")["metadata"]  # type: ignore[index]
    tags.rename_tag(doc, "feature-auth", "auth")
    assert doc.tags() == ["master", "auth", "empty-tag"]
    assert doc.block("auth")["metadata"] is meta  # type: ignore[index]


def test_delete_tag_returns_how_many_tasks_went(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.delete_tag(doc, "feature-auth") == 2
    assert doc.tags() == ["master", "empty-tag"]


def test_the_master_tag_cannot_be_deleted_or_renamed(messy_project: Path) -> None:
    doc = messy(messy_project)
    with pytest.raises(InvalidInput, match="master tag cannot be deleted"):
        tags.delete_tag(doc, "master")
    with pytest.raises(InvalidInput, match="master tag cannot be renamed"):
        tags.rename_tag(doc, "master", "main")


@pytest.mark.parametrize("name", ["", "has space", "a/b", "../x", "ünï", "x" * 101])
def test_invalid_tag_names_are_refused(messy_project: Path, name: str) -> None:
    doc = messy(messy_project)
    with pytest.raises(InvalidInput, match="not a valid tag name"):
        tags.add_tag(doc, name, description=None, copy_from=None)
    with pytest.raises(InvalidInput, match="not a valid tag name"):
        tags.rename_tag(doc, "feature-auth", name)


def test_existing_and_missing_tags_are_reported(messy_project: Path) -> None:
    doc = messy(messy_project)
    with pytest.raises(Conflict, match="already exists"):
        tags.add_tag(doc, "empty-tag", description=None, copy_from=None)
    with pytest.raises(Conflict, match="already exists"):
        tags.rename_tag(doc, "feature-auth", "empty-tag")
    with pytest.raises(NotFound, match="does not exist"):
        tags.delete_tag(doc, "nope")
    with pytest.raises(NotFound, match="does not exist"):
        tags.copy_tag(doc, "nope", "x", None)


def test_list_tags_counts_tasks_and_marks_the_current_tag(messy_project: Path) -> None:
    rows = tags.list_tags(messy(messy_project), "feature-auth")
    assert [(r["name"], r["tasks"], r["done"], r.get("current", False)) for r in rows] == [
        ("master", 8, 2, False), ("feature-auth", 2, 0, True), ("empty-tag", 0, 0, False)]
    assert rows[0]["description"] == "Tasks for the main line"


# --- pages ------------------------------------------------------------------------------------------------------


def page_bytes(rows: list[dict[str, Any]]) -> int:
    return len(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def all_pages(tasks: list[Task], limit: int = 100) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    offset: int | None = 0
    while offset is not None:
        rows, offset = queries.page(tasks, offset=offset, limit=limit,
                                    render=lambda t: queries.compact_row(t, queries.DETAIL_FIELDS, True))
        pages.append(rows)
    return pages


@pytest.mark.parametrize("text", ["x" * 200_000, "日本語の説明" * 30_000, "🚀" * 60_000])
def test_a_page_never_exceeds_the_byte_budget_even_with_huge_details(text: str) -> None:
    tasks = [task(i, details=text, description=text[:5000], subs=[sub(1)]) for i in range(1, 8)]
    pages = all_pages(tasks)
    assert all(page_bytes(p) <= queries.PAGE_BYTE_BUDGET for p in pages)
    assert [r["id"] for p in pages for r in p] == list(range(1, 8))
    assert queries.TRUNCATION_NOTE in pages[0][0]["details"]


def test_a_page_that_fills_the_budget_exactly_counts_its_brackets_and_commas() -> None:
    half = queries.PAGE_BYTE_BUDGET // 2
    rows: list[Task] = [{"x": "a" * (half - 9)}, {"x": "b" * (half - 9)}]  # each row is half - 1 bytes + a comma
    page, _ = queries.page(rows, offset=0, limit=10, render=dict)
    assert page_bytes(page) <= queries.PAGE_BYTE_BUDGET


def test_pages_cover_every_row_once_and_respect_the_limit() -> None:
    tasks = [task(i, details="d" * 300) for i in range(1, 251)]
    pages = all_pages(tasks, limit=40)
    assert all(0 < len(p) <= 40 for p in pages)
    assert [r["id"] for p in pages for r in p] == list(range(1, 251))


# --- paths and roots --------------------------------------------------------------------------------------------


def test_inside_accepts_paths_in_the_root_and_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "docs").mkdir(parents=True)
    paths = Paths(root)
    assert paths.inside("docs/prd.txt") == (root / "docs" / "prd.txt").resolve()
    assert paths.inside(root / "docs") == (root / "docs").resolve()
    for escape in ("../outside.txt", "docs/../../outside.txt", str(tmp_path / "outside.txt"), "/etc/passwd"):
        with pytest.raises(InvalidInput, match="outside the project root"):
            paths.inside(escape, what="input")


def test_inside_refuses_a_symlink_pointing_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (tmp_path / "secret").mkdir()
    (root / "link").symlink_to(tmp_path / "secret", target_is_directory=True)
    (root / "ok").symlink_to(root, target_is_directory=True)
    with pytest.raises(InvalidInput, match="outside"):
        Paths(root).inside("link/key.pem")
    assert Paths(root).inside("ok/file") == (root / "file").resolve()


def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    arg, env, client = tmp_path / "arg", tmp_path / "env", tmp_path / "client"
    for d in (arg, env, client):
        d.mkdir()
    return arg, env, client


def test_resolve_root_prefers_argument_then_env_then_client_roots_then_upward_search(tmp_path: Path) -> None:
    arg, env, client = dirs(tmp_path)
    cwd = make_project(tmp_path / "found") / "deep" / "er"
    cwd.mkdir(parents=True)
    assert resolve_root(str(arg), env_root=str(env), client_roots=None, cwd=cwd) == arg.resolve()
    assert resolve_root(None, env_root=str(env), client_roots=[client], cwd=cwd) == env.resolve()
    assert resolve_root(None, env_root=None, client_roots=[client], cwd=cwd) == client.resolve()
    assert resolve_root(None, env_root=None, client_roots=None, cwd=cwd) == (tmp_path / "found").resolve()


def test_resolve_root_refuses_a_project_root_outside_the_declared_roots(tmp_path: Path) -> None:
    arg, _, client = dirs(tmp_path)
    (client / "inner").mkdir()
    with pytest.raises(InvalidInput, match="outside the workspace roots"):
        resolve_root(str(arg), env_root=None, client_roots=[client], cwd=tmp_path)
    with pytest.raises(InvalidInput, match="outside the workspace roots"):
        resolve_root(str(client / ".." / "arg"), env_root=None, client_roots=[client], cwd=tmp_path)
    assert resolve_root(str(client / "inner"), env_root=None, client_roots=[client], cwd=tmp_path) == \
        (client / "inner").resolve()


@pytest.mark.parametrize("relative", ["../arg", "inner", ".", "../.."])
def test_resolve_root_refuses_a_relative_project_root_and_says_to_pass_an_absolute_path(tmp_path: Path,
                                                                                        relative: str) -> None:
    _, _, client = dirs(tmp_path)
    (client / "inner").mkdir()
    for roots in ([client], None):
        with pytest.raises(InvalidInput, match="relative path.*Pass the absolute path"):
            resolve_root(relative, env_root=None, client_roots=roots, cwd=client)


def test_resolve_root_refuses_the_filesystem_root(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="filesystem root.*Pass projectRoot"):
        resolve_root("/", env_root=None, client_roots=None, cwd=tmp_path)
    with pytest.raises(InvalidInput, match="filesystem root"):
        resolve_root(None, env_root="/", client_roots=None, cwd=tmp_path)
    with pytest.raises(InvalidInput, match="working directory .* is the filesystem root"):
        resolve_root(None, env_root=None, client_roots=None, cwd=Path("/"), creating=True)


def test_resolve_root_reports_missing_directories_and_no_project(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not a directory"):
        resolve_root(str(tmp_path / "nope"), env_root=None, client_roots=None, cwd=tmp_path)
    with pytest.raises(NotFound, match="TASK_MASTER_PROJECT_ROOT"):
        resolve_root(None, env_root=str(tmp_path / "nope"), client_roots=None, cwd=tmp_path)
    with pytest.raises(NotFound, match="No project found"):
        resolve_root(None, env_root=None, client_roots=None, cwd=tmp_path)


# --- task files -------------------------------------------------------------------------------------------------


def test_generate_writes_keeps_and_removes_task_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "notes.txt").write_text("mine")
    (out / "task_001_feature-auth.txt").write_text("other tag")
    doc = messy(messy_project)
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 8, "unchanged": 0,
                                                                             "removed": 0}
    text = (out / "task_003.txt").read_text()
    assert "# Task ID: 3" in text and "# Dependencies: 1, 2" in text and "## 2. Repository classes" in text
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 0, "unchanged": 8,
                                                                             "removed": 0}
    remaining = [t for t in doc.tasks("master") if str(t["id"]) != "7"]
    remaining[0] = {**remaining[0], "title": "Renamed"}
    assert taskfiles.generate(paths, "master", remaining, out) == {"written": 1, "unchanged": 6, "removed": 1}
    assert not (out / "task_007.txt").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "task_001_feature-auth.txt").read_text() == "other tag"


def test_generate_for_another_tag_uses_its_slug_and_leaves_master_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "task_001.txt").write_text("master file")
    counts = taskfiles.generate(paths, "feature-auth", [], out)
    assert counts == {"written": 0, "unchanged": 0, "removed": 0}
    taskfiles.generate(paths, "Feature Auth", messy(messy_project).tasks("feature-auth"), out)
    assert sorted(p.name for p in out.glob("task_*_*.txt")) == ["task_001_feature-auth.txt",
                                                                "task_002_feature-auth.txt"]
    assert (out / "task_001.txt").read_text() == "master file"


# --- init -------------------------------------------------------------------------------------------------------


def test_init_creates_the_skeleton_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    first = init.initialize(tmp_path, "Demo")
    assert ".taskmaster/config.json" in first.created and ".taskmaster/tasks/tasks.json" in first.created
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = init.initialize(tmp_path, "Demo")
    assert second.created == []
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == snapshot
    assert json.loads((tmp_path / ".taskmaster" / "config.json").read_text())["global"]["projectName"] == "Demo"
    assert TaskStore(Paths(tmp_path)).read().tags() == ["master"]


def test_init_never_overwrites_existing_files(messy_project: Path) -> None:
    tm = messy_project / ".taskmaster"
    (tm / "config.json").write_text('{"models": {}, "custom": 1}')
    (messy_project / ".gitignore").write_text("node_modules")
    tasks_before = (tm / "tasks" / "tasks.json").read_bytes()
    result = init.initialize(messy_project)
    assert ".taskmaster/config.json" in result.kept and ".taskmaster/tasks/tasks.json" in result.kept
    assert (tm / "config.json").read_text() == '{"models": {}, "custom": 1}'
    assert (tm / "tasks" / "tasks.json").read_bytes() == tasks_before
    assert (messy_project / ".gitignore").read_text().splitlines() == [
        "node_modules", "# taskmaster-mcp", ".env", ".taskmaster/.taskmaster-mcp.lock"]


def test_init_keeps_a_legacy_tasks_file_instead_of_creating_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tasks.json").write_text('{"tasks": []}')
    result = init.initialize(tmp_path)
    assert "tasks/tasks.json" in result.kept
    assert not (tmp_path / ".taskmaster" / "tasks" / "tasks.json").exists()


# --- config -----------------------------------------------------------------------------------------------------


def write_config(root: Path, data: Any) -> Paths:
    make_project(root)
    (root / ".taskmaster" / "config.json").write_text(json.dumps(data))
    return Paths(root)


def test_role_blocks_merge_over_the_defaults(tmp_path: Path) -> None:
    paths = write_config(tmp_path, {"models": {"main": {"modelId": "claude-x", "temperature": 0},
                                               "research": {"provider": "OpenAI", "modelId": "gpt-x",
                                                            "baseURL": "http://127.0.0.1:1"}}})
    cfg = config.load_config(paths)
    main = cfg.role("main")
    assert main is not None
    assert (main.provider, main.model_id, main.max_tokens, main.temperature) == ("anthropic", "claude-x", 64000, 0.0)
    research = cfg.role("research")
    assert research is not None
    assert (research.provider, research.max_tokens, research.base_url) == ("openai", 8700, "http://127.0.0.1:1")
    assert cfg.global_settings["defaultTag"] == "master"


def test_a_missing_config_gives_defaults_and_no_fallback(tmp_path: Path) -> None:
    cfg = config.load_config(Paths(tmp_path))
    assert cfg.role("main") is not None
    assert cfg.role("fallback") is None


def test_the_fallback_role_needs_both_provider_and_model_id(tmp_path: Path) -> None:
    assert config.load_config(write_config(tmp_path, {"models": {"fallback": {"provider": "openai"}}})) \
        .role("fallback") is None
    assert config.load_config(write_config(tmp_path, {"models": {"fallback": {"modelId": "x"}}})) \
        .role("fallback") is None
    fallback = config.load_config(write_config(tmp_path, {"models": {"fallback": {"provider": "openai",
                                                                                  "modelId": "x"}}})).role("fallback")
    assert fallback is not None and fallback.max_tokens == 120000


@pytest.mark.parametrize(("role", "block", "named"), [
    ("main", {"maxTokens": "lots"}, "models.main.maxTokens"),
    ("main", {"maxTokens": 0}, "models.main.maxTokens"),
    ("main", {"maxTokens": True}, "models.main.maxTokens"),
    ("research", {"temperature": 3}, "models.research.temperature"),
    ("research", {"temperature": "hot"}, "models.research.temperature"),
    ("main", {"provider": ""}, "models.main"),
])
def test_invalid_role_settings_raise_config_error_naming_the_key(
    tmp_path: Path, role: config.Role, block: dict[str, Any], named: str
) -> None:
    cfg = config.load_config(write_config(tmp_path, {"models": {role: block}}))
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        cfg.role(role)


def test_dotenv_parsing_handles_export_quotes_comments_and_blank_lines(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# keys\n\nexport A=1\nB = 'two words'\nC=\"x # not a comment\"\nD=val # comment\nnoequals\n"
                   "E=\n")
    assert config.read_dotenv(env) == {"A": "1", "B": "two words", "C": "x # not a comment", "D": "val", "E": ""}
    assert config.read_dotenv(tmp_path / "missing") == {}


def test_key_lookup_prefers_the_environment_over_dotenv_and_skips_placeholders(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv\nOPENAI_API_KEY=YOUR_OPENAI_API_KEY_HERE\n")
    from_env = config.resolve_key("anthropic", {"ANTHROPIC_API_KEY": "from-env"}, paths)
    assert (from_env.source, from_env.value) == ("env", "from-env")
    placeholder_env = config.resolve_key("anthropic", {"ANTHROPIC_API_KEY": "YOUR_KEY_HERE"}, paths)
    assert (placeholder_env.source, placeholder_env.value) == (".env", "from-dotenv")
    assert config.resolve_key("anthropic", {"ANTHROPIC_API_KEY": ""}, paths).source == ".env"
    missing = config.resolve_key("openai", {}, paths)
    assert (missing.source, missing.present, missing.variable) == ("missing", False, "OPENAI_API_KEY")
    assert config.resolve_key("ollama", {}, paths).source == "not-needed"
    assert config.resolve_key("my-proxy", {"MY_PROXY_API_KEY": "k"}, None).source == "env"
    assert "from-env" not in repr(from_env)


def test_update_config_preserves_unknown_sections_and_the_trailing_newline(tmp_path: Path) -> None:
    paths = write_config(tmp_path, {})
    original = {"models": {"main": {"provider": "anthropic", "modelId": "a"}}, "global": {"x": 1},
                "claudeCode": {"keep": True}, "storage": {"type": "file"}}
    paths.config_file.write_text(json.dumps(original, indent=2) + "\n")
    cfg = config.update_config(paths, lambda raw: raw["models"]["main"].update(modelId="b"))
    data = json.loads(paths.config_file.read_text())
    assert data == {**original, "models": {"main": {"provider": "anthropic", "modelId": "b"}}}
    assert paths.config_file.read_text().endswith("}\n")
    assert cfg.raw == data


def test_update_config_writes_nothing_when_the_change_raises(tmp_path: Path) -> None:
    paths = write_config(tmp_path, {"models": {}})
    before = paths.config_file.read_bytes()

    def boom(raw: dict[str, Any]) -> None:
        raw["models"]["main"] = {}
        raise ValueError("no")

    with pytest.raises(ValueError):
        config.update_config(paths, boom)
    assert paths.config_file.read_bytes() == before
    assert not [name for name in os.listdir(paths.taskmaster) if name.endswith(".tmp")]


def test_client_roots_never_resolve_to_a_folder_above_the_declared_root(tmp_path: Path) -> None:
    (tmp_path / ".taskmaster").mkdir()
    declared = tmp_path / "packages" / "app"
    declared.mkdir(parents=True)
    assert resolve_root(None, env_root=None, client_roots=[declared], cwd=tmp_path) == declared.resolve()
