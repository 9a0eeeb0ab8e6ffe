"""What commands do with their tool results: the extra calls a view needs (``gather_*``), the text views
(``render_*``, each importing its rich views when it prints) and the exit codes that are not plain 0.

The command rows (``commands``, ``ai_commands``, ...) name these functions; ``cli.main`` calls them without knowing
which command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.cli import listing, messages
from taskmaster_mcp.cli.spec import Extra, Render, ToolCall, Tools

# --- gathering ------------------------------------------------------------------------------------------------------


async def gather_tasks(tools: Tools, planned: ToolCall, args: argparse.Namespace) -> tuple[dict[str, Any], Extra]:
    """``list``: every page, Task Master's --ready/--blocking filters, one table per tag with --all-tags."""
    data = await listing.task_tables(
        tools, planned, all_tags=args.all_tags, only_ready=args.ready, only_blocking=args.blocking
    )
    return data, {}


async def gather_tags(tools: Tools, planned: ToolCall, args: argparse.Namespace) -> tuple[dict[str, Any], Extra]:
    """``tags``: with --ready, only the tags with a task ready to work on."""
    data = await tools.run(planned)
    return (await listing.tags_with_ready(tools, data) if args.ready else data), {}


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json) or getattr(args, "format", None) == "json"


async def gather_with_siblings(
    tools: Tools, planned: ToolCall, args: argparse.Namespace
) -> tuple[dict[str, Any], Extra]:
    """``show`` and ``next``: for each subtask shown, its parent's subtask ids (so ``1`` in its dependencies can
    read ``7.1``)."""
    data = await tools.run(planned)
    if _wants_json(args):
        return data, {}
    shown: list[dict[str, Any]] = [data["next"]] if data.get("next") else data.get("tasks") or []
    parents = sorted({str(item["id"]).split(".")[0] for item in shown if "." in str(item.get("id", ""))})
    if not parents:
        return data, {"siblings": {}}
    found = await tools.call("get_task", {"id": ",".join(parents), "tag": args.tag})
    parents_found: list[dict[str, Any]] = found["tasks"]
    siblings = {
        str(t["id"]): [str(s["id"]) for s in cast(list[dict[str, Any]], t.get("subtasks") or [])] for t in parents_found
    }
    return data, {"siblings": siblings}


async def gather_graph(tools: Tools, planned: ToolCall, args: argparse.Namespace) -> tuple[dict[str, Any], Extra]:
    """``graph``: the tag's dependency graph as Mermaid or DOT text, drawn from get_tasks' rows."""
    from taskmaster_mcp.tasks.diagrams import dot, mermaid

    data = await tools.run(planned)
    tasks = [
        {**row, "subtasks": [{**s, "id": str(s["id"]).rsplit(".", 1)[-1]} for s in row.get("subtaskList", [])]}
        for row in data["tasks"]
    ]
    text = (dot if args.graph_format == "dot" else mermaid)(tasks, with_subtasks=args.subtasks)
    return {"tag": data["tag"], "format": args.graph_format, "graph": text}, {}


async def gather_research(tools: Tools, planned: ToolCall, args: argparse.Namespace) -> tuple[dict[str, Any], Extra]:
    """``research``: the answer, also written to ``--save FILE``."""
    data = await tools.run(planned)
    if args.save:
        Path(args.save).write_text(
            f"# Research Query: {data.get('query', '')}\n\n{data.get('findings', '')}\n", encoding="utf-8"
        )
        return data, {"savedTo": str(Path(args.save).resolve())}
    return data, {}


# --- text views -----------------------------------------------------------------------------------------------------


