"""``taskmaster-mcp <command>``: run a command for a person, with Task Master's commands and flags.

The commands live in tables (``commands``, ``ai_commands``, ``project_commands``, assembled by ``parser``); each maps
its arguments to the very MCP tool an agent would call, and this module calls it through the SDK's in-memory client
(``client``), so the terminal and the agent always agree. AI commands show the tool's progress notifications as a
live bar and end with a usage line (tokens, cost) from the result's ``usage`` block. ``--json`` prints the tool's
structured result. A tool's error is rewritten for a person (``messages``) before it is printed.

Exit codes: 0 success; 1 the command failed (stderr says why and what to do); 2 bad usage (unknown command or flag,
a bad value, a missing id); 130 interrupted. A closed output pipe (``taskmaster-mcp list | head -1``) ends quietly with
0: every command prints only after its work is done, so only the display was cut short.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.cli import ai_commands, listing, messages
from taskmaster_mcp.cli.client import CommandFailed, ToolSession, call, session
from taskmaster_mcp.cli.parser import build
from taskmaster_mcp.cli.project_commands import EDITOR_NAMES, IGNORED_INIT_FLAGS, init_rules
from taskmaster_mcp.cli.spec import Cancelled, Command, Usage

__all__ = ["CommandFailed", "ask_missing", "call", "is_interactive", "run"]

AI_COMMANDS = frozenset({c.name for c in ai_commands.COMMANDS} | {"add-task"})


def run(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code. ``env`` defaults to ``os.environ``."""
    try:
        args = build().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    environment = dict(os.environ if env is None else env)
    command: Command | None = args.spec
    if command is None or (command.name == "serve" and not args.http):
        from taskmaster_mcp.mcp_server.stdio import serve_stdio

        return serve_stdio()
    project = Path(args.project or os.getcwd()).resolve()
    try:
        return _run(command, args, project, environment)
    except Usage as exc:
        print(f"error: {exc}\n(see `taskmaster-mcp {command.name} --help`)", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        text = str(exc)
        code = 2 if messages.is_usage(text) else exc.exit_code
        print(f"error: {messages.for_terminal(text, project)}", file=sys.stderr)
        return code
    except Cancelled:
        print("cancelled; nothing was changed", file=sys.stderr)
        return 0
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not report the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (captured in tests): nothing left to flush
        pass


def _run(command: Command, args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
    if command.name == "serve":
        from taskmaster_mcp.mcp_server.http import serve_http

        if args.project:
            env.setdefault("TASK_MASTER_PROJECT_ROOT", str(project))
        return serve_http(args.http, env, project)
    if command.name == "init":
        return _init(args, project, env)
    if command.name == "doctor":
        from taskmaster_mcp.cli.doctor import run_doctor

        return asyncio.run(run_doctor(project, as_json=args.json, ping=args.ping, env=env))
    if command.name in ("merge-driver", "fix-conflicts"):
        from taskmaster_mcp.cli.merging import run_merge_command

        return run_merge_command(command.name, args, project)
    if command.name == "ui":
        from taskmaster_mcp.cli.dashboard import run_ui

        return run_ui(args, project, env)
    if command.call is None:  # a family of subcommands (autopilot) named without one
        actions = ", ".join(c.name.split()[-1] for c in command.subcommands)
        raise Usage(f"say what to do: `taskmaster-mcp {command.name} <{actions.replace(', ', '|')}>`")
    if command.prepare is not None:
        command.prepare(args, input, is_interactive(args, env))
    return asyncio.run(_tool_command(command, args, project, env))


# --- init --------------------------------------------------------------------------------------------------------


def is_interactive(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """Prompt only on a terminal, never in CI, with --yes or --json."""
    ci = env.get("CI", "").strip().lower() in ("1", "true", "yes")
    quiet = getattr(args, "yes", False) or getattr(args, "json", False)
    return not (ci or quiet) and sys.stdin.isatty() and sys.stdout.isatty()


def ask_missing(args: argparse.Namespace, project: Path, ask: Callable[[str], str] = input) -> None:
    """Fill in what the flags did not say by asking: project name, editors, providers whose keys to pass."""
    detected = [
        n
        for n, marker in (
            ("cursor", ".cursor"),
            ("vscode", ".vscode"),
            ("claude-code", ".mcp.json"),
            ("claude-code", "CLAUDE.md"),
        )
        if (project / marker).exists()
    ]
    if args.name is None:
        args.name = ask(f"Project name [{project.name}]: ").strip() or None
    if not args.editor:
        hint = ",".join(dict.fromkeys(detected)) or "none"
        answer = ask(f"Editors to configure ({', '.join(EDITOR_NAMES)}; comma list) [{hint}]: ").strip()
        chosen = answer or ("" if hint == "none" else hint)
        args.editor = [e.strip() for e in chosen.split(",") if e.strip() and e.strip() != "none"]
        unknown = [e for e in args.editor if e not in EDITOR_NAMES]
        if unknown:
            raise Usage(f"unknown editor(s) {', '.join(unknown)}; choose from {', '.join(EDITOR_NAMES)}")
    if args.editor and args.keys is None:
        from taskmaster_mcp.setup.skeleton import role_providers

        default = ",".join(role_providers(project)) if (project / ".taskmaster").is_dir() else "anthropic,perplexity"
        args.keys = ask(f"Providers whose API keys the editor should pass [{default}]: ").strip() or default


def _init(args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    from taskmaster_mcp.errors import TaskmasterError
    from taskmaster_mcp.setup.skeleton import initialize, setup_editors

    given = {n.replace("_", "-"): getattr(args, n, None) for n in IGNORED_INIT_FLAGS}
    ignored = [f"--{'' if value is not False else 'no-'}{name}" for name, value in given.items() if value is not None]
    if ignored:
        print(
            f"note: {', '.join(ignored)} ignored (taskmaster-mcp sets up .taskmaster/ and editors only)",
            file=sys.stderr,
        )
    if args.dry_run:
        state = "exists; missing files would be added" if (project / ".taskmaster").is_dir() else "would be created"
        print(
            f"dry run: {project / '.taskmaster'} {state}; editors: {', '.join(args.editor) or 'none'}. "
            "Nothing was written."
        )
        return 0
    if is_interactive(args, env):
        ask_missing(args, project)
    result = initialize(project, args.name)
    try:
        providers = [p.strip() for p in args.keys.split(",") if p.strip()] if args.keys else None
        editors = setup_editors(project, args.editor, providers=providers, env=env) if args.editor else []
    except TaskmasterError as exc:
        raise CommandFailed(str(exc)) from exc
    rules = init_rules(args)
    if rules is not None:
        asyncio.run(call(rules.tool, rules.arguments, str(project), env=env))
    failed = [e for e in editors if e.get("error")]
    if args.json:
        print(
            json.dumps(
                {"projectRoot": str(project), "created": result.created, "kept": result.kept, "editors": editors}
            )
        )
        return 1 if failed else 0
    from taskmaster_mcp.cli.views import init_report

    out, err = _consoles(args)
    init_report(out, err, project, result.created, result.kept, editors)
    return 1 if failed else 0


# --- calling tools -----------------------------------------------------------------------------------------------


def _consoles(args: argparse.Namespace) -> tuple[Any, Any]:
    from taskmaster_mcp.cli.views import consoles

    return consoles(bool(getattr(args, "no_color", False)))


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json) or getattr(args, "format", None) == "json"


async def _tool_command(command: Command, args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    """Plan the call, make it (and any the view needs) in one session, then print the result."""
    assert command.call is not None, command.name
    planned = command.call(args)
    from taskmaster_mcp.cli import views

    out, err = _consoles(args)
    siblings: dict[str, list[str]] = {}
    async with session(args.project, env) as tools:
        if command.view == "tasks":
            data = await listing.task_tables(
                tools, planned, all_tags=args.all_tags, only_ready=args.ready, only_blocking=args.blocking
            )
        elif command.name in AI_COMMANDS:
            with views.live_progress(err, planned.tool) as on_progress:
                data = await tools.run(planned, on_progress)
        else:
            data = await tools.run(planned)
        if command.view == "tags" and args.ready:
            data = await listing.tags_with_ready(tools, data)
        if command.view in ("show", "next") and not _wants_json(args):
            siblings = await _siblings(tools, data, args.tag)
    if command.view == "graph":
        data = _graph(args, data)
    if command.name == "research" and args.save:
        Path(args.save).write_text(
            f"# Research Query: {data.get('query', '')}\n\n{data.get('findings', '')}\n", encoding="utf-8"
        )
    if getattr(args, "silent", False):
        return 0
    if _wants_json(args):
        print(json.dumps(data, ensure_ascii=False))
    else:
        _render(command, args, out, _for_people(data, project), siblings)
        line = views.usage_line(data.get("usage"))
        if line:
            err.print(f"[dim]{line}[/]")
    return _exit_code(command, data, project)


def _exit_code(command: Command, data: dict[str, Any], project: Path) -> int:
    """1 when a check found something broken (``models --test``) or a benchmark got not one answer from any model,
    so scripts and CI fail; else 0."""
    candidates = cast(list[dict[str, Any]], data.get("candidates") or [])
    if command.name == "benchmark" and candidates and all(c.get("failures") == c.get("runs") for c in candidates):
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
    failed = [t for t in cast(list[dict[str, Any]], data.get("tests") or []) if not t.get("ok")]
    if command.name == "models" and failed:
        roles = ", ".join(str(t.get("role")) for t in failed)
        print(
            f"error: {len(failed)} role(s) failed the test: {roles}. Fix the key or model shown above, or "
            "set another model with `taskmaster-mcp models --set-main/--set-fallback`.",
            file=sys.stderr,
        )
        return 1
    return 0


async def _siblings(tools: ToolSession, data: dict[str, Any], tag: str | None) -> dict[str, list[str]]:
    """For each subtask shown, its parent's subtask ids (so ``1`` in its dependencies can read ``7.1``)."""
    shown: list[dict[str, Any]] = [data["next"]] if data.get("next") else data.get("tasks") or []
    parents = sorted({str(item["id"]).split(".")[0] for item in shown if "." in str(item.get("id", ""))})
    if not parents:
        return {}
    found = await tools.call("get_task", {"id": ",".join(parents), "tag": tag})
    parents_found: list[dict[str, Any]] = found["tasks"]
    return {
        str(t["id"]): [str(s["id"]) for s in cast(list[dict[str, Any]], t.get("subtasks") or [])] for t in parents_found
    }


def _graph(args: argparse.Namespace, data: dict[str, Any]) -> dict[str, Any]:
    """The tag's dependency graph as Mermaid or DOT text, drawn from get_tasks' rows."""
    from taskmaster_mcp.tasks.diagrams import dot, mermaid

    tasks = [
        {**row, "subtasks": [{**s, "id": str(s["id"]).rsplit(".", 1)[-1]} for s in row.get("subtaskList", [])]}
        for row in data["tasks"]
    ]
    text = (dot if args.graph_format == "dot" else mermaid)(tasks, with_subtasks=args.subtasks)
    return {"tag": data["tag"], "format": args.graph_format, "graph": text}


def _for_people(data: dict[str, Any], project: Path) -> dict[str, Any]:
    """The result with its notes (written for agents) rewritten for a person."""
    return {
        k: messages.for_terminal(v, project) if k in ("note", "reason", "message") and isinstance(v, str) else v
        for k, v in data.items()
    }


def _render(
    command: Command, args: argparse.Namespace, out: Any, data: dict[str, Any], siblings: dict[str, list[str]]
) -> None:
    from taskmaster_mcp.cli import routing_views, views
    from taskmaster_mcp.cli.benchmark_view import benchmark_table

    view = command.view
    if view == "tasks":
        compact = args.compact or args.format == "compact"
        views.task_table(out, data, header=not (args.no_header or compact), compact=compact)
    elif view == "show":
        for task in data["tasks"]:
            views.task_detail(out, task, siblings.get(str(task["id"]).split(".")[0]))
        if data.get("notFound"):
            out.print(f"not found: {', '.join(data['notFound'])}")
    elif view == "next":
        out.print(data["reason"])
        if data.get("next"):
            views.task_detail(out, data["next"], siblings.get(str(data["next"]["id"]).split(".")[0]))
    elif view == "graph":
        sys.stdout.write(data["graph"])
    elif view == "tags":
        views.tags_table(out, data, metadata=args.show_metadata)
    else:
        renderers: dict[str, Callable[[Any, dict[str, Any]], None]] = {
            "message": views.message,
            "dependencies": views.dependency_report,
            "complexity": views.complexity_table,
            "generate": views.generated,
            "models": views.models_table,
            "usage": views.usage_table,
            "benchmark": benchmark_table,
            "route": routing_views.route_table,
            "pins": routing_views.pins,
        }
        renderers.get(view, views.summary)(out, data)
