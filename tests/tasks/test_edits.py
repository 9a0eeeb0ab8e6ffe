"""Editing tasks: the status cascade, adding tasks and subtasks, converting, removing and clearing subtasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules_helpers import doc_of, get, messy, sub, task
from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import Ref

# --- set_status -------------------------------------------------------------------------------------------------


def test_done_on_a_task_cascades_to_its_open_subtasks_but_not_cancelled_ones() -> None:
    doc = doc_of(task(1, subs=[sub(1, "pending"), sub(2, "in-progress"), sub(3, "cancelled"), sub(4, "done")]))
    changed = edits.set_status(doc, "master", [Ref("1")], "done")
    assert changed == ["1", "1.1", "1.2"]
    assert [s["status"] for s in doc.tasks("master")[0]["subtasks"]] == ["done", "done", "cancelled", "done"]


def test_a_non_done_status_does_not_cascade() -> None:
    doc = doc_of(task(1, subs=[sub(1, "pending")]))
    assert edits.set_status(doc, "master", [Ref("1")], "in-progress") == ["1"]
    assert get(doc, "1.1")["status"] == "pending"


def test_setting_a_subtask_status_changes_that_subtask_and_re_derives_its_parent_as_task_master_does() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2)]))
    assert edits.set_status(doc, "master", [Ref("1", "2")], "done") == ["1.2", "1"]
    assert [get(doc, r)["status"] for r in ("1", "1.1", "1.2")] == ["in-progress", "pending", "done"]


@pytest.mark.parametrize(
    ("parent", "others", "new", "expected"),
    [
        ("pending", ["pending"], "in-progress", "in-progress"),  # any subtask started -> the parent is started
        ("pending", ["pending"], "done", "in-progress"),  # any done, not all -> in progress
        ("in-progress", ["done"], "done", "done"),  # all done -> done
        ("in-progress", ["completed"], "done", "done"),  # completed counts as done
        ("in-progress", ["pending"], "pending", "pending"),  # all pending again -> pending
        ("review", ["pending"], "blocked", "review"),  # another mix keeps the parent's status
        ("pending", ["cancelled"], "deferred", "pending"),
        ("in-progress", ["cancelled"], "done", "in-progress"),  # cancelled is not done for Task Master
    ],
)
def test_a_parent_status_follows_task_masters_rule(parent: str, others: list[str], new: str, expected: str) -> None:
    doc = doc_of(task(1, parent, subs=[sub(1, "review"), *(sub(i + 2, s) for i, s in enumerate(others))]))
    edits.set_status(doc, "master", [Ref("1", "1")], new)
    assert get(doc, "1")["status"] == expected


def test_an_unchanged_subtask_status_leaves_the_parent_alone() -> None:
    doc = doc_of(task(1, "review", subs=[sub(1, "done"), sub(2, "done")]))
    assert edits.set_status(doc, "master", [Ref("1", "1")], "done") == []
    assert get(doc, "1")["status"] == "review"


def test_an_invalid_status_is_refused_with_the_valid_list() -> None:
    with pytest.raises(InvalidInput, match="pending, in-progress, done"):
        edits.set_status(doc_of(task(1)), "master", [Ref("1")], "finished")


# --- add, remove, convert ---------------------------------------------------------------------------------------


def test_add_task_takes_the_next_numeric_id_and_int_dependencies() -> None:
    doc = doc_of(task(1), task("7"))
    new = edits.add_task(doc, "master", title=" New ", description="d", dependencies=["1", "7"])
    assert (new["id"], new["title"], new["dependencies"]) == (8, "New", [1, 7])


def test_add_task_refuses_a_missing_dependency_and_an_invalid_priority() -> None:
    with pytest.raises(InvalidInput, match="Dependency 5 does not exist"):
        edits.add_task(doc_of(task(1)), "master", title="x", description="", dependencies=["5"])
    with pytest.raises(InvalidInput, match="priority"):
        edits.add_task(doc_of(task(1)), "master", title="x", description="", priority="urgent")


def test_a_new_subtasks_dependencies_follow_task_masters_conventions() -> None:
    doc = doc_of(task(3, subs=[sub(1)]), task(4, subs=[sub(1)]))
    new = edits.add_subtask(doc, "master", "4", title="x", dependencies=["4.1", "3", "3.1"])
    assert (new["id"], new["dependencies"]) == (2, [1, "3", "3.1"])


def test_add_subtask_converts_an_existing_task_and_repoints_its_dependents() -> None:
    doc = doc_of(
        task(1, subs=[sub(1)]),
        task(2),
        task(3, deps_=[1, 2], details="keep", relevantFiles=["a"]),
        task(4, deps_=[3], subs=[sub(1, deps_=["3"])]),
    )
    converted = edits.add_subtask(doc, "master", "1", task_id="3")
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
        edits.add_subtask(doc, "master", "1", task_id="2")
    with pytest.raises(InvalidInput, match="other than the parent"):
        edits.add_subtask(doc, "master", "1", task_id="1")
    with pytest.raises(InvalidInput, match="subtasks cannot have subtasks"):
        edits.add_subtask(doc, "master", "2.1", title="x")


def test_remove_cleans_every_reference_to_the_task_and_its_subtasks(messy_project: Path) -> None:
    doc = messy(messy_project)
    removed = edits.remove(doc, "master", [Ref("3")])
    assert removed == ["3", "3.1", "3.2", "3.3"]
    assert get(doc, "4")["dependencies"] == []
    assert get(doc, "4.1")["dependencies"] == []
    assert get(doc, "4.2")["dependencies"] == [1]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_removing_a_subtask_drops_its_siblings_int_references_to_it() -> None:
    doc = doc_of(task(1), task(4, subs=[sub(1), sub(2, deps_=[1]), sub(3, deps_=["4.1", 2])]))
    assert edits.remove(doc, "master", [Ref("4", "1")]) == ["4.1"]
    assert get(doc, "4.2")["dependencies"] == []
    assert get(doc, "4.3")["dependencies"] == [2]
    assert get(doc, "1")["dependencies"] == []


def test_remove_subtask_with_convert_promotes_it_and_repoints_its_siblings(messy_project: Path) -> None:
    doc = messy(messy_project)
    result = edits.remove_subtask(doc, "master", [Ref("4", "1")], convert=True)
    assert result == ["4.1 -> 9"]
    promoted = get(doc, "9")
    assert promoted["title"] == "Routes"
    assert promoted["dependencies"] == ["3.2", get(doc, "4")["id"]]  # and its former parent, as Task Master does
    assert promoted["priority"] == "critical"
    assert promoted["subtasks"] == []
    assert get(doc, "4.2")["dependencies"] == ["9"]
    assert get(doc, "4.3")["dependencies"] == ["9", 2]
    doc.changed()
    assert deps.validate(doc.index("master")) == []


def test_remove_subtask_without_convert_deletes_and_refuses_task_ids() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2, deps_=[1])]))
    assert edits.remove_subtask(doc, "master", [Ref("1", "1")], convert=False) == ["1.1"]
    assert [s["id"] for s in get(doc, "1")["subtasks"]] == [2]
    with pytest.raises(InvalidInput, match="not a subtask id"):
        edits.remove_subtask(doc, "master", [Ref("1")], convert=False)


def test_clear_subtasks_drops_references_to_the_cleared_subtasks() -> None:
    doc = doc_of(task(1, subs=[sub(1), sub(2)]), task(2, deps_=["1.2", 1], subs=[sub(1, deps_=["1.1"])]))
    assert edits.clear_subtasks(doc, "master", [Ref("1")]) == ["1"]
    assert get(doc, "2")["dependencies"] == [1]
    assert get(doc, "2.1")["dependencies"] == []
