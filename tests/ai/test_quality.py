"""The deterministic quality checks of ai/quality.py, over plain task dicts (no model, no disk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taskmaster_mcp.ai.quality import (
    Issue,
    check_plan,
    count_issue,
    count_within,
    dated_notes,
    dependency_issues,
    duplicates_of,
    keywords,
    near_duplicates,
    similarity,
    structure_issues,
    uncovered,
    update_issues,
)


def task(ident: Any, title: str, deps: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "title": title,
        "description": f"{title}.",
        "status": "pending",
        "dependencies": deps or [],
        **extra,
    }


NOTE = "<info added on 2025-09-02T08:00:00.000Z>\nUse cursor pagination.\n</info added on 2025-09-02T08:00:00.000Z>"


def test_keywords_drop_stop_words_and_plural_s_and_keep_tech_terms() -> None:
    assert keywords("Implement the search indexes with SQLite FTS5 and C++") == {
        "search",
        "index",
        "sqlite",
        "fts5",
        "c++",
    }
    assert keywords("Add a user; policies, bookmarks, classes, status") == {
        "user",
        "policy",
        "bookmark",
        "class",
        "status",
    }


def test_a_well_formed_plan_has_no_issues(shared_fixtures: Path) -> None:
    plan = [task(1, "Project skeleton"), task(2, "User accounts", [1]), task(3, "Bookmark storage", [1, 2])]
    assert check_plan(plan, wanted=3, required=["user accounts", "bookmark storage"]) == []
    messy = json.loads((shared_fixtures / "messy-tasks.json").read_text())["master"]["tasks"]
    assert structure_issues(messy) == [] and dependency_issues(messy) == []


def test_structure_issues_name_missing_fields_unknown_status_duplicate_ids_and_bad_dependencies() -> None:
    plan = [
        task(1, "Skeleton"),
        {"id": 1, "title": "", "description": "d", "status": "started"},
        {"title": "No id", "description": "d"},
        task(2, "Deps", subtasks=[task(1, "a"), task(1, "b")]),
        {**task(3, "Bad deps"), "dependencies": "1"},
    ]
    messages = [i.message for i in structure_issues(plan)]
    assert messages == [
        "id 1 is used twice",
        "1 has no title",
        "1 has unknown status 'started'",
        "a task has no id",
        "id 2.1 is used twice",
        "3 has dependencies that are not a list",
    ]
    assert all(i.check == "structure" for i in structure_issues(plan))


def test_dependency_issues_find_forward_dangling_and_self_dependencies_and_accept_known_ids() -> None:
    plan = [
        task(10, "A", [11]),
        task(11, "B", [99, 11, 4]),
        task(12, "C", ["10", "3.2"]),
        task(13, "D", subtasks=[task(1, "s1", [2]), task(2, "s2", [1, 7, "13.1"])]),
    ]
    issues = dependency_issues(plan, known=["4"])
    assert [i.message for i in issues] == [
        "10 depends on 11, planned after it",
        "11 depends on 99, which does not exist",
        "11 depends on itself",
        "13.1 depends on 13.2, planned after it",
        "13.2 depends on sibling 7, which does not exist",
    ]
    assert issues[0] == Issue("dependencies", "10 depends on 11, planned after it", ("10", "11"))


def test_count_within_allows_twenty_percent_either_way_and_zero_means_any() -> None:
    assert count_within(8, 10) and count_within(12, 10) and not count_within(7, 10) and not count_within(13, 10)
    assert count_within(4, 5) and not count_within(3, 5) and count_within(40, 0)
    assert count_issue(10, 10) is None
    issue = count_issue(3, 10)
    assert issue is not None and issue.check == "count" and "3 items where 10 were asked for" in issue.message


def test_near_duplicates_match_reworded_titles_but_not_related_ones() -> None:
    titles = [
        ("1", "Add user login page"),
        ("2", "User login page"),
        ("3", "User logout endpoint"),
        ("4", "Set up CI"),
        ("5", "set up ci"),
    ]
    assert near_duplicates(titles) == [("1", "2"), ("4", "5")]
    assert near_duplicates(titles, only={"3"}) == []
    assert near_duplicates([task(1, "Search index"), task(2, "Build the search indexes")]) == [("1", "2")]
    assert similarity("Login page for users", "users login page") == 1.0
    assert duplicates_of("Write tests for the login page", ["Login page tests", "Logout"]) == ["Login page tests"]


def test_uncovered_lists_required_items_no_task_mentions() -> None:
    plan = [
        task(1, "Bookmark CRUD", details="Create, edit and delete bookmarks"),
        {**task(2, "Export"), "subtasks": [task(1, "HTML export")]},
    ]
    assert uncovered(plan, ["Save bookmarks", "Export to HTML", "Tag search", "the"]) == ["Tag search"]


def test_update_issues_flag_unimplied_fields_finished_subtasks_and_lost_notes() -> None:
    before = {
        "id": 4,
        "title": "HTTP API",
        "details": f"REST.\n{NOTE}",
        "priority": "high",
        "status": "pending",
        "subtasks": [
            {"id": 1, "title": "Routes", "status": "done", "details": NOTE},
            {"id": 2, "title": "Validation", "status": "pending"},
        ],
    }
    good = {
        **before,
        "title": "GraphQL API",
        "details": f"GraphQL.\n\n{NOTE}",
        "subtasks": [
            before["subtasks"][0],
            {"id": 2, "title": "Schema validation", "status": "pending"},
            {"id": 3, "title": "Resolvers", "status": "pending"},
        ],
    }
    assert update_issues(before, good, {"title", "description", "details", "subtasks"}) == []
    bad = {
        **before,
        "details": "GraphQL.",
        "priority": "low",
        "status": "done",
        "subtasks": [{"id": 1, "title": "GraphQL routes", "status": "done"}],
    }
    messages = [i.message for i in update_issues(before, bad, {"title", "details", "subtasks"})]
    assert messages == [
        "4: priority changed but the request did not imply it",
        "4: status changed but the request did not imply it",
        "4.1 changed but is finished work",
        "4.2 was removed",
        "4: 1 dated note(s) lost",
        "4.1: 1 dated note(s) lost",
    ]
    only_text = [i.message for i in update_issues(before, good, {"title", "details"})]
    assert only_text == ["4.2 changed but was not to change", "4: subtasks were added but the request did not imply it"]


def test_dated_notes_are_found_in_order() -> None:
    second = NOTE.replace("2025-09-02", "2025-09-03").replace("cursor", "keyset")
    assert dated_notes(f"a\n{NOTE}\nb\n{second}") == [NOTE, second]
