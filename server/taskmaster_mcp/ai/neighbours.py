"""Which tasks a prompt shows around the one being worked on (rendering is in :mod:`ai.prompts.blocks`).

A model that plans, expands or rewrites one task needs its neighbourhood with some substance, not only titles:

- the tasks it **builds on** (its dependencies) and the tasks it **unblocks** (its dependents), each as a
  :func:`~taskmaster_mcp.ai.prompts.blocks.brief` (id, title, status, description, the first 450 characters of
  details), at most :data:`NEIGHBOURS_EACH_WAY` each way, open ones first;
- tasks **relevant** to a text (a request, a query), by shared keywords;
- **foundation** tasks: those many other tasks depend on (the plan's load-bearing work).

Pure functions over a :class:`TagIndex`; nothing here reads the disk or calls a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from taskmaster_mcp.ai.prompts.blocks import brief
from taskmaster_mcp.ai.quality import keywords
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Ref, TagIndex, Task, key, subtasks_of

NEIGHBOURS_EACH_WAY = 6
BATCH_NEIGHBOURS = 10
FOUNDATION_MIN_DEPENDENTS = 3
COMMON_WORD_MIN = 3


def is_open(item: Task) -> bool:
    """Not done, completed or cancelled."""
    return item.get("status", "pending") not in CLOSED_STATUSES


def dependents(index: TagIndex) -> dict[str, list[Task]]:
    """Task id -> the tasks that depend on it directly (built once per prompt, linear in the plan's size)."""
    found: dict[str, list[Task]] = {}
    for task in index.tasks:
        for target in dict.fromkeys(ref.task for ref in index.dep_refs(task) if ref.sub is None):
            found.setdefault(target, []).append(task)
    return found


def _open_first(items: Iterable[tuple[str, Task]], limit: int) -> list[tuple[str, Task]]:
    ordered = sorted(items, key=lambda pair: not is_open(pair[1]))
    return ordered[:limit]


def builds_on(index: TagIndex, task: Task, sub: Task | None = None, limit: int = NEIGHBOURS_EACH_WAY) -> list[str]:
    """Briefs of the tasks (or subtasks) ``task`` / ``sub`` depends on."""
    found: list[tuple[str, Task]] = []
    for ref in dict.fromkeys(index.dep_refs(task, sub)):
        owner = index.by_id.get(ref.task)
        if owner is None:
            continue
        item = owner if ref.sub is None else next((s for s in subtasks_of(owner) if key(s.get("id")) == ref.sub), None)
        if item is not None and item is not sub:
            found.append((str(ref), item))
    return [brief(item, ident) for ident, item in _open_first(found, limit)]


def unblocks(
    index: TagIndex,
    task: Task,
    sub: Task | None = None,
    reverse: dict[str, list[Task]] | None = None,
    limit: int = NEIGHBOURS_EACH_WAY,
) -> list[str]:
    """Briefs of the tasks that depend on ``task`` (or, for ``sub``, the sibling subtasks that depend on it)."""
    tid = key(task.get("id"))
    if sub is not None:
        me = Ref(tid, key(sub.get("id")))
        found = [
            (f"{tid}.{key(s.get('id'))}", s)
            for s in subtasks_of(task)
            if s is not sub and me in set(index.dep_refs(task, s))
        ]
    else:
        table = reverse if reverse is not None else dependents(index)
        found = [(key(t.get("id")), t) for t in table.get(tid, []) if t is not task]
    return [brief(item, ident) for ident, item in _open_first(found, limit)]


def relevant(index: TagIndex, text: str, limit: int, exclude: Iterable[str] = ()) -> list[Task]:
    """The tasks most related to ``text`` by keywords, best first (at most ``limit``; none below the floor).

    A task scores two points per keyword of ``text`` in its title, one per keyword in its description, and ten
    when ``text`` quotes its whole title; it needs two points (one title word, or two description words). Words
    found in more than a quarter of the plan's tasks (and in more than :data:`COMMON_WORD_MIN` of them) say
    nothing about relevance and are ignored. Ties go to open tasks, then to later ones (the plan's current edge).
    """
    lowered = " ".join(text.lower().split())
    skip = set(exclude)
    words = [(keywords(str(t.get("title", ""))), keywords(str(t.get("description", "")))) for t in index.tasks]
    seen = Counter(word for title, description in words for word in title | description)
    wanted = {w for w in keywords(text) if seen[w] <= max(COMMON_WORD_MIN, len(index.tasks) // 4)}
    scored: list[tuple[int, bool, int, Task]] = []
    for position, (task, (title_words, description_words)) in enumerate(zip(index.tasks, words, strict=True)):
        if key(task.get("id")) in skip:
            continue
        score = 2 * len(wanted & title_words) + len(wanted & description_words)
        title = " ".join(str(task.get("title", "")).lower().split())
        if len(title) > 8 and title in lowered:
            score += 10
        if score >= 2:
            scored.append((score, is_open(task), position, task))
    scored.sort(key=lambda row: (-row[0], not row[1], -row[2]))
    return [row[3] for row in scored[:limit]]


def foundations(
    index: TagIndex, reverse: dict[str, list[Task]], limit: int = 3, exclude: Iterable[str] = ()
) -> list[Task]:
    """Tasks at least :data:`FOUNDATION_MIN_DEPENDENTS` others depend on, most depended-on first."""
    skip = set(exclude)
    counted = [
        (len(reverse.get(key(t.get("id")), [])), n, t)
        for n, t in enumerate(index.tasks)
        if key(t.get("id")) not in skip
    ]
    counted = [row for row in counted if row[0] >= FOUNDATION_MIN_DEPENDENTS]
    counted.sort(key=lambda row: (-row[0], row[1]))
    return [row[2] for row in counted[:limit]]


def batch_neighbours(
    index: TagIndex, batch: list[Task], reverse: dict[str, list[Task]], limit: int = BATCH_NEIGHBOURS
) -> list[str]:
    """Briefs of the tasks a batch depends on or that depend on it, outside the batch: most connected first."""
    inside = {key(t.get("id")) for t in batch}
    counts: dict[str, int] = {}
    for task in batch:
        around = [r.task for r in index.dep_refs(task)]
        around += [key(t.get("id")) for t in reverse.get(key(task.get("id")), [])]
        for ident in dict.fromkeys(around):
            if ident not in inside and ident in index.by_id:
                counts[ident] = counts.get(ident, 0) + 1
    ranked = sorted(counts, key=lambda i: (-counts[i], not is_open(index.by_id[i])))
    return [brief(index.by_id[i]) for i in ranked[:limit]]
