"""What can run at once: items that are ready, not joined by any dependency path, and touch different files.

An item's file scope is the set of paths named in its details or test strategy (``src/api/routes.py``,
``docs/``, ``README.md``) plus ``metadata.files`` when it is a list of paths. Two scopes overlap when they share a
path or one is a folder holding the other. An item that names no path has an empty scope and overlaps nothing: it
is chosen on its dependencies alone, and the reason says so.

:func:`pick` answers ``next_task count: N``: it walks the items in the order next_task offers them and keeps each
one that joins none already kept. :func:`waves` groups the whole plan the same way, wave by wave: wave 1 is what can
start now, wave 2 what can start once wave 1 is done, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from taskmaster_mcp.tasks.dependencies import graph
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, TagIndex, Task, deps_of, key
from taskmaster_mcp.tasks.queries import ready_items

# A path: optional folders then a file with an extension, or folders ending in "/". Not URLs, not version numbers.
_PATH = re.compile(
    r"(?<![\w/.:@-])(?:\./)?((?:[\w@.-]+/)+(?:[\w@.-]+\.[A-Za-z][A-Za-z0-9]{0,7})?|[\w@-][\w@.-]*\.[A-Za-z][A-Za-z0-9]{0,7})(?![\w/-])"
)
_NOT_FILES = re.compile(r"^(?:e\.g|i\.e|etc|vs|v\d.*|\d+(?:\.\d+)*)$", re.IGNORECASE)


def scope_of(item: Task) -> frozenset[str]:
    """The paths ``item`` names (see the module docstring); folders end with ``/``."""
    text = "\n".join(str(item.get(f) or "") for f in ("details", "testStrategy"))
    found = {m.group(1).rstrip(".") for m in _PATH.finditer(text)}
    metadata = item.get("metadata")
    files = cast(dict[str, Any], metadata).get("files") if isinstance(metadata, dict) else None
    if isinstance(files, list):
        found.update(str(f).strip().removeprefix("./") for f in cast(list[Any], files) if str(f).strip())
    return frozenset(p for p in found if p and not _NOT_FILES.match(p) and "://" not in p)


def overlap(a: frozenset[str], b: frozenset[str]) -> str | None:
    """A path the two scopes share (a folder holding a file counts), or None."""
    for left in a:
        for right in b:
            if left == right or (left.endswith("/") and right.startswith(left)):
                return left
            if right.endswith("/") and left.startswith(right):
                return right
    return None


@dataclass
class Pick:
    """One item chosen to run beside the others, and why."""

    task: Task
    sub: Task | None
    scope: frozenset[str]
    reason: str

    @property
    def id(self) -> str:
        tid = key(self.task.get("id"))
        return f"{tid}.{key(self.sub.get('id'))}" if self.sub is not None else tid


@dataclass
class Wave:
    items: list[str] = field(default_factory=lambda: [])
    reasons: dict[str, str] = field(default_factory=lambda: {})


def _reach(edges: dict[str, list[str]], start: str) -> set[str]:
    """Every item ``start`` depends on, directly or through others."""
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def pick(index: TagIndex, count: int, skip: Callable[[str], bool] | None = None) -> list[Pick]:
    """Up to ``count`` ready items that can be worked at once, each with why it was chosen."""
    edges = graph(index)
    chosen: list[Pick] = []
    reach: dict[str, set[str]] = {}
    for task, sub in ready_items(index, skip):
        if len(chosen) >= count:
            break
        candidate = Pick(task, sub, scope_of(sub if sub is not None else task), "")
        if sub is not None and any(c.sub is None and c.task is task for c in chosen):
            continue  # its whole task is already chosen
        if sub is None and any(c.task is task for c in chosen):
            continue
        upstream = _reach(edges, candidate.id)
        if any(c.id in upstream or candidate.id in reach[c.id] for c in chosen):
            continue  # a dependency path joins them
        if any(overlap(candidate.scope, c.scope) for c in chosen):
            continue
        candidate.reason = _reason(candidate, chosen)
        chosen.append(candidate)
        reach[candidate.id] = upstream
    return chosen


def _reason(candidate: Pick, chosen: list[Pick]) -> str:
    ready = "ready: its dependencies are done" if deps_of(candidate.sub or candidate.task) else "ready: no dependencies"
    if not chosen:
        return f"{ready}; the item next_task offers first"
    files = (
        f"its files ({', '.join(sorted(candidate.scope)[:3])}) are touched by no other pick"
        if candidate.scope
        else ("it names no files, so it shares none")
    )
    return f"{ready}; no dependency path joins it to {', '.join(c.id for c in chosen)}; {files}"


def waves(index: TagIndex, limit: int = 10_000) -> tuple[list[Wave], list[str]]:
    """The plan's open top-level tasks grouped into waves that can each run at once; and the tasks no wave can
    reach (a dependency that is missing, cancelled-but-needed, or in a cycle)."""
    open_tasks = [t for t in index.tasks if str(t.get("status") or "pending") not in CLOSED_STATUSES]
    finished = {key(t.get("id")) for t in index.tasks if str(t.get("status") or "pending") in {"done", "completed"}}
    pending = {key(t.get("id")): t for t in open_tasks}
    scopes = {tid: scope_of(t) for tid, t in pending.items()}
    result: list[Wave] = []
    while pending and len(result) < limit:
        ready = [tid for tid, t in pending.items() if all(key(d) in finished for d in deps_of(t))]
        if not ready:
            break
        wave = Wave()
        for tid in ready:
            clash = next((other for other in wave.items if overlap(scopes[tid], scopes[other])), None)
            if clash is not None:
                continue  # waits for the next wave: it touches a file of task `clash`
            wave.items.append(tid)
            wave.reasons[tid] = "dependencies done" + (
                f"; files {', '.join(sorted(scopes[tid])[:3])}" if scopes[tid] else ""
            )
        result.append(wave)
        for tid in wave.items:
            finished.add(tid)
            del pending[tid]
    return result, sorted(pending, key=_id_order)


def _id_order(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 62, text)


def ids(picks: Iterable[Pick]) -> list[str]:
    return [p.id for p in picks]
