"""Notes appended on both branches, pure: Task Master's ``update_subtask`` (and ``update_task`` with ``append``) add a
dated block to a task's ``details``::

    <info added on 2026-03-01T10:00:00.000Z>
    what was learnt
    </info added on 2026-03-01T10:00:00.000Z>

When both branches only appended to the base's text and each appended part holds such a dated note, the merge is
the base followed by both appended parts, the earlier note first (ours first on a tie): both notes, no conflict.
Anything else (an edit inside the old text, an undated append) stays a conflict for a person to decide.
"""

from __future__ import annotations

import re
from typing import Any

_NOTE = re.compile(r"<info added on ([^>\n]{1,64})>")
NOTE_FIELDS = frozenset({"details"})


def merge_appended_notes(base: Any, ours: Any, theirs: Any) -> str | None:
    """The merged text when both sides appended dated notes to ``base``; None when the rule does not apply."""
    if not (isinstance(base, str) and isinstance(ours, str) and isinstance(theirs, str)):
        return None
    if not (ours.startswith(base) and theirs.startswith(base)):
        return None
    added = [ours[len(base) :], theirs[len(base) :]]
    dates = [_NOTE.search(part) for part in added]
    if not all(dates) or any(not part.strip() for part in added):
        return None
    first, second = sorted(zip(added, (d.group(1) for d in dates if d), strict=True), key=lambda pair: pair[1])
    return base + first[0] + _joined(first[0], second[0])


def _joined(first: str, second: str) -> str:
    """``second`` after ``first`` with the separator the side used before its own note (a note never runs on)."""
    if first.endswith("\n") or second.startswith("\n"):
        return second
    return "\n" + second
