"""How the CLI shows results to people, with rich: tables, status colours, progress bars, usage lines.

Imported only by the human commands, never by the stdio server. Colour appears only on a terminal and never when
``NO_COLOR`` is set (rich's own rules); piped output is plain text that stays easy to grep.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any, cast

from rich.console import Console, JustifyMethod
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

STATUS_STYLE = {
    "done": "green", "in-progress": "yellow", "review": "magenta", "pending": "cyan", "blocked": "red",
    "deferred": "dim", "cancelled": "dim strike",
}
PRIORITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


def consoles(no_color: bool = False) -> tuple[Console, Console]:
    """(stdout, stderr) consoles; rich drops colour off a terminal and honours NO_COLOR."""
    out = Console(no_color=no_color or None, highlight=False)
    if not out.is_terminal:  # piped: wide enough that rows stay whole lines for grep
        out = Console(no_color=no_color or None, highlight=False, width=max(out.width, 160))
    return out, Console(stderr=True, no_color=no_color or None, highlight=False)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def task_table(out: Console, data: dict[str, Any]) -> None:
    """``list``: the header line with a progress bar, then one row per task (and subtask)."""
    stats = data["stats"]
    done = round(stats["tasks"] * stats["percentDone"] / 100)
    out.print(f"Tag {data['tag']}: {stats['tasks']} tasks, {stats['percentDone']}% done  "
              f"{progress_bar(done, stats['tasks'])}  subtasks {stats['subtasksDone']}/{stats['subtasks']}")
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    columns: tuple[tuple[str, JustifyMethod], ...] = (("id", "right"), ("status", "left"), ("priority", "left"),
                                                      ("title", "left"), ("deps", "left"))
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=name != "title")
    for row in data["tasks"]:
        deps = ",".join(str(d) for d in row.get("dependencies", []))
        subs = f" [{row['subtasks']}]" if "subtasks" in row else ""
        priority = str(row.get("priority", ""))
        table.add_row(str(row["id"]), status_text(str(row.get("status", ""))),
                      Text(priority, style=PRIORITY_STYLE.get(priority, "")), f"{row.get('title', '')}{subs}",
                      f"<- {deps}" if deps else "")
        for sub in row.get("subtaskList", []):
            table.add_row(str(sub["id"]), status_text(str(sub.get("status", ""))), "", f"  {sub.get('title', '')}",
                          "")
    out.print(table)
    if data.get("note"):
        out.print(data["note"])


def task_detail(out: Console, task: dict[str, Any]) -> None:
    """``show`` and ``next``: one task with its fields and subtasks."""
    head = Text(f"{task['id']}: {task.get('title', '')}  ", style="bold")
    head.append_text(status_text(str(task.get("status", "pending"))))
    out.print(head)
    for name in ("priority", "dependencies", "blockedBy", "description", "details", "testStrategy"):
        value: object = task.get(name)
        if value not in (None, "", []):
            shown = ", ".join(str(v) for v in cast("list[object]", value)) if isinstance(value, list) else str(value)
            out.print(f"  [bold]{name}[/]: ", Text(shown), sep="")
    subtasks: list[dict[str, Any]] = task.get("subtasks") or []  # same as .get("subtasks", []) or []
    for sub in subtasks:
        line = Text(f"    {task['id']}.{sub.get('id')}  ")
        line.append_text(status_text(str(sub.get("status", ""))))
        line.append(f"  {sub.get('title', '')}")
        out.print(line)


def usage_line(usage: dict[str, Any] | None) -> str | None:
    """One line from a result's ``usage`` block: calls, models, tokens, cost, time, fallbacks."""
    if not usage:
        return None
    cost = usage.get("costUsd")
    parts = [f"{usage.get('calls', 0)} call(s)", ", ".join(usage.get("models") or []) or "no model",
             f"{usage.get('inputTokens', 0):,} in / {usage.get('outputTokens', 0):,} out tokens"]
    if usage.get("cachedTokens"):
        parts.append(f"{usage['cachedTokens']:,} cached")
    parts.append(f"${cost:.4f}" if isinstance(cost, int | float) else "cost unknown")
    if usage.get("latencyMs") is not None:
        parts.append(f"{usage['latencyMs'] / 1000:.1f} s")
    if usage.get("fallbacks"):
        parts.append(f"{usage['fallbacks']} fallback(s)")
    return "usage: " + " · ".join(parts)


@contextmanager
def live_progress(err: Console, label: str) -> Generator[Any, None, None]:
    """A progress bar on stderr (a terminal only); yields the callback to hand to ``call_tool``."""
    if not err.is_terminal:
        async def quiet(done: float, total: float | None, message: str | None) -> None:
            return

        yield quiet
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[note]}"))
    with Progress(*columns, console=err, transient=True) as bar:
        job = bar.add_task(label, total=None, note="")

        async def update(done: float, total: float | None, message: str | None) -> None:
            bar.update(job, completed=done, total=total, note=message or "")

        yield update


def models_table(out: Console, data: dict[str, Any]) -> None:
    """``models``: one row per role, then what was changed, listed or tested."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("role", "provider", "model", "key", "max tokens"):
        table.add_column(name)
    for view in data.get("roles", []):
        key = str(view.get("key", ""))
        table.add_row(view["role"], str(view.get("provider") or "-"), str(view.get("modelId") or "-"),
                      Text(key, style="red" if key.startswith("MISSING") else "green"),
                      str(view.get("maxTokens") or ""))
    out.print(table)
    # The tool result is plain JSON; these annotations only name the shapes the models tool returns.
    changed: list[str] = data.get("changed") or []
    available: list[dict[str, Any]] = data.get("available") or []
    endpoint_models: list[str] = data.get("endpointModels") or []
    tests: list[dict[str, Any]] = data.get("tests") or []
    for line in changed:
        out.print(f"changed: {line}")
    for row in available:
        out.print(f"  {row.get('provider', '')}/{row.get('id', row.get('modelId', ''))}")
    for name in endpoint_models:
        out.print(f"  {name}")
    for test in tests:
        ok = test.get("ok")
        detail = f"{test.get('latency_ms', '')} ms" if ok else test.get("error", "")
        out.print(f"test {test['role']}: ", Text("ok" if ok else "FAIL", style="green" if ok else "red"),
                  f" {detail}", sep="")
    if data.get("note"):
        out.print(data["note"])


def usage_table(out: Console, data: dict[str, Any]) -> None:
    """``usage``: a compact table per role and per model, then the total."""
    report: dict[str, Any] = data.get("report", {})
    for title, key in (("role", "by_role"), ("model", "by_model")):
        groups: dict[str, Any] = report.get(key) or {}
        if not groups:
            continue
        table = Table(box=None, header_style="bold", pad_edge=False)
        for name in (title, "calls", "in tok", "out tok", "cost $", "p50 ms", "errors", "fallbacks"):
            table.add_column(name, justify="left" if name == title else "right")
        for name, g in groups.items():
            table.add_row(name, str(g.get("calls", 0)), f"{g.get('input_tokens', 0):,}",
                          f"{g.get('output_tokens', 0):,}", f"{g.get('cost_usd', 0):.4f}",
                          str(g.get("p50_latency_ms") or ""), str(g.get("errors", 0)),
                          str(g.get("fallbacks", 0)))
        out.print(table)
    total: dict[str, Any] = report.get("total") or {}
    out.print(f"total: {total.get('calls', 0)} call(s), ${total.get('cost_usd', 0):.4f}")
    if data.get("note"):
        out.print(data["note"])
