"""How the CLI shows results to people, with rich: tables, status colours, progress bars, usage lines.

Imported only by the human commands, never by the stdio server. Colour appears only on a terminal and never when
``NO_COLOR`` is set (rich's own rules); piped output is plain text that stays easy to grep.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from taskmaster_mcp.cli.claim_views import claim_text
from taskmaster_mcp.tasks.model import resolve_sub_dep

STATUS_STYLE = {
    "done": "green",
    "in-progress": "yellow",
    "review": "magenta",
    "pending": "cyan",
    "blocked": "red",
    "deferred": "dim",
    "cancelled": "dim strike",
}
PRIORITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


class _Console(Console):
    """A console that leaves a closed pipe (``| head -1``) to the command, which ends quietly with 0; rich's own
    handling exits with 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def consoles(no_color: bool = False) -> tuple[Console, Console]:
    """(stdout, stderr) consoles; rich drops colour off a terminal and honours NO_COLOR. No emoji codes: a task
    titled ":warning: fix" prints as written."""
    out = _Console(no_color=no_color or None, highlight=False, emoji=False)
    if not out.is_terminal:  # piped: wide enough that rows stay whole lines for grep
        out = _Console(no_color=no_color or None, highlight=False, emoji=False, width=max(out.width, 160))
    return out, _Console(stderr=True, no_color=no_color or None, highlight=False, emoji=False)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def full_ids(parent_id: str, deps: list[Any], siblings: list[str]) -> str:
    """A subtask's dependencies as full ids (``11.1``, not ``1``), read by the model's rules: an int names a
    sibling when one has that id, a dotted string a subtask, anything else a task."""
    parent: dict[str, Any] = {"subtasks": [{"id": s} for s in siblings]}
    return ",".join(str(resolve_sub_dep(parent_id, d, parent)) for d in deps)


def _local(sub_id: object) -> str:
    return str(sub_id).rsplit(".", 1)[-1]


def task_table(out: Console, data: dict[str, Any], *, header: bool = True, compact: bool = False) -> None:
    """``list``: the header line with a progress bar, then one row per task (and subtask); ``compact``: the rows
    alone, without column names. A result of ``--all-tags`` holds one such table per tag."""
    if "tags" in data:
        for one in data["tags"]:
            if not header:
                out.print(f"Tag {one['tag']}")
            task_table(out, one, header=header, compact=compact)
        return
    stats = data["stats"]
    done = round(stats["tasks"] * stats["percentDone"] / 100)
    if header:
        out.print(
            f"Tag {data['tag']}: {stats['tasks']} tasks, {stats['percentDone']}% done  "
            f"{progress_bar(done, stats['tasks'])}  subtasks {stats['subtasksDone']}/{stats['subtasks']}"
        )
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold", show_header=not compact)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("id", "right"),
        ("status", "left"),
        ("priority", "left"),
        ("title", "left"),
        ("deps", "left"),
    )
    claimed = any(r.get("claim") or any(s.get("claim") for s in r.get("subtaskList", [])) for r in data["tasks"])
    extra: tuple[tuple[str, JustifyMethod], ...] = (("claim", "left"),) if claimed else ()
    for name, justify in columns + extra:
        table.add_column(name, justify=justify, no_wrap=name != "title")
    for row in data["tasks"]:
        deps = ",".join(str(d) for d in row.get("dependencies", []))
        subs = f" [{row['subtasks']}]" if "subtasks" in row else ""
        priority = str(row.get("priority", ""))
        table.add_row(
            str(row["id"]),
            status_text(str(row.get("status", ""))),
            Text(priority, style=PRIORITY_STYLE.get(priority, "")),
            Text(f"{row.get('title', '')}{subs}"),
            f"<- {deps}" if deps else "",
            *((Text(claim_text(row.get("claim"))),) if claimed else ()),
        )
        listed: list[dict[str, Any]] = row.get("subtaskList", [])
        siblings = [_local(s["id"]) for s in listed]
        for sub in listed:
            sub_deps = full_ids(str(row["id"]), sub.get("dependencies") or [], siblings)
            table.add_row(
                str(sub["id"]),
                status_text(str(sub.get("status", ""))),
                "",
                Text(f"  {sub.get('title', '')}"),
                f"<- {sub_deps}" if sub_deps else "",
                *((Text(claim_text(sub.get("claim"))),) if claimed else ()),
            )
    out.print(table)
    if data.get("note"):
        out.print(data["note"])


