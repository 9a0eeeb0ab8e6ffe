"""Which task comes next, exactly as Task Master 0.43's next_task answers (rules in tasks/queries.py).

The expected answers below were worked out by hand from Task Master's rules: subtasks of in-progress tasks first
(priority inherited from the parent, then fewer dependencies, then parent id, then subtask id); else pending or
in-progress tasks by priority, then fewer dependencies, then lowest id; only done/completed satisfy a dependency.
"""

from __future__ import annotations

from pathlib import Path

from rules_helpers import doc_of, messy, sub, task
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks import queries
from taskmaster_mcp.tasks.document import TaskFile


def next_id(doc: TaskFile, tag: str = "master") -> str | None:
    found = queries.next_item(doc.index(tag))
    if found is None:
        return None
    t, s = found
    return str(queries.ref_of(t, s))


def test_next_is_an_eligible_subtask_of_an_in_progress_task_before_any_pending_task() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1, "done"), sub(2, "pending", [1])]), task(2, priority="critical"))
    assert next_id(doc) == "1.2"


def test_next_skips_in_progress_subtasks_whose_dependencies_are_open_and_offers_the_in_progress_task_itself() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1, "blocked"), sub(2, "pending", [1])]), task(2))
    assert next_id(doc) == "1"  # Task Master: an in-progress task is eligible; tie on priority and deps, lower id
    doc = doc_of(task(1, "in-progress", subs=[sub(1, "blocked"), sub(2, "pending", [1])], priority="low"), task(2))
    assert next_id(doc) == "2"


def test_next_in_the_messy_fixture_is_the_in_progress_subtask_of_task_3(messy_project: Path) -> None:
    assert next_id(messy(messy_project)) == "3.2"


def test_next_takes_the_highest_priority_pending_task_with_dependencies_done() -> None:
    doc = doc_of(
        task(1, "done"),
        task(2, priority="low"),
        task(3, priority="high", deps_=[4]),
        task(4, priority="medium"),
        task(5, priority="high", deps_=[1]),
    )
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
    doc = doc_of(
        task(1, "completed"),
        task(2, "done"),
        task(3, "cancelled"),
        task(4, "review"),
        task(5, deps_=[1, "2"], priority="low"),
        task(6, deps_=[3], priority="high"),
        task(7, deps_=[4], priority="high"),
    )
    assert next_id(doc) == "5"


def test_next_is_none_when_nothing_is_eligible() -> None:
    doc = doc_of(task(1, "done"), task(2, "deferred"), task(3, "blocked"), task(4, deps_=[3]), task(5, deps_=[99]))
    assert next_id(doc) is None
    assert next_id(doc_of()) is None


def test_ties_on_priority_go_to_the_task_with_fewer_dependencies_before_the_lower_id() -> None:
    doc = doc_of(task(1, "done"), task(2, "done"), task(3, deps_=[1, 2]), task(4, deps_=[1]), task(5, deps_=[2]))
    assert next_id(doc) == "4"
    doc = doc_of(task(1, "done"), task(7, deps_=[1]), task(9))
    assert next_id(doc) == "9"


def test_a_subtask_inherits_its_parents_priority_unless_it_has_its_own() -> None:
    low_parent = task(1, "in-progress", priority="low", subs=[sub(1)])
    high_parent = task(2, "in-progress", priority="high", subs=[sub(1)])
    assert next_id(doc_of(low_parent, high_parent)) == "2.1"
    own = task(1, "in-progress", priority="low", subs=[sub(1), {**sub(2), "priority": "critical"}])
    assert next_id(doc_of(own, high_parent)) == "1.2"


def test_among_subtasks_fewer_dependencies_win_then_parent_id_then_subtask_id() -> None:
    parent = task(5, "in-progress", subs=[sub(1, "done"), sub(2, deps_=[1]), sub(3)])
    assert next_id(doc_of(parent)) == "5.3"
    first, second = task(3, "in-progress", subs=[sub(4)]), task(2, "in-progress", subs=[sub(9), sub(8)])
    assert next_id(doc_of(first, second)) == "2.8"


def test_a_subtask_dependency_is_read_as_everywhere_else_an_int_a_sibling_a_string_a_task() -> None:
    # 2 (int) is sibling 1.2; "2" (string) is the top-level task 2, as validate_dependencies reads it (Task Master's
    # own next_task reads "2" as the sibling, its validate as the task: we keep one reading, docs/task-master.md)
    parent = task(1, "in-progress", subs=[sub(1, "done"), sub(2, deps_=[1]), sub(3, deps_=[2])])
    assert next_id(doc_of(parent, task(2, "done"))) == "1.2"
    as_string = task(1, "in-progress", subs=[sub(1, "done"), sub(2, "pending", deps_=["2"])])
    assert next_id(doc_of(as_string, task(2, "done"))) == "1.2"
    assert next_id(doc_of(as_string, task(2))) != "1.2"


def test_a_subtask_dependency_on_a_top_level_task_is_read_as_validation_reads_it_and_the_subtask_is_offered() -> None:
    # no sibling 1.2 exists, so "2" (or 2) is the top-level task 2, as validate_dependencies reads it
    for dep in ("2", 2):
        lone = task(1, "in-progress", subs=[sub(1, deps_=[dep])])
        doc = doc_of(lone, task(2, "done"), task(3))
        assert next_id(doc) == "1.1"
        assert deps.validate(doc.index("master")) == []
        pending = doc_of(task(1, "in-progress", subs=[sub(1, deps_=[dep])]), task(2), task(3))
        assert next_id(pending) != "1.1"


def test_an_in_progress_top_level_task_competes_with_pending_ones() -> None:
    doc = doc_of(task(1, "pending", priority="medium"), task(2, "in-progress", priority="high"))
    assert next_id(doc) == "2"
    assert next_id(doc_of(task(1, "review"), task(2, "blocked"))) is None
