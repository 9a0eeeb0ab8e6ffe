"""What ``list`` and ``tags`` show: every page of ``get_tasks``, Task Master's ``--ready`` and ``--blocking`` filters,
and ``--all-tags``, all read through the tools.

``--ready`` keeps tasks whose status is actionable (pending, in-progress, review) and whose dependencies are all
complete (done, completed or cancelled) and ``--blocking`` those another task depends on, as Task Master's ``list``
does; a ``--status`` filter applies after them. get_tasks has no such filters yet, so they run here over its rows.
"""

from __future__ import annotations

from typing import Any, cast

from taskmaster_mcp.cli.spec import ToolCall, Tools
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, key, split_list

ACTIONABLE = frozenset({"pending", "in-progress", "review"})


def _deps(row: dict[str, Any]) -> list[str]:
    return [key(d) for d in cast(list[Any], row.get("dependencies") or [])]


def ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with an actionable status whose dependencies are all complete."""
    complete = {key(r.get("id")) for r in rows if r.get("status") in CLOSED_STATUSES}
    return [r for r in rows if r.get("status", "pending") in ACTIONABLE and all(d in complete for d in _deps(r))]


def blocking(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that some other row depends on."""
    needed = {d for r in rows for d in _deps(r)}
    return [r for r in rows if key(r.get("id")) in needed]


async def every_page(tools: Tools, arguments: dict[str, Any]) -> dict[str, Any]:
    """get_tasks with every page's rows in one result (a person asked for the whole table)."""
    data = await tools.call("get_tasks", arguments)
    rows: list[dict[str, Any]] = list(data["tasks"])
    while data.get("nextCursor"):
        data = await tools.call("get_tasks", {**arguments, "cursor": data["nextCursor"]})
        rows.extend(data["tasks"])
    merged = {**data, "tasks": rows}
    merged.pop("nextCursor", None)
    if str(merged.get("note", "")).startswith("Showing "):
        merged.pop("note")
    return merged


async def tag_rows(
    tools: Tools, planned: ToolCall, *, only_ready: bool, only_blocking: bool, tag: str | None = None
) -> dict[str, Any]:
    """One tag's table: all pages, then --ready/--blocking, then the status filter."""
    arguments = {**planned.arguments, **({"tag": tag} if tag else {})}
    if not (only_ready or only_blocking):
        return await every_page(tools, arguments)
    wanted = set(split_list(arguments.pop("status", None))) - {"all"}
    data = await every_page(tools, arguments)
    rows: list[dict[str, Any]] = data["tasks"]
    if only_ready:
        rows = ready(rows)
    if only_blocking:
        rows = blocking(rows)
    if wanted:
        rows = [r for r in rows if r.get("status", "pending") in wanted]
    return {**data, "tasks": rows}


async def task_tables(
    tools: Tools, planned: ToolCall, *, all_tags: bool, only_ready: bool, only_blocking: bool
) -> dict[str, Any]:
    """``list``'s result: one tag's get_tasks result, or ``{"tags": [...]}`` with one per tag for --all-tags."""
    if not all_tags:
        return await tag_rows(tools, planned, only_ready=only_ready, only_blocking=only_blocking)
    names = [str(t["name"]) for t in (await tools.call("list_tags", {}))["tags"]]
    return {
        "tags": [
            await tag_rows(tools, planned, only_ready=only_ready, only_blocking=only_blocking, tag=name)
            for name in names
        ]
    }


async def tags_with_ready(tools: Tools, data: dict[str, Any]) -> dict[str, Any]:
    """``tags --ready``: only the tags that have a task ready to work on, each with its ready count."""
    kept: list[dict[str, Any]] = []
    for row in cast(list[dict[str, Any]], data["tags"]):
        count = len(ready((await every_page(tools, {"tag": row["name"], "limit": 500}))["tasks"]))
        if count:
            kept.append({**row, "ready": count})
    return {**data, "tags": kept}