def task_detail(out: Console, task: dict[str, Any], siblings: list[str] | None = None) -> None:
    """``show`` and ``next``: one task with its fields and subtasks. For a subtask, ``siblings`` (its parent's
    subtask ids) lets its dependencies show as full ids."""
    head = Text(f"{task['id']}: {task.get('title', '')}  ", style="bold")
    head.append_text(status_text(str(task.get("status", "pending"))))
    out.print(head)
    task_id = str(task["id"])
    for name in ("priority", "dependencies", "blockedBy", "description", "details", "testStrategy"):
        value: object = task.get(name)
        if value in (None, "", []):
            continue
        if name == "dependencies" and "." in task_id and isinstance(value, list):
            shown = full_ids(task_id.split(".")[0], cast("list[Any]", value), siblings or [])
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in cast("list[object]", value))
        else:
            shown = str(value)
        out.print(f"  [bold]{name}[/]: ", Text(shown), sep="")
    if task.get("claim"):
        out.print("  [bold]claimed by[/]: ", Text(claim_text(task["claim"])), sep="")
    subtasks: list[dict[str, Any]] = task.get("subtasks") or []  # same as .get("subtasks", []) or []
    local_ids = [_local(s.get("id")) for s in subtasks]
    for sub in subtasks:
        line = Text(f"    {task_id}.{sub.get('id')}  ")
        line.append_text(status_text(str(sub.get("status", ""))))
        line.append(f"  {sub.get('title', '')}")
        deps = full_ids(task_id, sub.get("dependencies") or [], local_ids)
        if deps:
            line.append(f"  <- {deps}")
        out.print(line)


def init_report(
    out: Console, err: Console, project: Path, created: list[str], kept: list[str], editors: list[dict[str, Any]]
) -> None:
    """``init``: the files created and kept, then what was done for each editor."""
    out.print(f"Project: {project}")
    for path in created:
        out.print(f"  [green]created[/]  {path}")
    for path in kept:
        out.print(f"  [dim]kept[/]     {path}")
    for report in editors:
        if report.get("error"):
            err.print(f"  [red]{report['editor']}: {report['error']}[/]")
            continue
        state = "updated" if report["changed"] else "already set up"
        out.print(f"  [bold]{report['editor']}[/]: {state} {report['config']}")
        if report.get("backup"):
            out.print(f"    backup: {report['backup']}")
        for note in report.get("notes", []):
            out.print(f"    note: {note}")
        if report.get("rules"):
            out.print(f"    rules: {report['rules']}{'' if report['rulesChanged'] else ' (unchanged)'}")
    out.print(
        "Next: write your PRD to .taskmaster/docs/prd.txt, then `taskmaster-mcp parse-prd` or ask your agent "
        "to call parse_prd. `taskmaster-mcp doctor` checks the setup.",
        soft_wrap=True,
    )


