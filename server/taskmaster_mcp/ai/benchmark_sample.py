"""The built-in sample work of benchmark_models, for projects with no PRD or no open tasks.

Small on purpose (a benchmark is paid per candidate and run), but with what the checks need: a PRD with four
sections for the coverage check, and tasks with dependencies between them so an expansion has neighbours.
"""

from __future__ import annotations

from typing import Any

SAMPLE_PRD_TASKS = 5

SAMPLE_PRD = """# Bookmarks service

A small web service where people save, tag and find links.

## Accounts
People sign up with an email address and a password, log in, log out, and reset a forgotten password by email.

## Saving bookmarks
A logged-in person saves a link with a title and an optional note, edits it, and deletes it. Duplicate links are
refused with a message naming the existing bookmark.

## Tags and search
Bookmarks carry tags. People filter by tag and search titles and notes; results come back within 200 ms for
10,000 bookmarks.

## Import and export
People import bookmarks from a browser's HTML export file and export all of theirs as JSON.
"""


def _task(tid: int, title: str, description: str, deps: list[int]) -> dict[str, Any]:
    return {
        "id": tid,
        "title": title,
        "description": description,
        "details": "",
        "testStrategy": "",
        "status": "pending",
        "dependencies": deps,
        "priority": "medium",
        "subtasks": [],
    }


SAMPLE_TASKS: list[dict[str, Any]] = [
    _task(
        1,
        "Set up the web service skeleton",
        "Project layout, configuration, database connection and a health check endpoint.",
        [],
    ),
    _task(2, "User accounts with password login", "Sign-up, login, logout and password reset by email.", [1]),
    _task(3, "Bookmark storage and CRUD endpoints", "Save, edit and delete bookmarks; refuse duplicate links.", [1, 2]),
    _task(
        4, "Tagging and search", "Tags on bookmarks, filtering by tag and full-text search of titles and notes.", [3]
    ),
    _task(
        5, "Browser import and JSON export", "Import a browser's HTML bookmarks export; export everything as JSON.", [3]
    ),
]
