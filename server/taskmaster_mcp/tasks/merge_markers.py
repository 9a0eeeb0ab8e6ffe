"""The three texts inside a file git left with conflict markers, in each of git's three conflict styles, pure.

- ``merge`` (git's default): ``<<<<<<<`` ours ``=======`` theirs ``>>>>>>>``; the base of a hunk is not shown.
- ``diff3``: a ``|||||||`` section holds the base of each hunk, so base, ours and theirs are all exact.
- ``zdiff3``: like diff3, but lines that begin or end both sides of a hunk are moved out of it ("zealous"), so the
  text outside the hunks may hold lines the base never had: the base it yields is a guess.

Only the diff3 base is exact. :func:`split_conflicts` says which style it saw; callers outside a git merge must check
a guessed base (:func:`unsure_base`) before trusting it, and refuse rather than drop a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.tasks.merge_refs import is_block, key

_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: |$)")


@dataclass(frozen=True)
class Split:
    """The sides of a conflicted file: ``base`` is None without a ``|||||||`` section; ``exact`` is True when the base
    is certainly the base (every hunk had a base section and no hunk looked zealous)."""

    ours: str
    theirs: str
    base: str | None
    common: str
    hunks: int
    exact: bool


def split_conflicts(text: str) -> Split:
    """Split ``text`` at git's markers; StoreError for markers that do not nest as git writes them."""
    sides: dict[str, list[str]] = {"ours": [], "theirs": [], "base": [], "common": []}
    hunk: dict[str, list[str]] = {"ours": [], "theirs": [], "base": []}
    state = "common"
    hunks = with_base = zealous = 0
    for line in text.splitlines(keepends=True):
        mark = _MARKER.match(line)
        kind = mark.group(1)[0] if mark else None
        if kind == "<" and state == "common":
            state = "ours"
            hunk = {"ours": list[str](), "theirs": list[str](), "base": list[str]()}
        elif kind == "|" and state == "ours":
            state = "base"
            with_base += 1
        elif kind == "=" and state in ("ours", "base"):
            state = "theirs"
        elif kind == ">" and state == "theirs":
            state = "common"
            hunks += 1
            o, t = hunk["ours"], hunk["theirs"]
            # zdiff3 moves shared leading/trailing lines out; diff3 keeps the whole region, so an edge both sides
            # share is the usual sign of diff3 (and an edge that differs is what zdiff3 always leaves)
            zealous += bool(o and t and o[0] != t[0] and o[-1] != t[-1])
        elif kind is not None:
            raise StoreError(f"Unbalanced conflict marker {line.strip()[:20]!r}; fix the markers by hand.")
        elif state == "common":
            for side in sides.values():
                side.append(line)
        else:
            sides[state].append(line)
            hunk[state].append(line)
    if state != "common":
        raise StoreError("A conflict hunk has no closing >>>>>>> marker; fix the markers by hand.")
    join = "".join
    base = join(sides["base"]) if with_base else None
    exact = bool(hunks) and with_base == hunks and not zealous
    return Split(join(sides["ours"]), join(sides["theirs"]), base, join(sides["common"]), hunks, exact)


def _tasks(block: Any) -> dict[str, dict[str, Any]]:
    if not is_block(block):
        return {}
    return {key(t["id"]): t for t in cast(list[dict[str, Any]], block["tasks"])}


def unsure_base(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The tasks (``tag:id``) a guessed base cannot decide: on both sides with different content, where the base
    lacks the task or lacks a field both sides have (a line of it was inside a hunk whose base is unknown), so
    "edited on both sides" and "added on both sides under one id" cannot be told apart."""
    unsure: list[str] = []
    for tag in ours:
        mine, other, was = _tasks(ours.get(tag)), _tasks(theirs.get(tag)), _tasks(base.get(tag))
        for k, task in mine.items():
            their = other.get(k)
            if their is None or their == task:
                continue
            old = was.get(k)
            if old is None or not (set(task) & set(their)) <= set(old):
                unsure.append(f"{tag}:{k}")
    return unsure
