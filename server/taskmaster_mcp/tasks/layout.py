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
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, TagIndex, deps_of, id_sort_key, key, parse_ref
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


def _dep_task(dep: Any) -> str:
    """The task id a dependency entry points at (``3`` for ``"3.2"``), as ``TagIndex.dep_refs`` resolves it."""
    if type(dep) is int:  # the common case, without the general parse
        return str(dep)
    text = key(dep)
    return parse_ref(text).task if "." in text else text


# The work below runs on node numbers (a task's place in ``ids``; waypoints are numbered after the tasks) held in
# flat lists rather than on id strings in dicts of tuples: a 10,000-task graph then allocates a fraction of the
# objects, which is most of its time in a server whose heap the garbage collector has to walk.


def _edges(index: TagIndex) -> tuple[list[str], list[int], list[int]]:
    """Node ids in file order and the distinct (dependency, dependent) edges between existing top-level tasks, as
    two parallel lists of node numbers, in the order the file first names them."""
    keyed = [(key(t.get("id")), deps_of(t)) for t in index.tasks]
    ids = list(dict.fromkeys(tid for tid, _ in keyed))
    number = {n: i for i, n in enumerate(ids)}
    size = len(ids)
    seen: set[int] = set()
    tails: list[int] = []
    heads: list[int] = []
    for tid, deps in keyed:
        b = number[tid]
        for dep in deps:
            a = number.get(_dep_task(dep))
            if a is not None and a != b and a * size + b not in seen:
                seen.add(a * size + b)
                tails.append(a)
                heads.append(b)
    return ids, tails, heads


def _acyclic(size: int, by_id: list[int], tails: list[int], heads: list[int]) -> set[int]:
    """The edges (numbered by their place in ``tails``/``heads``) an iterative depth-first walk in id order finds
    pointing back; dropping them leaves the graph acyclic."""
    out: list[list[int]] = [[] for _ in range(size)]
    for e, a in enumerate(tails):
        out[a].append(e)
    state = [0] * size  # 1 on the stack, 2 finished
    back: set[int] = set()
    for root in by_id:
        if state[root]:
            continue
        state[root] = 1
        nodes, nexts = [root], [0]
        while nodes:
            node, i = nodes[-1], nexts[-1]
            if i < len(out[node]):
                nexts[-1] = i + 1
                e = out[node][i]
                child = heads[e]
                if state[child] == 1:
                    back.add(e)
                elif not state[child]:
                    state[child] = 1
                    nodes.append(child)
                    nexts.append(0)
            else:
                state[node] = 2
                nodes.pop()
                nexts.pop()
    return back