def render_tasks(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    from taskmaster_mcp.cli.views import task_table

    compact = args.compact or args.format == "compact"
    task_table(out, data, header=not (args.no_header or compact), compact=compact)
    if getattr(args, "parallel", False):
        from taskmaster_mcp.cli.claim_views import waves_view

        for one in data.get("tags", [data]):
            waves_view(out, one)


def render_show(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    from taskmaster_mcp.cli.views import task_detail

    siblings: dict[str, list[str]] = extra.get("siblings") or {}
    for task in data["tasks"]:
        task_detail(out, task, siblings.get(str(task["id"]).split(".")[0]))
    if data.get("notFound"):
        out.print(f"not found: {', '.join(data['notFound'])}")


def render_next(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    from rich.text import Text

    from taskmaster_mcp.cli.claim_views import claim_line, picks_view
    from taskmaster_mcp.cli.views import task_detail

    siblings: dict[str, list[str]] = extra.get("siblings") or {}
    if data.get("parallel") is not None:
        picks_view(out, data)
        return
    out.print(data["reason"])
    if (held := claim_line(data.get("claim"))) is not None:
        out.print(held)
    if data.get("next"):
        task_detail(out, data["next"], siblings.get(str(data["next"]["id"]).split(".")[0]))
    parent: dict[str, Any] = data.get("parent") or {}
    if parent:
        status = f" ({parent['status']})" if parent.get("status") else ""
        out.print(Text(f"  parent: {parent.get('id')} {parent.get('title', '')}{status}"))


def render_graph(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    sys.stdout.write(data["graph"])


def render_tags(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    from taskmaster_mcp.cli.views import tags_table

    tags_table(out, data, metadata=args.show_metadata)


def _view(module: str, name: str) -> Render:
    """A render that imports its view only when it draws: the views load rich, which a --json run never needs."""

    def render(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
        getattr(importlib.import_module(module), name)(out, data)

    return render


render_message = _view("taskmaster_mcp.cli.views", "message")
render_dependencies = _view("taskmaster_mcp.cli.views", "dependency_report")
render_complexity = _view("taskmaster_mcp.cli.views", "complexity_table")
render_generated = _view("taskmaster_mcp.cli.views", "generated")
render_models = _view("taskmaster_mcp.cli.model_views", "models_table")
render_usage = _view("taskmaster_mcp.cli.model_views", "usage_table")
render_benchmark = _view("taskmaster_mcp.cli.benchmark_view", "benchmark_table")
render_route = _view("taskmaster_mcp.cli.routing_views", "route_table")
render_pins = _view("taskmaster_mcp.cli.routing_views", "pins")


# --- exit codes -----------------------------------------------------------------------------------------------------


def benchmark_exit(data: dict[str, Any], project: Path) -> int:
    """1 when every model failed every run (nothing was compared), with the first failure on stderr."""
    candidates = cast(list[dict[str, Any]], data.get("candidates") or [])
    if not (candidates and all(c.get("failures") == c.get("runs") for c in candidates)):
        return 0
    errors = [str(e) for c in candidates for e in cast(list[Any], c.get("errors") or [])]
    first = errors[0] if errors else "no model answered"
    first = first.removeprefix("Every configured model failed; nothing was changed.").strip(" -\n")
    first = messages.for_terminal(first.split(" Fix the first failure")[0].split("\n")[0], project)
    first = first if len(first) <= 240 else first[:237] + "..."
    print(
        f"error: every model failed every run, so nothing was compared. First failure: {first}\nFix that "
        "(`taskmaster-mcp doctor --ping` calls each model once), then run the benchmark again.",
        file=sys.stderr,
    )
    return 1


def models_exit(data: dict[str, Any], project: Path) -> int:
    """1 when ``models --test`` found a role that fails, naming the roles on stderr."""
    failed = [t for t in cast(list[dict[str, Any]], data.get("tests") or []) if not t.get("ok")]
    if not failed:
        return 0
    roles = ", ".join(str(t.get("role")) for t in failed)
    print(
        f"error: {len(failed)} role(s) failed the test: {roles}. Fix the key or model shown above, or "
        "set another model with `taskmaster-mcp models --set-main/--set-fallback`.",
        file=sys.stderr,
    )
    return 1
