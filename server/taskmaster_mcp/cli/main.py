"""Subcommands for people: tasks, AI commands for those without an agent, models and usage, init, doctor, serve.

Every task and AI command calls the very same MCP tool an agent would, through the SDK's in-memory client, so the
terminal and the agent always agree; AI commands show the tool's progress notifications as a live bar and end with
a usage line (tokens, cost) from the result's ``usage`` block. ``--json`` prints the tool's structured result.
Exit codes: 0 success, 1 the command failed (stderr says why and what to do), 2 bad usage.
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

EXAMPLES = """examples:
  taskmaster-mcp                          serve MCP over stdio (what editors run)
  taskmaster-mcp init --editor cursor     create .taskmaster/ and add the server to Cursor
  taskmaster-mcp list --status pending    the task table (--json for scripts)
  taskmaster-mcp next                     what to work on now
  taskmaster-mcp set-status 7 done
  taskmaster-mcp add --title "Login page" --priority high --dependencies 3,4
  taskmaster-mcp graph > deps.mmd         Mermaid (or --format dot) dependency graph
  taskmaster-mcp parse-prd docs/prd.md --num-tasks 12
  taskmaster-mcp expand 7 --num 5         (or: expand --all)
  taskmaster-mcp models --set-main gpt-4o
  taskmaster-mcp usage --since 2026-01-01
  taskmaster-mcp serve --http 8765        share one project over Streamable HTTP
  taskmaster-mcp doctor --ping            check the setup and call each model once

exit codes: 0 ok, 1 the command failed (stderr says why), 2 bad usage
"""

EDITOR_NAMES = ("cursor", "windsurf", "claude-desktop", "vscode", "claude-code", "zed")


class CommandFailed(Exception):
    """A tool returned an error (or is not available); its message is for the user."""


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (``--json list`` and ``list --json`` both work)."""
    common = argparse.ArgumentParser(add_help=False)
    none: object = None if defaults else argparse.SUPPRESS
    flag: object = False if defaults else argparse.SUPPRESS
    common.add_argument("-C", "--project", default=none, help="project root (default: nearest with .taskmaster/)")
    common.add_argument("--tag", default=none, help="tag to use (default: the current tag)")
    common.add_argument("--json", action="store_true", default=flag, help="print machine-readable JSON")
    common.add_argument("--no-color", action="store_true", default=flag, help="no colour (also: NO_COLOR=1)")
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskmaster-mcp", description="Task Master-compatible MCP server and CLI.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     parents=[_common(True)])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    c = [_common(False)]
    serve = sub.add_parser("serve", help="serve MCP over stdio, or Streamable HTTP with --http", parents=c)
    serve.add_argument("--http", metavar="[HOST:]PORT", help="serve http://HOST:PORT/mcp (default host 127.0.0.1)")
    init = sub.add_parser("init", help="create .taskmaster/ and configure editors", parents=c)
    init.add_argument("--name", help="project name (default: folder name)")
    init.add_argument("--editor", action="append", choices=EDITOR_NAMES, default=[],
                      help="add the server and agent rules to this editor (repeatable)")
    init.add_argument("--keys", metavar="PROVIDERS", help="comma list of providers whose key variables go in the "
                      "editor's env block (default: the configured roles' providers)")
    init.add_argument("-y", "--yes", action="store_true", help="never prompt (also without a terminal or CI=true)")
    listing = sub.add_parser("list", help="the task table with status and progress", parents=c)
    listing.add_argument("--status", help="comma list of statuses, or all")
    listing.add_argument("--with-subtasks", action="store_true")
    sub.add_parser("show", help="show tasks by id", parents=c).add_argument("id")
    sub.add_parser("next", help="show the next task to work on", parents=c)
    status = sub.add_parser("set-status", help="set a task's status", parents=c)
    status.add_argument("id")
    status.add_argument("status")
    add = sub.add_parser("add", help="add a task (from fields, or from --prompt with AI)", parents=c)
    add.add_argument("--title")
    add.add_argument("--description")
    add.add_argument("--details")
    add.add_argument("--test-strategy")
    add.add_argument("--priority", choices=("high", "medium", "low"))
    add.add_argument("--dependencies", help="comma list of ids")
    add.add_argument("--prompt", help="describe the task; the main model drafts it")
    add.add_argument("--research", action="store_true")
    graph = sub.add_parser("graph", help="dependency graph as Mermaid or DOT text", parents=c)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument("--subtasks", action="store_true", help="include subtasks")
    prd = sub.add_parser("parse-prd", help="AI: turn a PRD into tasks", parents=c)
    prd.add_argument("input", nargs="?", help="PRD file (default .taskmaster/docs/prd.txt)")
    prd.add_argument("--num-tasks", type=int)
    prd.add_argument("--append", action="store_true")
    prd.add_argument("--force", action="store_true")
    prd.add_argument("--research", action="store_true")
    expand = sub.add_parser("expand", help="AI: split a task (or --all) into subtasks", parents=c)
    expand.add_argument("id", nargs="?")
    expand.add_argument("--all", action="store_true", help="expand every pending task")
    expand.add_argument("--num", type=int, help="number of subtasks")
    expand.add_argument("--prompt", help="extra context for the model")
    expand.add_argument("--force", action="store_true", help="replace existing subtasks")
    expand.add_argument("--research", action="store_true")
    analyze = sub.add_parser("analyze", help="AI: score task complexity (writes the report)", parents=c)
    analyze.add_argument("--threshold", type=int)
    analyze.add_argument("--ids", help="comma list of ids")
    analyze.add_argument("--research", action="store_true")
    research = sub.add_parser("research", help="AI: ask the research model, with project context", parents=c)
    research.add_argument("query")
    research.add_argument("--ids", help="task ids to include as context")
    research.add_argument("--files", help="comma list of files to include")
    research.add_argument("--save-to", help="append the answer to this task or subtask")
    research.add_argument("--detail", choices=("low", "medium", "high"))
    review = sub.add_parser("review", help="AI: review a task's implementation (git diff) against the task",
                            parents=c)
    review.add_argument("id")
    review.add_argument("--base", help="git ref to diff against (default HEAD)")
    review.add_argument("--paths", help="limit to these paths (comma list)")
    review.add_argument("--second-opinion", action="store_true", help="also ask a second model")
    review.add_argument("--apply", action="store_true", help="set the status, add follow-ups and a note")
    models = sub.add_parser("models", help="show or set the models of each role", parents=c)
    models.add_argument("--set-main")
    models.add_argument("--set-research")
    models.add_argument("--set-fallback")
    models.add_argument("--provider", help="provider hint for a custom model (openrouter, ollama, lmstudio...)")
    models.add_argument("--base-url")
    models.add_argument("--list", action="store_true", help="list available models")
    models.add_argument("--test", action="store_true", help="ping each role's model")
    usage = sub.add_parser("usage", help="AI usage and cost by role and model", parents=c)
    usage.add_argument("--since", metavar="YYYY-MM-DD")
    doctor = sub.add_parser("doctor", help="check editors, project, keys; start the server as an editor would",
                            parents=c)
    doctor.add_argument("--ping", action="store_true", help="also call each configured model once")
    return parser


