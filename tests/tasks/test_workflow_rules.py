"""The autopilot state machine (tasks/workflow.py) and its stored shape, without MCP, git or files."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from taskmaster_mcp.errors import Conflict, InvalidInput, StoreError
from taskmaster_mcp.store.workflow_state import from_json, to_json
from taskmaster_mcp.tasks import workflow as wf
from taskmaster_mcp.tasks.workflow import Workflow

FAILING = {"total": 2, "passed": 1, "failed": 1, "skipped": 0}
PASSING = {"total": 2, "passed": 2, "failed": 0, "skipped": 0}


def started(*done: bool) -> Workflow:
    subtasks = [(f"7.{n}", f"Part {n}", flag) for n, flag in enumerate(done or (False, False, False), start=1)]
    return wf.begin(
        "7",
        "Build it",
        subtasks,
        tag="master",
        branch="tm/master/task-7-build-it",
        max_attempts=3,
        started_at="2026-01-01T00:00:00.000Z",
    )


def at(state: Workflow, tdd: str) -> Workflow:
    if tdd in ("GREEN", "COMMIT"):
        state = wf.complete_phase(state, FAILING).workflow
    if tdd == "COMMIT":
        state = wf.complete_phase(state, PASSING).workflow
    return state


@pytest.mark.parametrize(
    ("task_id", "title", "tag", "expected"),
    [
        ("1", "Add User Authentication", None, "tm/task-1-add-user-authentication"),
        ("1", "Feature X", "sprint-1", "tm/sprint-1/task-1-feature-x"),
        ("12", "  --Fix: the *parser* (v2)!  ", "master", "tm/master/task-12-fix-the-parser-v2"),
        ("3", "Ünïcode títle", "master", "tm/master/task-3-n-code-t-tle"),
        ("4", "x" * 80, "master", "tm/master/task-4-" + "x" * 50),
    ],
)
def test_the_branch_name_is_task_masters(task_id: str, title: str, tag: str | None, expected: str) -> None:
    assert wf.branch_name(task_id, title, tag) == expected


def test_start_begins_at_red_of_the_first_subtask_not_done_and_records_where_it_resumed() -> None:
    state = started(True, False, False)
    assert (state.phase, state.tdd, state.index, state.current.id if state.current else None) == (
        "SUBTASK_LOOP",
        "RED",
        1,
        "7.2",
    )
    assert state.metadata == {
        "startedAt": "2026-01-01T00:00:00.000Z",
        "taskTitle": "Build it",
        "resumedFromSubtask": "7.2",
    }
    assert wf.progress(state) == {"completed": 1, "total": 3, "current": 2, "percentage": 33}


def test_start_refuses_a_task_without_subtasks_or_with_every_subtask_done() -> None:
    with pytest.raises(InvalidInput, match="Expand it first"):
        wf.begin("7", "t", [], tag=None, branch="b", max_attempts=3, started_at="now")
    with pytest.raises(Conflict, match="already done"):
        started(True, True)


def test_red_with_a_failure_moves_to_green_and_green_with_all_passing_moves_to_commit() -> None:
    red = started()
    green = wf.complete_phase(red, FAILING)
    assert (green.workflow.tdd, green.completed, green.already_implemented) == ("GREEN", None, False)
    assert green.workflow.last_results == {**FAILING, "phase": "RED"}
    commit = wf.complete_phase(green.workflow, PASSING)
    assert commit.workflow.tdd == "COMMIT" and commit.workflow.last_results == {**PASSING, "phase": "GREEN"}
    assert red.tdd == "RED" and red.last_results is None  # transitions never change their input


def test_red_without_a_failure_completes_the_subtask_as_already_implemented() -> None:
    outcome = wf.complete_phase(started(), {"total": 1, "passed": 1, "failed": 0})
    assert (outcome.completed, outcome.started, outcome.already_implemented) == ("7.1", "7.2", True)
    assert outcome.workflow.tdd == "RED" and outcome.workflow.subtasks[0].status == "completed"


@pytest.mark.parametrize(
    ("tdd", "results", "message"),
    [
        ("RED", {"total": 0, "passed": 0, "failed": 0}, "at least one test that ran"),
        ("RED", {"total": 2, "passed": 0, "failed": 0, "skipped": 2}, "at least one test that ran"),
        ("RED", {"total": 3, "passed": 1, "failed": 1}, "do not add up"),
        ("RED", {"passed": 1, "failed": 1}, "lacks total"),
        ("RED", {"total": 1, "passed": 1, "failed": True}, "non-negative integer"),
        ("RED", {"total": 1, "passed": 2, "failed": -1}, "non-negative integer"),
        ("GREEN", {"total": 2, "passed": 1, "failed": 1}, "GREEN needs every test to pass; 1 failed"),
        ("GREEN", {"total": 1, "passed": 0, "failed": 0, "skipped": 1}, "at least one passing test"),
    ],
)
def test_reports_that_break_a_phase_rule_are_refused(tdd: str, results: dict[str, Any], message: str) -> None:
    state = at(started(), tdd)
    before = copy.deepcopy(state)
    with pytest.raises(InvalidInput, match=message):
        wf.complete_phase(state, results)
    assert state == before


def test_complete_phase_at_commit_and_commit_before_green_are_refused_with_the_right_tool() -> None:
    with pytest.raises(Conflict, match="Call autopilot_commit"):
        wf.complete_phase(at(started(), "COMMIT"), PASSING)
    with pytest.raises(Conflict, match=r"subtask 7\.1 is in GREEN"):
        wf.committed(at(started(), "GREEN"))


def test_a_commit_moves_to_the_next_open_subtask_and_after_the_last_to_finalize() -> None:
    state = started(False, True, False)
    first = wf.committed(at(state, "COMMIT"))
    assert (first.completed, first.started, first.workflow.current.id if first.workflow.current else None) == (
        "7.1",
        "7.3",
        "7.3",
    )
    last = wf.committed(at(first.workflow, "COMMIT"))
    assert (last.completed, last.started, last.workflow.phase, last.workflow.tdd) == ("7.3", None, "FINALIZE", None)
    assert last.workflow.current is None and wf.progress(last.workflow)["completed"] == 3
    with pytest.raises(Conflict, match="Call autopilot_finalize"):
        wf.complete_phase(last.workflow, FAILING)
    assert wf.finalize(last.workflow).phase == "COMPLETE"


def test_finalize_is_refused_while_a_subtask_is_open() -> None:
    with pytest.raises(Conflict, match=r"subtask 7\.1 is still in RED"):
        wf.finalize(started())


def test_next_action_names_the_phase_the_subtask_and_what_to_test() -> None:
    detail = {"description": "Parse the header line", "testStrategy": "a file with no header is rejected"}
    red = wf.next_action(started(), detail)
    assert red.action == "generate_test" and 'subtask 7.1 "Part 1"' in red.next_steps
    assert "a file with no header is rejected" in red.next_steps and "must fail" in red.next_steps
    green = wf.next_action(at(started(), "GREEN"), detail)
    assert green.action == "implement_code" and "(1 failing at RED)" in green.next_steps
    assert wf.next_action(at(started(), "COMMIT")).action == "commit_changes"
    done = wf.committed(at(started(True, True, False), "COMMIT")).workflow
    assert wf.next_action(done).action == "finalize_workflow"
    assert wf.next_action(wf.finalize(done)).action == "workflow_complete"


def test_the_commit_message_is_conventional_and_names_the_subtask_and_the_tests() -> None:
    state = at(started(), "COMMIT")
    assert wf.commit_message(state, "Build it") == (
        "feat(task-7): Part 1\n\nTask: 7.1 (subtask of 7: Build it)\nTests: 2 passing\n"
    )


def test_the_stored_shape_is_task_masters_and_round_trips_with_unknown_keys() -> None:
    stored = to_json(at(started(), "GREEN"))
    assert stored["phase"] == "SUBTASK_LOOP"
    assert list(stored["context"]) == [
        "taskId",
        "subtasks",
        "currentSubtaskIndex",
        "currentTDDPhase",
        "branchName",
        "tag",
        "errors",
        "metadata",
        "lastTestResults",
    ]
    stored["context"]["activity"] = [1]
    stored["context"]["subtasks"][0]["note"] = "x"
    stored["version"] = 1
    assert to_json(from_json(copy.deepcopy(stored))) == stored


def test_a_task_master_state_without_a_tdd_phase_resumes_at_red() -> None:
    state = from_json(
        {
            "phase": "SUBTASK_LOOP",
            "context": {
                "taskId": "2",
                "subtasks": [{"id": "2.1", "title": "a", "status": "pending", "attempts": 0}],
                "currentSubtaskIndex": 0,
                "errors": [],
                "metadata": {},
            },
        }
    )
    assert state.tdd == "RED" and state.subtasks[0].max_attempts is None


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"phase": "ELSEWHERE", "context": {}},
        {"phase": "SUBTASK_LOOP"},
        {"phase": "SUBTASK_LOOP", "context": {"taskId": "", "subtasks": [], "currentSubtaskIndex": 0, "errors": []}},
        {"phase": "SUBTASK_LOOP", "context": {"taskId": "1", "subtasks": [], "currentSubtaskIndex": 0, "errors": []}},
        {
            "phase": "SUBTASK_LOOP",
            "context": {"taskId": "1", "subtasks": [{"id": "1.1"}], "currentSubtaskIndex": "0", "errors": []},
        },
        {
            "phase": "SUBTASK_LOOP",
            "context": {
                "taskId": "1",
                "subtasks": [{"id": "1.1"}],
                "currentSubtaskIndex": 0,
                "errors": [],
                "currentTDDPhase": "BLUE",
            },
        },
    ],
)
def test_an_invalid_stored_state_says_to_abort_it(data: Any) -> None:
    with pytest.raises(StoreError, match="autopilot_abort"):
        from_json(data)
