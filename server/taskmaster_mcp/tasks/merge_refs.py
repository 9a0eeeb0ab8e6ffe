"""References across a tasks.json merge (part of :mod:`taskmaster_mcp.tasks.merge`), pure: no I/O.

Ids as keys (``3`` and ``"3"`` are one task), rewriting the references one side added when its task or subtask is
renumbered, dropping references to tasks the merge removed, and giving repeated ids fresh ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return cast(list[Any], value) if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def key(item_id: Any) -> str:
    """An id as the key it is matched by (``3`` and ``"3"`` are one task)."""
    return str(item_id).strip()


def is_block(value: Any) -> bool:
    """Whether a top-level value is a tag block (an object with a ``tasks`` list)."""
    return isinstance(value, dict) and isinstance(cast(dict[str, Any], value).get("tasks"), list)


def num(item_id: Any) -> int:
    """An id as a number, for "after the highest id" (0 for an id that is not one)."""
    try:
        return int(str(item_id).strip())
    except ValueError:
        return 0


def retype(old: Any, new: str) -> Any:
    """``new`` in the JSON type of ``old`` (an integer id stays an integer)."""
    return int(new) if isinstance(old, int) and not isinstance(old, bool) else new


def without_refs(task: dict[str, Any], gone: set[str]) -> dict[str, Any]:
    """``task`` without dependencies on the tasks in ``gone`` (removed on one side while the other referred to them,
    as remove_task itself would have dropped them)."""

    def dangling(dep: Any, sub: bool) -> bool:
        text = key(dep)
        if sub and isinstance(dep, int):
            return False  # a sibling subtask
        return text.partition(".")[0] in gone

    out = task
    deps = task.get("dependencies")
    if isinstance(deps, list) and any(dangling(d, False) for d in cast(list[Any], deps)):
        out = {**task, "dependencies": [d for d in cast(list[Any], deps) if not dangling(d, False)]}
    subs = task.get("subtasks")
    if isinstance(subs, list):
        new_subs: list[Any] = []
        for sub in cast(list[dict[str, Any]], subs):
            sdeps = sub.get("dependencies")
            if isinstance(sdeps, list) and any(dangling(d, True) for d in cast(list[Any], sdeps)):
                sub = {**sub, "dependencies": [d for d in cast(list[Any], sdeps) if not dangling(d, True)]}
            new_subs.append(sub)
        if any(a is not b for a, b in zip(new_subs, cast(list[Any], subs), strict=True)):
            out = {**out, "subtasks": new_subs}
    return out


def deps_rewritten(deps: Any, base_deps: Any, rename: Callable[[Any], Any]) -> Any:
    """``deps`` with ``rename`` applied to the entries that are not in ``base_deps`` (the ones this side added)."""
    if not isinstance(deps, list):
        return deps
    had = {key(d) for d in cast(list[Any], base_deps)} if isinstance(base_deps, list) else set[str]()
    return [d if key(d) in had else rename(d) for d in cast(list[Any], deps)]


def rewrite(
    task: dict[str, Any],
    base: dict[str, Any] | None,
    tasks: dict[str, str],
    subs: dict[str, dict[str, str]],
    new_ids: dict[str, Any],
) -> dict[str, Any]:
    """One task of the renumbering side: its new id (``tasks``: old -> new task ids), its renumbered subtasks
    (``subs``: parent -> old -> new), and the references this side added (absent from ``base``) rewritten to
    follow; references ``base`` already had mean the tasks the other side also knows, and stay."""
    k = key(task["id"])
    fresh = base is None
    out = dict(task)
    if k in tasks:
        out["id"] = new_ids[k]

    def task_ref(dep: Any) -> Any:
        text = key(dep)
        if "." in text:
            head, _, tail = text.partition(".")
            head2 = tasks.get(head, head)
            tail2 = subs.get(head, {}).get(tail, tail) if head not in tasks else tail
            return dep if (head2, tail2) == (head, tail) else f"{head2}.{tail2}"
        return retype(dep, tasks[text]) if text in tasks else dep

    out["dependencies"] = deps_rewritten(
        task.get("dependencies"), None if fresh else base.get("dependencies"), task_ref
    )
    if "dependencies" not in task:
        del out["dependencies"]
    subtasks = task.get("subtasks")
    if isinstance(subtasks, list):
        local = {} if k in tasks else subs.get(k, {})
        base_subs = {key(s["id"]): as_dict(s) for s in as_list(as_dict(base).get("subtasks"))}
        new_subs: list[Any] = []
        for sub in cast(list[dict[str, Any]], subtasks):
            sk = key(sub["id"])
            sub_out = dict(sub)
            if sk in local and sk not in base_subs:
                sub_out["id"] = retype(sub["id"], local[sk])

            def sub_ref(dep: Any, local: dict[str, str] = local) -> Any:
                if isinstance(dep, int) and not isinstance(dep, bool):
                    return retype(dep, local[str(dep)]) if str(dep) in local else dep
                return task_ref(dep)

            base_sub = base_subs.get(sk) if sk not in local else None
            if "dependencies" in sub:
                sub_out["dependencies"] = deps_rewritten(
                    sub["dependencies"], None if base_sub is None else base_sub.get("dependencies"), sub_ref
                )
            new_subs.append(sub_out)
        out["subtasks"] = new_subs
    return out


def unique_ids(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Give every task that repeats an id already used in its tag a fresh id after the highest (in place).

    A textual merge (git's, before ``fix-conflicts``) can keep two tasks added under one id on both branches; which
    one a dependency meant is unknown, so references are left as they are. Returns ``(tag, old, new)`` per move.
    """
    moved: list[tuple[str, str, str]] = []
    for tag, block in data.items():
        if not is_block(block):
            continue
        tasks = cast(list[dict[str, Any]], block["tasks"])
        top = max([num(t["id"]) for t in tasks] + [0])
        seen: set[str] = set()
        for n, item in enumerate(tasks):
            k = key(item["id"])
            if k in seen:
                top += 1
                tasks[n] = {**item, "id": retype(item["id"], str(top))}
                moved.append((tag, k, str(top)))
                k = str(top)
            seen.add(k)
    return moved
