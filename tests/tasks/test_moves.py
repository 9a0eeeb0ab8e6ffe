"""Moving tasks and subtasks within a tag (renumbering, promoting, demoting) and across tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules_helpers import doc_of, get, messy, sub, task
from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks import moves
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Ref

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
    doc = doc_of(
        task(7, priority="high", subs=[sub(1, deps_=["3.1"]), sub(2, deps_=[1])]),
        task(3, subs=[sub(1)]),
        task(8, deps_=["7.1"]),
    )
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
    assert moves.move_across(
        doc, "master", "other", [Ref("4")], with_dependencies=False, ignore_dependencies=False
    ) == {"4": "4"}
    assert [t["id"] for t in doc.tasks("other")] == [1, 4]
    assert [t["id"] for t in doc.tasks("master")] == [1, 2, 3]


def test_with_dependencies_moves_the_dependencies_too_and_renumbers_collisions() -> None:
    doc = two_tags()
    doc.tasks("master").pop()  # task 4 would not be a dependency, drop it to keep the picture small
    mapping = moves.move_across(doc, "master", "other", [Ref("3")], with_dependencies=True, ignore_dependencies=False)
    assert mapping == {"1": "2", "2": "3", "3": "4"}
    assert doc.tasks("master") == []
    other = doc.tasks("other")
    assert [(t["id"], t["dependencies"]) for t in other] == [(1, []), (2, []), (3, [2]), (4, [3])]


def test_ignore_dependencies_drops_the_broken_links_on_both_sides() -> None:
    doc = two_tags()
    mapping = moves.move_across(doc, "master", "other", [Ref("2")], with_dependencies=False, ignore_dependencies=True)
    assert mapping == {"2": "2"}
    assert get(doc, "2", "other")["dependencies"] == []
    assert get(doc, "3")["dependencies"] == []


def test_renumbered_tasks_keep_their_subtasks_sibling_dependencies() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2, deps_=[1])]), task(2, deps_=[1], subs=[sub(1), sub(2, deps_=[1])]))
    doc.data["other"] = {"tasks": [task(1)], "metadata": {}}
    mapping = moves.move_across(
        doc, "master", "other", [Ref("1"), Ref("2")], with_dependencies=False, ignore_dependencies=False
    )
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
