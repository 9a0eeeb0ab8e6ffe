"""``taskmaster-mcp <command>``: run a command for a person, with Task Master's commands and flags.

The commands live in tables (``commands``, ``ai_commands``, ``project_commands``, ..., assembled by ``parser``); each
row (:class:`~taskmaster_mcp.cli.spec.Command`) carries what the command does: the tool call it plans, the calls
and work its view needs, its text view and its exit code, or for a command that calls no tool, its whole run. This
module runs any row the same way and names none. The tool calls go to the very tool functions the MCP server runs,
in this process (``client``), so the terminal and the agent always agree. AI commands show the tool's progress as a
live bar and end with a usage line (tokens, cost) from the result's ``usage`` block. ``--json`` prints the tool's
structured result. A tool's error is rewritten for a person (``messages``), and everything printed as text has its
terminal control sequences made visible (``sanitize``).

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskmaster_mcp.cli import messages
from taskmaster_mcp.cli.client import CommandFailed, call, session
from taskmaster_mcp.cli.init_command import ask_missing
from taskmaster_mcp.cli.parser import build
from taskmaster_mcp.cli.sanitize import visible, visible_data
from taskmaster_mcp.cli.spec import Cancelled, Command, Usage, is_interactive

__all__ = ["CommandFailed", "ask_missing", "call", "is_interactive", "run"]


def run(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code. ``env`` defaults to ``os.environ``."""
    try:
        args = build().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    environment = dict(os.environ if env is None else env)
    command: Command | None = args.spec
    if command is None:
        from taskmaster_mcp.mcp_server.stdio import serve_stdio

        return serve_stdio()
    project = Path(args.project or os.getcwd()).resolve()
    try:
        return _run(command, args, project, environment)
    except Usage as exc:
        print(f"error: {visible(str(exc))}\n(see `taskmaster-mcp {command.name} --help`)", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        text = str(exc)
        code = 2 if messages.is_usage(text) else exc.exit_code
        print(f"error: {visible(messages.for_terminal(text, project))}", file=sys.stderr)
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
    if command.run is not None:
        return command.run(args, project, env)
    if command.call is None:  # a family of subcommands (autopilot) named without one
        actions = ", ".join(c.name.split()[-1] for c in command.subcommands)
        raise Usage(f"say what to do: `taskmaster-mcp {command.name} <{actions.replace(', ', '|')}>`")
    if command.prepare is not None:
        command.prepare(args, input, is_interactive(args, env))
    return asyncio.run(_tool_command(command, args, project, env))


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json) or getattr(args, "format", None) == "json"


async def _tool_command(command: Command, args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    """Plan the call, make it (and any the view needs) in one session, then print the result."""
    assert command.call is not None, command.name
    planned = command.call(args)
    async with session(args.project, env) as tools:
        if command.progress:
            from taskmaster_mcp.cli.views import consoles, live_progress

            with live_progress(consoles(_no_color(args))[1], planned.tool) as tools.progress:
                data, extra = await command.gather(tools, planned, args)
        else:
            data, extra = await command.gather(tools, planned, args)
    if getattr(args, "silent", False):
        return command.exit_code(data, project)
    if _wants_json(args):
        print(json.dumps(data, ensure_ascii=False))
    else:
        from taskmaster_mcp.cli.views import consoles, usage_line

        out, err = consoles(_no_color(args))
        command.render(out, args, _for_people(data, project), visible_data(extra))
        line = usage_line(visible_data(data.get("usage")))
        if line:
            err.print(f"[dim]{line}[/]")
    return command.exit_code(data, project)


def _no_color(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "no_color", False))


def _for_people(data: dict[str, Any], project: Path) -> dict[str, Any]:
    """The result with its notes (written for agents) rewritten for a person, and every control sequence shown
    instead of obeyed."""
    rewritten = {
        k: messages.for_terminal(v, project)
        if k in ("note", "reason", "message", "nextSteps") and isinstance(v, str)
        else v
        for k, v in data.items()
    }
    return visible_data(rewritten)