def usage_line(usage: dict[str, Any] | None) -> str | None:
    """One line from a result's ``usage`` block: calls, models, tokens, cost, time, fallbacks."""
    if not usage:
        return None
    cost = usage.get("costUsd")
    parts = [
        f"{usage.get('calls', 0)} call(s)",
        ", ".join(usage.get("models") or []) or "no model",
        f"{usage.get('inputTokens', 0):,} in / {usage.get('outputTokens', 0):,} out tokens",
    ]
    if usage.get("cachedTokens"):
        parts.append(f"{usage['cachedTokens']:,} cached")
    parts.append(f"${cost:.4f}" if isinstance(cost, int | float) else "cost unknown")
    if usage.get("latencyMs") is not None:
        parts.append(f"{usage['latencyMs'] / 1000:.1f} s")
    fallbacks: list[Any] = usage.get("fallbacks") or []
    if fallbacks:  # each a model that failed and what was tried next
        parts.append(f"{len(fallbacks)} fallback(s): " + "; ".join(str(f) for f in fallbacks))
    if usage.get("route"):  # why each call started on its role (routing rules, pins)
        parts.append("route: " + "; ".join(usage["route"]))
    if usage.get("escalated"):
        parts.append("escalated: " + "; ".join(usage["escalated"]))
    if usage.get("cacheHits"):
        parts.append(f"{usage['cacheHits']} from the response cache (--fresh asks again)")
    warnings: list[str] = usage.get("warnings") or []
    return "usage: " + " · ".join(parts) + "".join(f"\nwarning: {w}" for w in warnings)


@contextmanager
def live_progress(err: Console, label: str) -> Generator[Any, None, None]:
    """A progress bar on stderr (a terminal only); yields the callback to hand to ``call_tool``."""
    if not err.is_terminal:

        async def quiet(done: float, total: float | None, message: str | None) -> None:
            return

        yield quiet
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        job = bar.add_task(label, total=None, note="")

        async def update(done: float, total: float | None, message: str | None) -> None:
            bar.update(job, completed=done, total=total, note=message or "")

        yield update


def message(out: Console, data: dict[str, Any]) -> None:
    """A write's result: what changed, and the next task when the tool suggests one."""
    out.print(data.get("message", "done"))
    following: dict[str, Any] | None = data.get("next")
    if following:
        out.print(Text(f"next: {following.get('id')}  {following.get('title', '')}"))


def dependency_report(out: Console, data: dict[str, Any]) -> None:
    """``validate-dependencies`` / ``fix-dependencies``: the verdict, then one line per issue."""
    out.print(data.get("message", ""))
    for issue in cast(list[dict[str, str]], data.get("issues") or []):
        out.print("  " + "  ".join(f"{k}: {v}" for k, v in issue.items()))


