"""How large a task's text fields may be: generous for real work, small enough that one call cannot bloat the file.

A 10 MB title was accepted and written (issue 18 §4); every later read, view and prompt then paid for it. The limits
are in characters (Python ``len``, what an agent counts), checked where a field is set or a note appended, before
anything is written:

============== ============ ==============================================================================
field          limit        why
============== ============ ==============================================================================
title          1,000        a line on a board or in a commit message; long text belongs in details
description    100,000      a few pages
details        500,000      notes accumulate here (update_subtask appends); a long implementation log fits
testStrategy   100,000      a few pages
tag name       100          (checked as a name)
tag descr.     10,000       a paragraph
============== ============ ==============================================================================
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.errors import InvalidInput

FIELD_LIMITS: dict[str, int] = {
    "title": 1_000,
    "description": 100_000,
    "details": 500_000,
    "testStrategy": 100_000,
}
TAG_DESCRIPTION_LIMIT = 10_000


def check_text(name: str, value: Any, limit: int | None = None) -> None:
    """Refuse ``value`` for field ``name`` when it is longer than its limit, saying how to fix it."""
    most = FIELD_LIMITS.get(name) if limit is None else limit
    if most is None or not isinstance(value, str) or len(value) <= most:
        return
    hint = " Put long text in details." if name == "title" else " Keep the essentials; link to a file for the rest."
    raise InvalidInput(
        f"{name} is {len(value):,} characters; the most a {name} may have is {most:,}.{hint} Nothing was written."
    )


def check_item(item: dict[str, Any]) -> None:
    """Check every bounded field of a task or subtask."""
    for name in FIELD_LIMITS:
        check_text(name, item.get(name))
