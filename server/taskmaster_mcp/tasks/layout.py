"""The dependency graph of one tag laid out for drawing, with its critical path.

Pure and deterministic (same tasks, same picture), computed server-side so the page needs no graph library and
draws plain SVG. Decisions:

- **Nodes are the tag's top-level tasks.** A dependency on a subtask (``"3.2"``) is drawn as an edge from its task
  (``3``); subtasks appear in the task view, not in the graph, which keeps a 1,000-task graph at 1,000 boxes.
- **Layered (Sugiyama-style) layout, left to right.** Each task sits one column right of its deepest dependency
  (longest-path layering), so every edge points right and a column is "what can start once the columns to its left
  are done". Within a column, tasks are ordered by the barycentre of their neighbours, swept four times down and up,
  which removes most crossings at O(edges) a sweep; ties keep id order, so the picture is stable. An edge that
  spans several columns gets a waypoint in each column it crosses, ordered with the tasks, so it runs in a thin
  lane between boxes instead of through them (``via``: the left end of each lane, which is as wide as a box).
- **Bounded work.** At most :data:`MAX_WAYPOINTS` waypoints (shortest spans get them first; longer edges are drawn
  straight) and :data:`MAX_GRAPH_TASKS` tasks (more is refused by :func:`layout` with :class:`InvalidInput`), so
  the layout costs O((tasks + edges) log) whatever the shape: 10,000 tasks in well under a second.
- **Cycles** (a hand-edited file can have them) are broken by dropping the edges a depth-first walk in id order finds
  pointing back; they are listed in ``cycleEdges`` so the page can say so, rather than failing to draw.
- **Critical path** = the longest chain of *unfinished* tasks (anything but done, completed, cancelled) linked by
  dependencies: the work that bounds when the tag can finish, whatever is done in parallel. Finished tasks no longer
  constrain anything, so they are not part of it. Ties go to the chain ending at the lowest id.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, TagIndex, id_sort_key, key
from taskmaster_mcp.tasks.queries import status_of

NODE_WIDTH = 180
NODE_HEIGHT = 44
COLUMN_GAP = 70
ROW_GAP = 16
LANE = 10  # the height a long edge's lane takes in a column it crosses
SWEEPS = 4
# Waypoints (lane points of edges spanning several columns) in one graph. Each costs a sort slot in every sweep and
# a point in the answer, and their number grows with edges x columns (a 2,000-task chain whose every task also
# depends on task 1 needs two million: 150 s). Past this many, the longest edges are drawn straight, without lanes.
MAX_WAYPOINTS = 10_000
LARGE_GRAPH = 5_000  # boxes and waypoints past which two ordering sweeps are made instead of SWEEPS
# Tasks in one graph. Beyond this the answer is refused with a message (a picture of more boxes is unreadable, and
# its JSON alone is tens of megabytes); the board and get_tasks page through any number.
MAX_GRAPH_TASKS = 20_000


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
    rank = {n: -i for i, n in enumerate(sorted(ids, key=id_sort_key))}  # greater for lower ids (tie-breaks)
    length: dict[str, int] = {}
    via: dict[str, str | None] = {}
    for node in _topological(ids, edges):
        if status[node] in CLOSED_STATUSES:
            continue
        best: str | None = None
        for p in preds[node]:
            if p in length and (best is None or (length[p], rank[p]) > (length[best], rank[best])):
                best = p
        length[node] = 1 + (length[best] if best is not None else 0)
        via[node] = best
    if not length:
        return []
    end = max(length, key=lambda n: (length[n], rank[n]))
    path = [end]
    while (step := via[path[-1]]) is not None:
        path.append(step)
    return path[::-1]


def _order_layers(layers: list[list[str]], preds: dict[str, list[str]], succs: dict[str, list[str]]) -> None:
    position = {n: i for layer in layers for i, n in enumerate(layer)}
    at = position.__getitem__
    sweeps = SWEEPS if len(position) <= LARGE_GRAPH else 2
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        sequence = layers[1:] if downward else layers[-2::-1]
        neighbours = preds if downward else succs
        for layer in sequence:
            keyed: list[tuple[float, int, str]] = []
            for node in layer:
                linked = neighbours[node]
                here = position[node]
                keyed.append((sum(map(at, linked)) / len(linked) if linked else here, here, node))
            keyed.sort()  # (centre, old position): positions are distinct within a layer
            for i, (_, _, node) in enumerate(keyed):
                layer[i] = node
                position[node] = i


def _with_waypoints(
    layers: list[list[str]], edges: list[tuple[str, str]], depth: dict[str, int]
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """Split every edge that spans several columns into a chain through one waypoint per column it crosses.

    The waypoints are ordered with the tasks, so a long edge runs in a lane between boxes instead of through them.
    Returns (predecessors, successors) over tasks and waypoints, and each edge's waypoints.
    """
    preds: dict[str, list[str]] = {n: [] for layer in layers for n in layer}
    succs: dict[str, list[str]] = {n: [] for layer in layers for n in layer}
    chains: dict[tuple[str, str], list[str]] = {}
    budget = MAX_WAYPOINTS
    for a, b in sorted(edges, key=lambda e: depth[e[1]] - depth[e[0]]):  # stable: shortest spans first
        span = depth[b] - depth[a] - 1
        if span > budget:  # drawn straight: lanes for every long edge grow with tasks x columns
            chains[(a, b)] = []
            continue
        budget -= span
        chain = [f"\0{a}\0{b}\0{k}" for k in range(1, depth[b] - depth[a])]
        for k, point in enumerate(chain, start=1):
            layers[depth[a] + k].append(point)
            preds[point], succs[point] = [], []
        for x, y in pairwise([a, *chain, b]):
            succs[x].append(y)
            preds[y].append(x)
        chains[(a, b)] = chain
    return preds, succs, chains


def layout(index: TagIndex) -> dict[str, Any]:
    """Positioned nodes, edges (with their waypoints and whether each is on the critical path), the critical path
    and any cycle edges."""
    if len(index.tasks) > MAX_GRAPH_TASKS:
        raise InvalidInput(
            f"Tag '{index.tag}' has {len(index.tasks):,} tasks; the graph draws at most {MAX_GRAPH_TASKS:,}. Split "
            "the work into tags (add_tag, move_task) or use the board, which pages through any number."
        )
    ids, all_edges = _edges(index)
    edges, dropped = _acyclic(ids, all_edges)
    tasks = {key(t.get("id")): t for t in reversed(index.tasks)}  # the first task of a duplicated id wins
    status = {n: status_of(tasks[n]) for n in ids}
    task_preds: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in edges:
        task_preds[b].append(a)
    depth: dict[str, int] = {}
    for node in _topological(ids, edges):
        depth[node] = 1 + max((depth[p] for p in task_preds[node]), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in ids:
        layers[depth[node]].append(node)
    preds, succs, chains = _with_waypoints(layers, edges, depth)
    _order_layers(layers, preds, succs)
    path = critical_path(ids, edges, status)
    on_path = set(path)
    path_edges = set(pairwise(path))
    nodes: list[dict[str, Any]] = []
    lane_y: dict[str, float] = {}
    height = 0
    for column, layer in enumerate(layers):
        y = 0
        for node in layer:
            if node in status:
                title = tasks[node].get("title")
                nodes.append(
                    {
                        "id": node,
                        "title": title if isinstance(title, str) else "",
                        "status": status[node],
                        "layer": column,
                        "x": column * (NODE_WIDTH + COLUMN_GAP),
                        "y": y,
                        "critical": node in on_path,
                    }
                )
                y += NODE_HEIGHT + ROW_GAP
            else:
                lane_y[node] = y + LANE / 2
                y += LANE
        height = max(height, y - ROW_GAP)
    column_of = {n: c for c, layer in enumerate(layers) for n in layer}
    return {
        "tag": index.tag,
        "nodes": nodes,
        "edges": [
            {
                "from": a,
                "to": b,
                "critical": (a, b) in path_edges,
                "via": [[column_of[p] * (NODE_WIDTH + COLUMN_GAP), lane_y[p]] for p in chains[(a, b)]],
            }
            for a, b in edges
        ],
        "criticalPath": path,
        "cycleEdges": [{"from": a, "to": b} for a, b in dropped],
        "nodeWidth": NODE_WIDTH,
        "nodeHeight": NODE_HEIGHT,
        "width": max(len(layers) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP, 0),
        "height": max(height, 0),
    }
