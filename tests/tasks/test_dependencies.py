"""Dependencies: validation and repair, refusing bad new ones, and Task Master's int/string/dotted encoding."""

from __future__ import annotations

import pytest

from rules_helpers import doc_of, get, sub, task
from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.tasks import dependencies as deps
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Ref

# --- validation and repair --------------------------------------------------------------------------------------


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


def test_adding_an_existing_dependency_or_removing_a_missing_one_changes_nothing_and_says_so() -> None:
    doc = doc_of(task(1), task(2, deps_=["1"]), task(3))
    assert deps.add(doc.index("master"), Ref("2"), Ref("1")) is False
    assert deps.remove(doc.index("master"), Ref("3"), Ref("1")) is False
    assert get(doc, "2")["dependencies"] == ["1"] and get(doc, "3")["dependencies"] == []


def test_a_dot_less_dependency_of_a_subtask_names_its_sibling_first_then_the_task() -> None:
    doc = doc_of(task(4, subs=[sub(1), sub(2, deps_=[1])]), task(7))
    index = doc.index("master")
    assert deps.target_of(index, Ref("4", "2"), "1") == Ref("4", "1")
    assert deps.target_of(index, Ref("4", "2"), "7") == Ref("7")
    assert deps.target_of(index, Ref("4"), "1") == Ref("1")
    assert deps.remove(index, Ref("4", "2"), deps.target_of(index, Ref("4", "2"), "1")) is True


# --- encoding ---------------------------------------------------------------------------------------------------


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
