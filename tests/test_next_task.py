"""Which task comes next: in-progress subtasks first, then priority, then the lowest id; dependencies must be done."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import doc_of, messy, sub, task
from taskmaster_mcp.tasks import queries
from taskmaster_mcp.tasks.document import TaskFile


def next_id(doc: TaskFile, tag: str = "master") -> str | None:
    found = queries.next_item(doc.index(tag))
    if found is None:
        return None
    t, s = found
    return str(queries.ref_of(t, s))


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
