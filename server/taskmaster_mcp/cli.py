"""Subcommands for people: init, list, show, next, set-status, doctor.

The task commands call the very same MCP tools through the SDK's in-memory client, so the terminal and the agent
always agree. ``--json`` prints the tool's structured result. Exit codes: 0 success, 1 the command failed (the
message says why and what to do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  taskmaster-mcp                      serve MCP over stdio (what editors run)
  taskmaster-mcp init                 create .taskmaster/ in the current directory
  taskmaster-mcp list --status pending
  taskmaster-mcp show 7.2
  taskmaster-mcp next
  taskmaster-mcp set-status 7 done
  taskmaster-mcp doctor               check that an editor can start the server here
"""


class CommandFailed(Exception):
    """A tool returned an error; its message is for the user."""


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (``--json list`` and ``list --json`` both work)."""
    common = argparse.ArgumentParser(add_help=False)
    none: object = None if defaults else argparse.SUPPRESS
    common.add_argument("-C", "--project", default=none, help="project root (default: nearest with .taskmaster/)")
    common.add_argument("--tag", default=none, help="tag to use (default: the current tag)")
    common.add_argument("--json", action="store_true", default=False if defaults else argparse.SUPPRESS,
                        help="print machine-readable JSON")
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskmaster-mcp", description="Task Master-compatible MCP server and CLI.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     parents=[_common(True)])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = [_common(False)]
    sub.add_parser("serve", help="serve MCP over stdio", parents=common)
    init = sub.add_parser("init", help="create the .taskmaster/ skeleton", parents=common)
    init.add_argument("--name", help="project name (default: folder name)")
    listing = sub.add_parser("list", help="list tasks", parents=common)
    listing.add_argument("--status", help="comma list of statuses, or all")
    listing.add_argument("--with-subtasks", action="store_true")
    show = sub.add_parser("show", help="show tasks by id", parents=common)
    show.add_argument("id")
    sub.add_parser("next", help="show the next task to work on", parents=common)
    status = sub.add_parser("set-status", help="set a task's status", parents=common)
    status.add_argument("id")
    status.add_argument("status")
    sub.add_parser("doctor", help="start the server as an editor would and report what it finds", parents=common)
    return parser


def run(argv: list[str]) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command in (None, "serve"):
        from .__main__ import serve_stdio

        return serve_stdio()
    try:
        if args.command == "init":
            return _init(args)
        if args.command == "doctor":
            from .doctor import run_doctor

            return asyncio.run(run_doctor(Path(args.project or os.getcwd()), as_json=args.json))
        return asyncio.run(_task_command(args))
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _init(args: argparse.Namespace) -> int:
    from .init import initialize

    root = Path(args.project or os.getcwd()).resolve()
    result = initialize(root, args.name)
    if args.json:
        print(json.dumps({"projectRoot": str(root), "created": result.created, "kept": result.kept}))
        return 0
    print(f"Project: {root}")
    for path in result.created:
        print(f"  created  {path}")
    for path in result.kept:
        print(f"  kept     {path}")
    print("Next: write your PRD to .taskmaster/docs/prd.txt, then point your editor at `taskmaster-mcp`.")
    return 0


async def call(tool: str, arguments: dict[str, Any], project: str | None) -> dict[str, Any]:
    """Call one tool through the in-memory MCP client; raise CommandFailed with its message on error."""
    from mcp import Client

    from .app import build_app

    cwd = Path(project).resolve() if project else Path.cwd()
    env = dict(os.environ)
    async with Client(build_app(env=env, cwd=cwd, profile="all")) as client:
        result = await client.call_tool(tool, {k: v for k, v in arguments.items() if v is not None})
    text = result.content[0].text if result.content and hasattr(result.content[0], "text") else ""  # type: ignore
    if result.is_error:
        raise CommandFailed(str(text).removeprefix(f"Error executing tool {tool}: "))
    return dict(result.structured_content or {})


async def _task_command(args: argparse.Namespace) -> int:
    common: dict[str, Any] = {"tag": args.tag}
    if args.command == "list":
        data = await call("get_tasks", {**common, "status": args.status, "withSubtasks": args.with_subtasks,
                                        "limit": 500}, args.project)
        return _emit(args, data, _render_list)
    if args.command == "show":
        data = await call("get_task", {**common, "id": args.id}, args.project)
        return _emit(args, data, _render_show)
    if args.command == "next":
        data = await call("next_task", common, args.project)
        return _emit(args, data, _render_next)
    if args.command == "set-status":
        data = await call("set_task_status", {**common, "id": args.id, "status": args.status}, args.project)
        return _emit(args, data, lambda d: [d["message"]])
    raise CommandFailed(f"unknown command {args.command}")


def _emit(args: argparse.Namespace, data: dict[str, Any], render: Any) -> int:
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print("\n".join(render(data)))
    return 0


def _render_list(data: dict[str, Any]) -> list[str]:
    stats = data["stats"]
    lines = [f"Tag {data['tag']}: {stats['tasks']} tasks, {stats['percentDone']}% done, "
             f"subtasks {stats['subtasksDone']}/{stats['subtasks']}"]
    for row in data["tasks"]:
        deps = ",".join(str(d) for d in row.get("dependencies", []))
        subs = f" [{row['subtasks']}]" if "subtasks" in row else ""
        lines.append(f"{row['id']!s:>5}  {row.get('status', ''):<11} {row.get('priority', ''):<8} "
                     f"{row.get('title', '')}{subs}{'  <- ' + deps if deps else ''}")
        for sub in row.get("subtaskList", []):
            lines.append(f"{sub['id']!s:>9}  {sub.get('status', ''):<11} {sub.get('title', '')}")
    if data.get("note"):
        lines.append(data["note"])
    return lines


def _render_task(task: dict[str, Any]) -> list[str]:
    lines = [f"{task['id']}: {task.get('title', '')}  [{task.get('status', 'pending')}]"]
    for name in ("priority", "dependencies", "blockedBy", "description", "details", "testStrategy"):
        value = task.get(name)
        if value not in (None, "", []):
            lines.append(f"  {name}: {value}")
    for sub in task.get("subtasks", []) or []:
        lines.append(f"    {task['id']}.{sub.get('id')}  {sub.get('status', ''):<11} {sub.get('title', '')}")
    return lines


def _render_show(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for task in data["tasks"]:
        lines += _render_task(task)
    if data.get("notFound"):
        lines.append(f"not found: {', '.join(data['notFound'])}")
    return lines


def _render_next(data: dict[str, Any]) -> list[str]:
    if not data.get("next"):
        return [data["reason"]]
    return [data["reason"], *_render_task(data["next"])]
