"""Dependency rules: what may depend on what, how to find cycles and dangling references, and how to repair them.

Nodes are task ids (``"7"``) and subtask ids (``"7.2"``). All traversals are iterative, so a 60,000-node project
cannot hit Python's recursion limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.tasks.model import Ref, TagIndex, Task, deps_of, key, resolve_sub_dep, subtasks_of


@dataclass(frozen=True)
class DependencyIssue:
    """One problem found by :func:`validate`."""

    item: str
    dependency: str
    problem: str  # "missing" | "self" | "duplicate" | "cycle"


def _items(index: TagIndex) -> Iterator[tuple[str, Task, Task | None]]:
    for task in index.tasks:
        tid = key(task.get("id"))
        yield tid, task, None
        for sub in subtasks_of(task):
            yield f"{tid}.{key(sub.get('id'))}", task, sub


def graph(index: TagIndex) -> dict[str, list[str]]:
    """Adjacency (item -> the items it depends on) over existing items only."""
    edges: dict[str, list[str]] = {}
    for node, task, sub in _items(index):
        edges[node] = [str(ref) for ref in index.dep_refs(task, sub) if index.exists(ref)]
    return edges


def reaches(edges: dict[str, list[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` following dependency edges."""
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """One cycle as a node list ``[a, b, ..., a]``, or None when the graph is acyclic (iterative DFS)."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(edges, white)
    for root in edges:
        if color[root] != white:
            continue
        color[root] = grey
        path = [root]
        stack: list[Iterator[str]] = [iter(edges[root])]
        while stack:
            advanced = False
            for child in stack[-1]:
                state = color.get(child, black)
                if state == grey:
                    return [*path[path.index(child) :], child]
                if state == white:
                    color[child] = grey
                    path.append(child)
                    stack.append(iter(edges[child]))
                    advanced = True
                    break
            if not advanced:
                color[path.pop()] = black
                stack.pop()
    return None


def cycle_edges(edges: dict[str, list[str]], order: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """Edges whose removal leaves the graph acyclic, chosen cycle by cycle.

    In each cycle the edge removed is the one pointing furthest *forward* in file order (a task depending on a
    later task), since Task Master dependencies normally point back at earlier work.
    """
    position = order or {node: i for i, node in enumerate(edges)}
    work = {node: list(targets) for node, targets in edges.items()}
    removed: list[tuple[str, str]] = []
    while (cycle := find_cycle(work)) is not None:
        pairs = list(itertools.pairwise(cycle))
        source, target = max(pairs, key=lambda e: position.get(e[1], 0) - position.get(e[0], 0))
        work[source].remove(target)
        removed.append((source, target))
    return removed


def validate(index: TagIndex) -> list[DependencyIssue]:
    """Every missing, self, duplicate and cyclic dependency of the tag."""
    issues: list[DependencyIssue] = []
    for node, task, sub in _items(index):
        seen: set[str] = set()
        for ref in index.dep_refs(task, sub):
            dep = str(ref)
            if dep == node:
                issues.append(DependencyIssue(node, dep, "self"))
            elif dep in seen:
                issues.append(DependencyIssue(node, dep, "duplicate"))
            elif not index.exists(ref):
                issues.append(DependencyIssue(node, dep, "missing"))
            seen.add(dep)
    edges = graph(index)
    for node, dep in cycle_edges(edges):
        if node != dep:
            issues.append(DependencyIssue(node, dep, "cycle"))
    return issues


def _owner(index: TagIndex, node: str) -> tuple[Task, Task | None]:
    ref = Ref(*node.split(".", 1)) if "." in node else Ref(node)
    return index.get(ref)


def fix(index: TagIndex) -> list[DependencyIssue]:
    """Remove every invalid dependency in place (first missing/self/duplicate, then cycle back edges)."""
    removed: list[DependencyIssue] = []
    for node, task, sub in list(_items(index)):
        item = sub if sub is not None else task
        deps = deps_of(item)
        if not deps:
            continue
        seen: set[str] = set()
        keep: list[Any] = []
        for dep in deps:
            ref = _resolve(index, task, sub, dep)
            text = str(ref)
            problem = "self" if text == node else "duplicate" if text in seen else None
            if problem is None and not index.exists(ref):
                problem = "missing"
            if problem:
                removed.append(DependencyIssue(node, text, problem))
            else:
                keep.append(dep)
            seen.add(text)
        if len(keep) != len(deps):
            item["dependencies"] = keep
    for node, dep in cycle_edges(graph(index)):
        task, sub = _owner(index, node)
        item = sub if sub is not None else task
        item["dependencies"] = [d for d in deps_of(item) if str(_resolve(index, task, sub, d)) != dep]
        removed.append(DependencyIssue(node, dep, "cycle"))
    return removed


def _resolve(index: TagIndex, task: Task, sub: Task | None, dep: Any) -> Ref:
    if sub is None:
        text = key(dep)
        return Ref(*text.split(".", 1)) if "." in text else Ref(text)
    return resolve_sub_dep(key(task.get("id")), dep, task)


def check_new_dependency(index: TagIndex, item: Ref, depends_on: Ref) -> None:
    """Refuse a dependency that is self-referential, dangling or would close a cycle (an existing one is no error:
    :func:`add` reports it as nothing to do)."""
    index.get(item)
    if item == depends_on:
        raise InvalidInput(f"{item} cannot depend on itself.")
    if not index.exists(depends_on):
        raise NotFound(
            f"Dependency target {depends_on} does not exist in tag '{index.tag}'. Call get_tasks to list ids."
        )
    if reaches(graph(index), str(depends_on), str(item)):
        raise InvalidInput(
            f"Adding {item} -> {depends_on} would create a cycle ({depends_on} already depends on {item}, "
            "directly or through other tasks). Remove one of those dependencies first."
        )


def encode_dependency(item: Ref, depends_on: Ref, sample: list[Any]) -> Any:
    """The JSON value to store for a new dependency, following the conventions the list already uses."""
    if item.sub is not None and depends_on.sub is not None and depends_on.task == item.task:
        return int(depends_on.sub) if depends_on.sub.isdigit() else str(depends_on)
    if depends_on.sub is not None:
        return str(depends_on)
    if item.sub is not None:  # an int in a subtask's list would mean a sibling
        return depends_on.task
    uses_strings = any(isinstance(d, str) for d in sample) and not any(isinstance(d, int) for d in sample)
    if depends_on.task.isdigit() and not uses_strings:
        return int(depends_on.task)
    return depends_on.task


def target_of(index: TagIndex, item: Ref, depends_on: str) -> Ref:
    """Read ``depends_on`` for ``item`` as its stored value is shown and read (``tasks.model``): for a subtask, a
    dot-less number names its sibling when that sibling exists (as ``2`` is stored), else the top-level task. So
    ``2`` as shown in 4.3's dependencies names the same thing in remove_dependency as it does in tasks.json."""
    text = key(depends_on).strip()
    if item.sub is not None and text.isdigit():
        task, _ = index.get(Ref(item.task))
        return resolve_sub_dep(item.task, int(text), task)
    return Ref(*text.split(".", 1)) if "." in text else Ref(text)


def add(index: TagIndex, item: Ref, depends_on: Ref) -> bool:
    """Make ``item`` depend on ``depends_on`` (checked by :func:`check_new_dependency`), in the list's conventions.

    False when it already does: adding an existing dependency succeeds with nothing to do, as in Task Master."""
    task, sub = index.get(item)
    if any(ref == depends_on for ref in index.dep_refs(task, sub)):
        return False
    check_new_dependency(index, item, depends_on)
    holder = sub if sub is not None else task
    current = deps_of(holder)
    holder["dependencies"] = [*current, encode_dependency(item, depends_on, current)]
    return True


def remove(index: TagIndex, item: Ref, depends_on: Ref) -> bool:
    """Drop ``item``'s dependency on ``depends_on`` (however it is written).

    False when there is none: removing a dependency that does not exist succeeds with nothing to do."""
    task, sub = index.get(item)
    holder = sub if sub is not None else task
    current = deps_of(holder)
    resolved = list(index.dep_refs(task, sub))
    keep = [value for value, ref in zip(current, resolved, strict=True) if ref != depends_on]
    if len(keep) == len(current):
        return False
    holder["dependencies"] = keep
    return True
