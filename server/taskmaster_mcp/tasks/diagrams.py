"""Dependency graphs of one tag as text: Mermaid (renders in GitHub, many editors and chat clients) or Graphviz DOT.

Edges point from a dependency to the task that waits for it, so the graph reads in working order. Node styles follow
the status. Plain functions over the tag's task list; used by the ``taskmaster://graph`` resource and ``graph``
command.
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.tasks.model import Ref, deps_of, key, resolve_sub_dep, subtasks_of

STYLES = {
    "done": ("#c8e6c9", "#2e7d32"),
    "in-progress": ("#fff3c4", "#b28704"),
    "review": ("#e1d5f5", "#5e35b1"),
    "blocked": ("#ffcdd2", "#c62828"),
    "deferred": ("#eeeeee", "#757575"),
    "cancelled": ("#eeeeee", "#9e9e9e"),
    "pending": ("#e3f2fd", "#1565c0"),
}


def _node(ref: Ref) -> str:
    return "t" + str(ref).replace(".", "_").replace("-", "_")


def _label(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace('"', "'")


Node = tuple[Ref, str, str]


def _items(tasks: list[dict[str, Any]], with_subtasks: bool) -> tuple[list[Node], list[tuple[Ref, Ref]]]:
    """Nodes (ref, label, status) and edges (dependency, dependent) that exist in this tag."""
    nodes: list[Node] = []
    edges: list[tuple[Ref, Ref]] = []
    for task in tasks:
        tid = key(task.get("id"))
        ref = Ref(tid)
        nodes.append((ref, f"{tid}: {task.get('title', '')}", str(task.get("status") or "pending")))
        edges += [(Ref(key(d)) if "." not in key(d) else resolve_sub_dep(tid, d, task), ref) for d in deps_of(task)]
        if with_subtasks:
            for sub in subtasks_of(task):
                sref = Ref(tid, key(sub.get("id")))
                nodes.append((sref, f"{sref}: {sub.get('title', '')}", str(sub.get("status") or "pending")))
                edges += [(resolve_sub_dep(tid, d, task), sref) for d in deps_of(sub)]
    known = {str(r) for r, _, _ in nodes}
    return nodes, [(a, b) for a, b in dict.fromkeys(edges) if str(a) in known]


def mermaid(tasks: list[dict[str, Any]], *, with_subtasks: bool = False) -> str:
    """A Mermaid flowchart of the tasks and their dependencies."""
    nodes, edges = _items(tasks, with_subtasks)
    lines = ["flowchart TD"]
    lines += [f'  {_node(ref)}["{_label(label)}"]:::{_css(status)}' for ref, label, status in nodes]
    lines += [f"  {_node(a)} --> {_node(b)}" for a, b in edges]
    used = dict.fromkeys(_css(status) for _, _, status in nodes)
    for name in used:
        fill, stroke = STYLES.get(name.replace("_", "-"), STYLES["pending"])
        lines.append(f"  classDef {name} fill:{fill},stroke:{stroke}")
    return "\n".join(lines) + "\n"


def dot(tasks: list[dict[str, Any]], *, with_subtasks: bool = False) -> str:
    """A Graphviz DOT digraph of the tasks and their dependencies."""
    nodes, edges = _items(tasks, with_subtasks)
    lines = ["digraph tasks {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
    for ref, label, status in nodes:
        fill, stroke = STYLES.get(status, STYLES["pending"])
        lines.append(f'  {_node(ref)} [label="{_label(label)}", fillcolor="{fill}", color="{stroke}"];')
    lines += [f"  {_node(a)} -> {_node(b)};" for a, b in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _css(status: str) -> str:
    return status.replace("-", "_") if status in STYLES else "pending"
