"""Which task is which across a merge, pure: a reused id is a new task, and the last check that no task was lost.

Task Master gives a new task the highest id plus one, so a branch that removes its last task and adds another hands
the new task the old id. Matched by id alone, the other branch's edits of the old task (``done``) would land on the
new one. The identity rule, against the common ancestor (the base):

- a task keeps its identity when it has the base's id and either the same creation stamp (``createdAt``, at the top
  or in ``metadata``) or, with no stamp on both, the same title or the same description;
- a task under a base id whose creation stamp differs, or (no stamps) whose title and description both differ, is a
  new task that reuses the id.

A reused id only matters when the other branch changed the old task: then the new task moves to a fresh id (with the
references its branch holds to it) and the old task's removal meets the other branch's change as any removal meets
a change (kept and reported). When the other branch left the old task alone, the new task simply replaces it, as a
plain merge would. When both branches reused the id, the old task is gone on both and the two new tasks are two
additions under one id (the second is renumbered).
"""

from __future__ import annotations

from typing import Any, cast

from taskmaster_mcp.tasks.merge_refs import is_block, key, num, retype

_STAMPS = ("createdAt", "created")


def _stamp(task: dict[str, Any]) -> Any:
    for name in _STAMPS:
        if name in task:
            return task[name]
    meta = task.get("metadata")
    if isinstance(meta, dict):
        for name in _STAMPS:
            if name in meta:
                return cast(dict[str, Any], meta)[name]
    return None


def is_reused(base: dict[str, Any], task: dict[str, Any]) -> bool:
    """True when ``task`` (with ``base``'s id) is a new task that reuses the id (the rule in the module's doc)."""
    old, new = _stamp(base), _stamp(task)
    if old is not None and new is not None:
        return old != new
    return base.get("title") != task.get("title") and base.get("description") != task.get("description")


def tasks_of(block: Any) -> dict[str, dict[str, Any]]:
    """A tag block's tasks by id key ({} for anything that is not a block)."""
    if not is_block(block):
        return {}
    return {key(t["id"]): t for t in cast(list[dict[str, Any]], block["tasks"])}


def _move(block: dict[str, Any], old: str, new_id: int) -> dict[str, Any]:
    """``block`` with task ``old`` renamed to ``new_id`` and every reference to it in the block following."""

    def ref(dep: Any) -> Any:
        text = key(dep)
        if text == old:
            return retype(dep, str(new_id))
        head, dot, tail = text.partition(".")
        return f"{new_id}.{tail}" if dot and head == old else dep

    def deps(item: dict[str, Any], own_subtask: bool = False) -> dict[str, Any]:
        found = item.get("dependencies")
        if not isinstance(found, list):
            return item
        moved = [d if own_subtask and isinstance(d, int) else ref(d) for d in cast(list[Any], found)]
        return {**item, "dependencies": moved}

    out: list[Any] = []
    for task in cast(list[dict[str, Any]], block["tasks"]):
        item = deps(task)
        if key(task["id"]) == old:
            item["id"] = retype(task["id"], str(new_id))
        subs = item.get("subtasks")
        if isinstance(subs, list):
            item["subtasks"] = [
                deps(cast(dict[str, Any], s), True) if isinstance(s, dict) else s for s in cast(list[Any], subs)
            ]
        out.append(item)
    return {**block, "tasks": out}


def separate_reused(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[tuple[str, str, str]]]:
    """The three tagged documents with reused ids told apart (the module's rule); returns them and the moves made
    (``tag, old id, new id``). Inputs are not modified."""
    moves: list[tuple[str, str, str]] = []
    base, ours, theirs = dict(base), dict(ours), dict(theirs)
    for tag, block in list(base.items()):
        was, mine, other = tasks_of(block), tasks_of(ours.get(tag)), tasks_of(theirs.get(tag))
        if not was:
            continue
        top = max([num(t["id"]) for t in [*was.values(), *mine.values(), *other.values()]] + [0])
        for k, old in was.items():
            o_new = k in mine and is_reused(old, mine[k])
            t_new = k in other and is_reused(old, other[k])
            if not (o_new or t_new):
                continue
            side, rest = (ours, other) if o_new else (theirs, mine)
            if (o_new and t_new) or k not in rest:  # the old task is gone on both sides: the new ones are additions
                base[tag] = {**base[tag], "tasks": [t for t in base[tag]["tasks"] if key(t["id"]) != k]}
            elif rest[k] != old:  # the other side changed the old task: the new one needs an id of its own
                top += 1
                side[tag] = _move(side[tag], k, top)
                moves.append((tag, k, str(top)))
            # else the other side left the old task alone: the new one replaces it, as a plain merge does
    return base, ours, theirs, moves


def lost_tasks(
    base: dict[str, Any],
    ours: dict[str, Any],
    theirs: dict[str, Any],
    merged: dict[str, Any],
    kept: set[tuple[str, str]],
) -> list[str]:
    """Tasks a side added or changed that are nowhere in the merged tag (``tag:id 'title'``): an added (or reused-id)
    task must be there by title, an edited base task by its id or title; ``kept`` are the ``(tag, id)`` whose title
    conflicted (ours was kept, theirs is in the report). Must be empty."""
    lost: list[str] = []
    for tag in [*ours, *(t for t in theirs if t not in ours)]:
        out = tasks_of(merged.get(tag))
        titles = {t.get("title") for t in out.values()}
        was = tasks_of(base.get(tag))
        for side in (ours, theirs):
            for k, task in tasks_of(side.get(tag)).items():
                if was.get(k) == task or task.get("title") in titles or (tag, k) in kept:
                    continue
                if k in was and k in out and not is_reused(was[k], task):
                    continue  # an edit of a base task that survives under its id (fields merged into it)
                lost.append(f"{tag}:{k} {task.get('title')!r}")
    return lost