def _topological(size: int, succs: list[list[int]], indegree: list[int]) -> list[int]:
    """Kahn's order, taking the most recently readied node first (deterministic for the same input)."""
    indegree = indegree.copy()
    ready = [n for n in range(size) if indegree[n] == 0]
    order: list[int] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for child in succs[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order


def _critical_path(order: list[int], preds: list[list[int]], open_: list[bool], rank: list[int]) -> list[int]:
    """The longest chain of unfinished tasks (rules in the module docstring), first task first. ``rank`` is
    greater for lower ids (the tie-break)."""
    length = [0] * len(preds)  # 0: finished (not on any chain)
    via = [-1] * len(preds)
    for node in order:
        if not open_[node]:
            continue
        best = -1
        for p in preds[node]:
            if length[p] and (
                best < 0 or length[p] > length[best] or (length[p] == length[best] and rank[p] > rank[best])
            ):
                best = p
        length[node] = 1 + (length[best] if best >= 0 else 0)
        via[node] = best
    end = -1
    for node in range(len(preds)):
        if length[node] and (
            end < 0 or length[node] > length[end] or (length[node] == length[end] and rank[node] > rank[end])
        ):
            end = node
    if end < 0:
        return []
    path = [end]
    while (step := via[path[-1]]) >= 0:
        path.append(step)
    return path[::-1]


def _order_layers(layers: list[list[int]], preds: list[list[int]], succs: list[list[int]]) -> None:
    position = [0] * len(preds)
    for layer in layers:
        for i, n in enumerate(layer):
            position[n] = i
    at = position.__getitem__
    sweeps = SWEEPS if len(preds) <= LARGE_GRAPH else 2
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        sequence = layers[1:] if downward else layers[-2::-1]
        neighbours = preds if downward else succs
        for layer in sequence:
            centres = [
                sum(map(at, linked)) / len(linked) if (linked := neighbours[node]) else i
                for i, node in enumerate(layer)
            ]
            # A stable sort by centre is the sort by (centre, old position): the old position is the index.
            layer[:] = [layer[i] for i in sorted(range(len(layer)), key=centres.__getitem__)]
            for i, node in enumerate(layer):
                position[node] = i


def _with_waypoints(
    layers: list[list[int]], tails: list[int], heads: list[int], kept: list[int], depth: list[int]
) -> tuple[list[list[int]], list[list[int]], dict[int, range]]:
    """Split every kept edge that spans several columns into a chain through one waypoint per column it crosses.

    The waypoints are ordered with the tasks, so a long edge runs in a lane between boxes instead of through them.
    Returns (predecessors, successors) over tasks and waypoints (numbered after the tasks), and each laned edge's
    waypoint numbers.
    """
    size = len(depth)
    preds: list[list[int]] = [[] for _ in range(size)]
    succs: list[list[int]] = [[] for _ in range(size)]
    chains: dict[int, range] = {}
    budget = MAX_WAYPOINTS
    for e in sorted(kept, key=lambda e: depth[heads[e]] - depth[tails[e]]):  # stable: shortest spans first
        a, b = tails[e], heads[e]
        span = depth[b] - depth[a] - 1
        if span > budget:  # drawn straight: lanes for every long edge grow with tasks x columns
            continue
        budget -= span
        first = len(preds)
        chains[e] = range(first, first + span)
        previous = a
        for k in range(span):
            point = first + k
            layers[depth[a] + k + 1].append(point)
            preds.append([previous])
            succs.append([])
            succs[previous].append(point)
            previous = point
        succs[previous].append(b)
        preds[b].append(previous)
    return preds, succs, chains


def layout(index: TagIndex) -> dict[str, Any]:
    """Positioned nodes, edges (with their waypoints and whether each is on the critical path), the critical path
    and any cycle edges."""
    if len(index.tasks) > MAX_GRAPH_TASKS:
        raise InvalidInput(
            f"Tag '{index.tag}' has {len(index.tasks):,} tasks; the graph draws at most {MAX_GRAPH_TASKS:,}. Split "
            "the work into tags (add_tag, move_task) or use the board, which pages through any number."
        )
    ids, tails, heads = _edges(index)
    size = len(ids)
    by_id = sorted(range(size), key=lambda n: id_sort_key(ids[n]))
    rank = [0] * size
    for i, n in enumerate(by_id):
        rank[n] = -i
    back = _acyclic(size, by_id, tails, heads)
    kept = [e for e in range(len(tails)) if e not in back]
    dropped = sorted((ids[tails[e]], ids[heads[e]]) for e in back)
    tasks = {key(t.get("id")): t for t in reversed(index.tasks)}  # the first task of a duplicated id wins
    status = [status_of(tasks[n]) for n in ids]
    task_preds: list[list[int]] = [[] for _ in range(size)]
    task_succs: list[list[int]] = [[] for _ in range(size)]
    indegree = [0] * size
    for e in kept:
        a, b = tails[e], heads[e]
        task_preds[b].append(a)
        task_succs[a].append(b)
        indegree[b] += 1
    order = _topological(size, task_succs, indegree)
    depth = [0] * size
    for node in order:
        linked = task_preds[node]
        depth[node] = 1 + max(map(depth.__getitem__, linked)) if linked else 0
    layers: list[list[int]] = [[] for _ in range(max(depth, default=-1) + 1)]
    for node in range(size):
        layers[depth[node]].append(node)
    preds, succs, chains = _with_waypoints(layers, tails, heads, kept, depth)
    _order_layers(layers, preds, succs)
    path = _critical_path(order, task_preds, [s not in CLOSED_STATUSES for s in status], rank)
    on_path = set(path)
    path_edges = {a * size + b for a, b in pairwise(path)}
    nodes: list[dict[str, Any]] = []
    lane: list[list[float]] = [[] for _ in range(len(preds) - size)]  # each waypoint's [x, y]
    height = 0
    for column, layer in enumerate(layers):
        x = column * (NODE_WIDTH + COLUMN_GAP)
        y = 0
        for node in layer:
            if node < size:
                title = tasks[ids[node]].get("title")
                nodes.append(
                    {
                        "id": ids[node],
                        "title": title if isinstance(title, str) else "",
                        "status": status[node],
                        "layer": column,
                        "x": x,
                        "y": y,
                        "critical": node in on_path,
                    }
                )
                y += NODE_HEIGHT + ROW_GAP
            else:
                lane[node - size] = [x, y + LANE / 2]
                y += LANE
        height = max(height, y - ROW_GAP)
    no_lane = range(0)
    return {
        "tag": index.tag,
        "nodes": nodes,
        "edges": [
            {
                "from": ids[tails[e]],
                "to": ids[heads[e]],
                "critical": tails[e] * size + heads[e] in path_edges,
                "via": [lane[p - size] for p in chains.get(e, no_lane)],
            }
            for e in kept
        ],
        "criticalPath": [ids[n] for n in path],
        "cycleEdges": [{"from": a, "to": b} for a, b in dropped],
        "nodeWidth": NODE_WIDTH,
        "nodeHeight": NODE_HEIGHT,
        "width": max(len(layers) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP, 0),
        "height": max(height, 0),
    }