def run(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code. ``env`` defaults to ``os.environ``."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    environment = dict(os.environ if env is None else env)
    if args.command in (None, "serve") and not getattr(args, "http", None):
        from taskmaster_mcp.mcp_server.stdio import serve_stdio

        return serve_stdio()
    project = Path(args.project or os.getcwd()).resolve()
    if args.command == "serve":
        from taskmaster_mcp.mcp_server.http import serve_http

        if args.project:
            environment.setdefault("TASK_MASTER_PROJECT_ROOT", str(project))
        return serve_http(args.http, environment, project)
    if args.command == "expand" and not (args.id or args.all):
        print("error: give a task id or --all (e.g. `taskmaster-mcp expand 7`)", file=sys.stderr)
        return 2
    try:
        if args.command == "init":
            return _init(args, project, environment)
        if args.command == "doctor":
            from taskmaster_mcp.cli.doctor import run_doctor

            return asyncio.run(run_doctor(project, as_json=args.json, ping=args.ping, env=environment))
        return asyncio.run(_task_command(args, environment))
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# --- init --------------------------------------------------------------------------------------------------------

def is_interactive(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """Prompt only on a terminal, never in CI, with --yes or --json."""
    ci = env.get("CI", "").strip().lower() in ("1", "true", "yes")
    return not (ci or args.yes or args.json) and sys.stdin.isatty() and sys.stdout.isatty()


def ask_missing(args: argparse.Namespace, project: Path, ask: Callable[[str], str] = input) -> None:
    """Fill in what the flags did not say by asking: project name, editors, providers whose keys to pass."""
    detected = [n for n, marker in (("cursor", ".cursor"), ("vscode", ".vscode"), ("claude-code", ".mcp.json"),
                                    ("claude-code", "CLAUDE.md")) if (project / marker).exists()]
    if args.name is None:
        args.name = ask(f"Project name [{project.name}]: ").strip() or None
    if not args.editor:
        hint = ",".join(dict.fromkeys(detected)) or "none"
        answer = ask(f"Editors to configure ({', '.join(EDITOR_NAMES)}; comma list) [{hint}]: ").strip()
        chosen = answer or ("" if hint == "none" else hint)
        args.editor = [e.strip() for e in chosen.split(",") if e.strip() and e.strip() != "none"]
        unknown = [e for e in args.editor if e not in EDITOR_NAMES]
        if unknown:
            raise CommandFailed(f"unknown editor(s) {', '.join(unknown)}; choose from {', '.join(EDITOR_NAMES)}")
    if args.editor and args.keys is None:
        from taskmaster_mcp.setup.skeleton import role_providers

        default = ",".join(role_providers(project)) if (project / ".taskmaster").is_dir() else "anthropic,perplexity"
        args.keys = ask(f"Providers whose API keys the editor should pass [{default}]: ").strip() or default


def _init(args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    from taskmaster_mcp.errors import TaskmasterError
    from taskmaster_mcp.setup.skeleton import initialize, setup_editors

    if is_interactive(args, env):
        ask_missing(args, project)
    result = initialize(project, args.name)
    try:
        providers = [p.strip() for p in args.keys.split(",") if p.strip()] if args.keys else None
        editors = setup_editors(project, args.editor, providers=providers, env=env) if args.editor else []
    except TaskmasterError as exc:
        raise CommandFailed(str(exc)) from exc
    failed = [e for e in editors if e.get("error")]
    if args.json:
        print(json.dumps({"projectRoot": str(project), "created": result.created, "kept": result.kept,
                          "editors": editors}))
        return 1 if failed else 0
    out, err = _consoles(args)
    out.print(f"Project: {project}")
    for path in result.created:
        out.print(f"  [green]created[/]  {path}")
    for path in result.kept:
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
    out.print("Next: write your PRD to .taskmaster/docs/prd.txt, then `taskmaster-mcp parse-prd` or ask your agent "
              "to call parse_prd. `taskmaster-mcp doctor` checks the setup.", soft_wrap=True)
    return 1 if failed else 0


# --- calling tools -----------------------------------------------------------------------------------------------

def _consoles(args: argparse.Namespace) -> tuple[Any, Any]:
    from taskmaster_mcp.cli.views import consoles

    return consoles(bool(getattr(args, "no_color", False)))


async def call(tool: str, arguments: dict[str, Any], project: str | None, *, env: Mapping[str, str] | None = None,
               progress: Any = None) -> dict[str, Any]:
    """Call one tool through the in-memory MCP client; raise CommandFailed with its message on error, or when this
    server has no such tool (or the tool takes no such parameter)."""
    from mcp import Client

    from taskmaster_mcp.mcp_server.app import build_app

    cwd = Path(project).resolve() if project else Path.cwd()
    given = {k: v for k, v in arguments.items() if v is not None and v is not False}
    async with Client(build_app(env=dict(os.environ if env is None else env), cwd=cwd, profile="all")) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        problem = None if tool in tools else f"tool {tool} is not available in this version of taskmaster-mcp"
        if problem is None:
            accepted = set((tools[tool].input_schema or {}).get("properties", {})) | {"file"}
            unknown = sorted(set(given) - accepted)
            problem = f"tool {tool} does not take {', '.join(unknown)} in this version" if unknown else None
        result = None if problem else await client.call_tool(tool, given, progress_callback=progress)
    if result is None:  # raised out here: inside the client's task group it would arrive wrapped in a group
        raise CommandFailed(str(problem))
    text = str(getattr(result.content[0], "text", "")) if result.content else ""
    if result.is_error:
        raise CommandFailed(str(text).removeprefix(f"Error executing tool {tool}: "))
    return dict(result.structured_content or {})


def _ai_arguments(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The tool and its arguments for an AI command."""
    if args.command == "parse-prd":
        return "parse_prd", {"input": args.input, "numTasks": args.num_tasks, "append": args.append,
                             "force": args.force, "research": args.research}
    if args.command == "expand":
        common = {"num": args.num, "prompt": args.prompt, "force": args.force, "research": args.research}
        return ("expand_all", common) if args.all else ("expand_task", {"id": args.id, **common})
    if args.command == "analyze":
        return "analyze_project_complexity", {"threshold": args.threshold, "ids": args.ids, "research": args.research}
    if args.command == "research":
        return "research", {"query": args.query, "taskIds": args.ids, "filePaths": args.files,
                            "saveTo": args.save_to, "detailLevel": args.detail}
    return "review", {"id": args.id, "base": args.base, "paths": args.paths, "secondOpinion": args.second_opinion,
                      "apply": args.apply}


async def _task_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    tag: dict[str, Any] = {"tag": args.tag}
    project = args.project

    async def plain(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return await call(tool, arguments, project, env=env)

    cmd = args.command
    if cmd == "list":
        data = await plain("get_tasks", {**tag, "status": args.status, "withSubtasks": args.with_subtasks,
                                         "limit": 500})
        return _emit(args, data, lambda out, d: _views().task_table(out, d))
    if cmd == "show":
        return _emit(args, await plain("get_task", {**tag, "id": args.id}), _show)
    if cmd == "next":
        return _emit(args, await plain("next_task", tag), _next)
    if cmd == "set-status":
        data = await plain("set_task_status", {**tag, "id": args.id, "status": args.status})
        return _emit(args, data, lambda out, d: out.print(d["message"]))
    if cmd == "graph":
        return await _graph(args, env)
    if cmd == "models":
        data = await plain("models", {"setMain": args.set_main, "setResearch": args.set_research,
                                      "setFallback": args.set_fallback, "provider": args.provider,
                                      "baseURL": args.base_url, "listAvailableModels": args.list,
                                      "test": args.test})
        code = _emit(args, data, lambda out, d: _views().models_table(out, d))
        failed = [t for t in cast(list[dict[str, Any]], data.get("tests") or []) if not t.get("ok")]
        if failed:  # a check that found broken roles must fail scripts and CI, not print and exit 0
            roles = ", ".join(str(t.get("role")) for t in failed)
            print(f"error: {len(failed)} role(s) failed the test: {roles}. Fix the key or model shown above, or "
                  "set another model with `taskmaster-mcp models --set-main/--set-fallback`.", file=sys.stderr)
            return 1
        return code
    if cmd == "usage":
        data = await plain("usage_report", {"since": args.since})
        return _emit(args, data, lambda out, d: _views().usage_table(out, d))
    if cmd == "add":
        if not (args.title or args.prompt):
            raise CommandFailed("give --title (and other fields) or --prompt")
        tool, arguments = "add_task", {**tag, "title": args.title, "description": args.description,
                                       "details": args.details, "testStrategy": args.test_strategy,
                                       "priority": args.priority, "dependencies": args.dependencies,
                                       "prompt": args.prompt, "research": args.research}
    else:
        tool, arguments = _ai_arguments(args)
        arguments = {**tag, **arguments}
    return await _ai_call(args, tool, arguments, env)


async def _ai_call(args: argparse.Namespace, tool: str, arguments: dict[str, Any], env: Mapping[str, str]) -> int:
    """An AI (or possibly AI) command: live progress on stderr, the result, then the usage line."""
    views = _views()
    out, err = _consoles(args)
    with views.live_progress(err, tool) as on_progress:
        data = await call(tool, arguments, args.project, env=env, progress=on_progress)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    _summary(out, data)
    line = views.usage_line(data.get("usage"))
    if line:
        err.print(f"[dim]{line}[/]")
    return 0


def _summary(out: Any, data: dict[str, Any]) -> None:
    """A readable account of an AI tool's result, whatever its exact shape."""
    views = _views()
    if isinstance(data.get("message"), str):
        out.print(data["message"])
    for name in ("created", "subtasks", "tasks", "added"):
        items = data.get(name)
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in cast(list[Any], items)):
            for item in cast(list[dict[str, Any]], items):
                line = views.Text(f"  {item.get('id', '')}  ")  # pyright: ignore[reportUnknownMemberType]
                line.append_text(views.status_text(str(item.get("status", "pending"))))  # pyright: ignore
                line.append(f"  {item.get('title', '')}")  # pyright: ignore[reportUnknownMemberType]
                out.print(line)
    if isinstance(data.get("task"), dict):
        views.task_detail(out, data["task"])
    for name in ("answer", "summary", "review", "report"):
        value = data.get(name)
        if isinstance(value, str) and value:
            out.print(value)
    if data.get("note"):
        out.print(data["note"])


async def _graph(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """The dependency graph of the tag, read through the same server (tasks via get_tasks with subtasks)."""
    from taskmaster_mcp.tasks.diagrams import dot, mermaid

    data = await call("get_tasks", {"tag": args.tag, "withSubtasks": True, "limit": 500},
                   args.project, env=env)
    tasks = [{**row, "subtasks": [{**s, "id": str(s["id"]).rsplit(".", 1)[-1]} for s in row.get("subtaskList", [])]}
             for row in data["tasks"]]
    text = (dot if args.format == "dot" else mermaid)(tasks, with_subtasks=args.subtasks)
    if args.json:
        print(json.dumps({"tag": data["tag"], "format": args.format, "graph": text}))
    else:
        sys.stdout.write(text)
    return 0


def _views() -> Any:
    from taskmaster_mcp.cli import views as cli_views

    return cli_views


def _emit(args: argparse.Namespace, data: dict[str, Any], render: Callable[[Any, dict[str, Any]], None]) -> int:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        out, _ = _consoles(args)
        render(out, data)
    return 0


def _show(out: Any, data: dict[str, Any]) -> None:
    for task in data["tasks"]:
        _views().task_detail(out, task)
    if data.get("notFound"):
        out.print(f"not found: {', '.join(data['notFound'])}")


def _next(out: Any, data: dict[str, Any]) -> None:
    out.print(data["reason"])
    if data.get("next"):
        _views().task_detail(out, data["next"])
