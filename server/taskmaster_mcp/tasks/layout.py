"""The dependency graph of one tag laid out for drawing, with its critical path.

Pure and deterministic (same tasks, same picture), computed server-side so the page needs no graph library and
draws plain SVG. Decisions:

- **Nodes are the tag's top-level tasks.** A dependency on a subtask (``"3.2"``) is drawn as an edge from its task
  (``3``); subtasks appear in the task view, not in the graph, which keeps a 1,000-task graph at 1,000 boxes.
- **Layered (Sugiyama-style) layout, left to right.** Each task sits one column right of its deepest dependency
  (longest-path layering), so every edge points right and a column is "what can start once the columns to its left
  are done". Within a column, tasks are ordered by the barycentre of their neighbours, swept four times down and up,
  which removes most crossings at O(edges) a sweep; ties keep id order, so the picture is stable.
- **Cycles** (a hand-edited file can have them) are broken by dropping the edges a depth-first walk in id order finds
  pointing back; they are listed in ``cycleEdges`` so the page can say so, rather than failing to draw.
- **Critical path** = the longest chain of *unfinished* tasks (anything but done, completed, cancelled) linked by
  dependencies: the work that bounds when the tag can finish, whatever is done in parallel. Finished tasks no longer
  constrain anything, so they are not part of it. Ties go to the chain ending at the lowest id.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from taskmaster_mcp.tasks.model import CLOSED_STATUSES, TagIndex, id_sort_key, key
from taskmaster_mcp.tasks.queries import status_of

NODE_WIDTH = 180
NODE_HEIGHT = 44
COLUMN_GAP = 70
ROW_GAP = 16
SWEEPS = 4


def _edges(index: TagIndex) -> tuple[list[str], list[tuple[str, str]]]:
    """Node ids in file order and distinct (dependency, dependent) edges between existing top-level tasks."""
    ids = list(dict.fromkeys(key(t.get("id")) for t in index.tasks))
    known = set(ids)
    edges: dict[tuple[str, str], None] = {}
    for task in index.tasks:
        tid = key(task.get("id"))
        for ref in index.dep_refs(task):
            if ref.task in known and ref.task != tid:
                edges[(ref.task, tid)] = None
    return ids, list(edges)


def _acyclic(ids: list[str], edges: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(kept edges, dropped back edges) after an iterative depth-first walk in id order."""
    out: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        out[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    back: set[tuple[str, str]] = set()
    for root in sorted(ids, key=id_sort_key):
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack[-1]
            if i < len(out[node]):
                stack[-1] = (node, i + 1)
                child = out[node][i]
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                stack.pop()
    return [e for e in edges if e not in back], sorted(back)


def _topological(ids: list[str], edges: list[tuple[str, str]]) -> list[str]:
    indegree = dict.fromkeys(ids, 0)
    out: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        out[a].append(b)
        indegree[b] += 1
    ready = [n for n in ids if indegree[n] == 0]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for child in out[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order


def critical_path(ids: list[str], edges: list[tuple[str, str]], status: dict[str, str]) -> list[str]:
    """The longest chain of unfinished tasks (rules in the module docstring), first task first."""
    preds: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        preds[b].append(a)
    length: dict[str, int] = {}
    via: dict[str, str | None] = {}
    for node in _topological(ids, edges):
        if status[node] in CLOSED_STATUSES:
            continue
        best: str | None = None
        for p in preds[node]:
            if p in length and (best is None or (length[p], _neg(p)) > (length[best], _neg(best))):
                best = p
        length[node] = 1 + (length[best] if best is not None else 0)
        via[node] = best
    if not length:
        return []
    end = max(length, key=lambda n: (length[n], _neg(n)))
    path = [end]
    while (step := via[path[-1]]) is not None:
        path.append(step)
    return path[::-1]


def _neg(node: str) -> tuple[int, int, str]:
    """A sort key under which lower ids compare greater (for tie-breaks inside ``max``)."""
    kind, number, text = id_sort_key(node)
    return (-kind, -number, "".join(chr(0x10FFFF - ord(c)) for c in text))


def _order_layers(layers: list[list[str]], preds: dict[str, list[str]], succs: dict[str, list[str]]) -> None:
    position = {n: i for layer in layers for i, n in enumerate(layer)}
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        sequence = layers[1:] if downward else layers[-2::-1]
        for layer in sequence:
            def centre(node: str, neighbours: dict[str, list[str]] = preds if downward else succs) -> float:
                linked = neighbours[node]
                return sum(position[n] for n in linked) / len(linked) if linked else position[node]
            layer.sort(key=lambda n: (centre(n), position[n]))
            for i, node in enumerate(layer):
                position[node] = i


def layout(index: TagIndex) -> dict[str, Any]:
    """Positioned nodes, edges (with whether each is on the critical path), the critical path and any cycle edges."""
    ids, all_edges = _edges(index)
    edges, dropped = _acyclic(ids, all_edges)
    tasks = {key(t.get("id")): t for t in reversed(index.tasks)}  # the first task of a duplicated id wins
    status = {n: status_of(tasks[n]) for n in ids}
    preds: dict[str, list[str]] = {n: [] for n in ids}
    succs: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    depth: dict[str, int] = {}
    for node in _topological(ids, edges):
        depth[node] = 1 + max((depth[p] for p in preds[node]), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in ids:
        layers[depth[node]].append(node)
    _order_layers(layers, preds, succs)
    path = critical_path(ids, edges, status)
    on_path = set(path)
    path_edges = set(pairwise(path))
    nodes: list[dict[str, Any]] = []
    for column, layer in enumerate(layers):
        for row, node in enumerate(layer):
            task = tasks[node]
            title = task.get("title")
            nodes.append({"id": node, "title": title if isinstance(title, str) else "", "status": status[node],
                          "layer": column, "x": column * (NODE_WIDTH + COLUMN_GAP),
                          "y": row * (NODE_HEIGHT + ROW_GAP), "critical": node in on_path})
    tallest = max((len(layer) for layer in layers), default=0)
    return {
        "tag": index.tag,
        "nodes": nodes,
        "edges": [{"from": a, "to": b, "critical": (a, b) in path_edges} for a, b in edges],
        "criticalPath": path,
        "cycleEdges": [{"from": a, "to": b} for a, b in dropped],
        "nodeWidth": NODE_WIDTH,
        "nodeHeight": NODE_HEIGHT,
        "width": max(len(layers) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP, 0),
        "height": max(tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP, 0),
    }
