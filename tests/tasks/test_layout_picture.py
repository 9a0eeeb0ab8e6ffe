"""The graph layout's picture, pinned box for box and lane for lane (tasks/layout.py).

The layout was rewritten onto node numbers in flat lists for speed (issue 18 §4: 10,000 tasks well under a second);
this pins the picture the previous implementation drew for a graph with every case at once: a finished root, a
cycle, a dependency on a subtask, a dependency on a missing task, a cancelled task and edges spanning columns.
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.tasks.layout import layout
from taskmaster_mcp.tasks.model import TagIndex

TASKS: list[dict[str, Any]] = [
    {"id": 1, "title": "a", "status": "done", "dependencies": []},
    {"id": 2, "title": "b", "status": "pending", "dependencies": [1]},
    {"id": 3, "title": "c", "status": "pending", "dependencies": ["2", 6]},
    {"id": 4, "title": "d", "status": "pending", "dependencies": ["1.2", 3]},
    {"id": 5, "title": "e", "status": "pending", "dependencies": [1, 4, 7]},
    {"id": 6, "title": "f", "status": "pending", "dependencies": [3]},
    {"id": 7, "title": "g", "status": "cancelled", "dependencies": [99]},
]


def test_the_picture_of_a_graph_with_every_case_is_the_one_drawn_before() -> None:
    graph = layout(TagIndex("m", TASKS))
    assert [(n["id"], n["layer"], n["y"], n["critical"]) for n in graph["nodes"]] == [
        ("1", 0, 0, False),
        ("7", 0, 60, False),
        ("2", 1, 0, True),
        ("3", 2, 0, True),
        ("6", 3, 0, False),
        ("4", 3, 60, True),
        ("5", 4, 0, True),
    ]
    assert [(e["from"], e["to"], e["critical"], e["via"]) for e in graph["edges"]] == [
        ("1", "2", False, []),
        ("2", "3", True, []),
        ("1", "4", False, [[250, 65.0], [500, 65.0]]),
        ("3", "4", True, []),
        ("1", "5", False, [[250, 75.0], [500, 75.0], [750, 125.0]]),
        ("4", "5", True, []),
        ("7", "5", False, [[250, 85.0], [500, 85.0], [750, 135.0]]),
        ("3", "6", False, []),
    ]
    assert graph["criticalPath"] == ["2", "3", "4", "5"] and graph["cycleEdges"] == [{"from": "6", "to": "3"}]
    assert (graph["width"], graph["height"]) == (1180, 124)