def tags_table(out: Console, data: dict[str, Any], *, metadata: bool = False) -> None:
    """``tags``: one row per tag, the current one marked."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    rows: list[dict[str, Any]] = data.get("tags") or []
    names = ["", "tag", "tasks", "done", "subtasks"] + (["ready"] if any("ready" in r for r in rows) else [])
    for name in [*names, *(["description", "metadata"] if metadata else [])]:
        table.add_column(name, justify="right" if name in ("tasks", "done", "subtasks", "ready") else "left")
    for row in rows:
        cells = [
            "*" if row.get("current") else "",
            str(row["name"]),
            str(row.get("tasks", 0)),
            str(row.get("done", 0)),
            str(row.get("subtasks", 0)),
        ]
        cells += [str(row.get("ready", ""))] if "ready" in names else []
        if metadata:
            meta: dict[str, Any] = row.get("metadata") or {}
            cells += [
                str(row.get("description", "")),
                "  ".join(f"{k}={v}" for k, v in meta.items() if k != "description"),
            ]
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)


def complexity_table(out: Console, data: dict[str, Any]) -> None:
    """``complexity-report``: the entries, highest score first."""
    meta: dict[str, Any] = data.get("meta") or {}
    out.print(
        f"{data.get('path', '')}: {meta.get('tasksAnalyzed', len(data.get('entries') or []))} task(s) "
        f"analysed {meta.get('generatedAt', '')}, threshold {meta.get('thresholdScore', '-')}"
    )
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("id", "score", "subtasks", "title"):
        table.add_column(name, justify="left" if name == "title" else "right")
    for entry in cast(list[dict[str, Any]], data.get("entries") or []):
        table.add_row(
            str(entry.get("taskId", "")),
            str(entry.get("complexityScore", "")),
            str(entry.get("recommendedSubtasks", "")),
            Text(str(entry.get("taskTitle", ""))),
        )
    out.print(table)
    for entry in cast(list[dict[str, Any]], data.get("entries") or []):  # why each score, and how to expand
        why = str(entry.get("reasoning") or "")
        how = str(entry.get("expansionPrompt") or "")
        if why or how:
            out.print(Text(f"  {entry.get('taskId', '')}: {why}" + (f" Expand: {how}" if how else "")))


def generated(out: Console, data: dict[str, Any]) -> None:
    """``generate``: how many task files were written, left as they were, removed."""
    out.print(
        f"{data.get('output', '')}: {data.get('written', 0)} written, {data.get('unchanged', 0)} unchanged, "
        f"{data.get('removed', 0)} removed"
    )


def summary(out: Console, data: dict[str, Any]) -> None:
    """A readable account of a result whose shape is the tool's own (AI, rules, autopilot): its message, the items
    it created or changed, the answer, then any other plain values."""
    shown = False
    if isinstance(data.get("message"), str):
        out.print(data["message"])
        shown = True
    for profile in cast(list[Any], data.get("profiles") or []):  # rules
        if isinstance(profile, dict):
            entry = cast(dict[str, Any], profile)
            where = entry.get("rules") or entry.get("config") or entry.get("error", "")
            out.print(
                f"  {entry.get('editor', entry.get('profile', ''))}: {where}"
                f"{'' if entry.get('changed', True) or entry.get('rulesChanged') else ' (unchanged)'}"
            )
            shown = True
    for name in ("created", "subtasks", "tasks", "added", "changed", "expanded", "top"):
        items: Any = data.get(name)
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in cast(list[Any], items)):
            for item in cast(list[dict[str, Any]], items):
                line = Text(f"  {item.get('id', item.get('taskId', ''))}  ")
                if "status" in item:
                    line.append_text(status_text(str(item["status"])))
                    line.append("  ")
                line.append(str(item.get("title", item.get("taskTitle", item.get("reason", "")))))
                out.print(line)
            shown = True
    for name in ("updated", "unchanged", "removed", "skipped", "failed", "remaining"):
        values: Any = data.get(name)
        if isinstance(values, list) and values:
            listed = [
                str(cast(dict[str, Any], v).get("id", v)) if isinstance(v, dict) else str(v)
                for v in cast(list[Any], values)
            ]
            out.print(f"{name}: {', '.join(listed)}")
            shown = True
    if isinstance(data.get("task"), dict):
        task_detail(out, data["task"])
        shown = True
    for name in ("findings", "answer", "summary", "review", "report"):
        value = data.get(name)
        if isinstance(value, str) and value:
            out.print(value)
            shown = True
    panel: Any = data.get("critique") or data.get("consensus")  # models working together: what the others said
    if isinstance(panel, dict):
        block = cast(dict[str, Any], panel)
        for f in cast(list[dict[str, Any]], block.get("findings") or []):
            out.print(Text(f"  critique [{f.get('severity')}] {f.get('kind')}: {f.get('message')}"))
        state = block.get("outcome") or ("revised" if block.get("revised") else "not revised")
        out.print(
            Text(
                f"{'consensus' if 'outcome' in block else 'critique'}: {state}"
                + "".join(f"; {r}" for r in cast(list[str], block.get("reasons") or []))
            )
        )
    if not shown:  # a shape we do not know (a newer tool): its values, one per line, lists joined
        for name, value in data.items():
            if name == "usage" or isinstance(value, dict):
                continue
            if isinstance(value, list):
                value = ", ".join(str(v) for v in cast(list[Any], value) if not isinstance(v, dict | list))
            out.print(Text(f"{name}: {value}"))
    if data.get("note"):
        out.print(data["note"])
