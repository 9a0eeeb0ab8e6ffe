"""The command line as argparse sees it, assembled from the command tables, and the argv -> tool call mapping.

Every command is a :class:`~taskmaster_mcp.cli.spec.Command` in one of the tables (``commands``, ``tag_commands``,
``ai_commands``, ``project_commands``); this module only puts them under one parser. :func:`plan` is the whole
mapping from what a person types to the tool an agent would call, without calling it, so it is tested directly.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, cast

from taskmaster_mcp import __version__
from taskmaster_mcp.cli import (
    ai_commands,
    commands,
    dependency_commands,
    project_commands,
    routing_commands,
    tag_commands,
)
from taskmaster_mcp.cli.spec import Command, ToolCall, common_options

EXAMPLES = """examples:
  taskmaster-mcp                          serve MCP over stdio (what editors run)
  taskmaster-mcp init --editor cursor     create .taskmaster/ and add the server to Cursor
  taskmaster-mcp list --status pending    the task table (--json for scripts; also --ready, --all-tags)
  taskmaster-mcp next                     what to work on now
  taskmaster-mcp set-status 7 done        (Task Master's spelling works too: set-status --id 7 --status done)
  taskmaster-mcp add --title "Login page" --priority high --dependencies 3,4
  taskmaster-mcp graph > deps.mmd         Mermaid (or --format dot) dependency graph
  taskmaster-mcp parse-prd docs/prd.md --num-tasks 12
  taskmaster-mcp expand 7 --num 5         (or: expand --all)
  taskmaster-mcp models --set-main gpt-4o
  taskmaster-mcp usage --since 2026-01-01
  taskmaster-mcp serve --http 8765        share one project over Streamable HTTP
  taskmaster-mcp doctor --ping            check the setup and call each model once

Task Master's commands and flags are accepted as they are (task-master add-task ... = taskmaster-mcp add-task ...).
exit codes: 0 ok, 1 the command failed (stderr says why), 2 bad usage
"""

TABLES: tuple[tuple[Command, ...], ...] = (
    commands.COMMANDS,
    dependency_commands.COMMANDS,
    tag_commands.COMMANDS,
    ai_commands.COMMANDS,
    project_commands.COMMANDS,
    routing_commands.COMMANDS,
)


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: its flags and positionals in any order (``update-task 5 --append "words"``), and a
    flag it does not know is reported with this subcommand's usage, not the top-level one.

    A command's flags are added when that command is parsed (or its help shown), not when the parser is built: a
    run pays only for its own command's flags (``models`` reads the provider list, ``init`` the editors)."""

    _intermixing = False
    _flags: Callable[[argparse.ArgumentParser], None] | None = None

    def add_flags_later(self, flags: Callable[[argparse.ArgumentParser], None]) -> None:
        self._flags = flags

    def _ready(self) -> None:
        flags, self._flags = self._flags, None
        if flags is not None:
            flags(self)

    def format_usage(self) -> str:
        self._ready()
        return super().format_usage()

    def format_help(self) -> str:
        self._ready()
        return super().format_help()

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._ready()
        if self._intermixing or self._subparsers is not None:  # a family (tags, autopilot) dispatches as usual
            parsed, extras = super().parse_known_args(args, namespace)
        else:
            self._intermixing = True
            try:
                parsed, extras = self.parse_known_intermixed_args(args, namespace)
            finally:
                self._intermixing = False
        if extras and not self._intermixing:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return cast(argparse.Namespace, parsed), extras


def _add(
    sub: Any,  # argparse's _SubParsersAction[CommandParser], whose add_parser types its parents as that class too
    command: Command,
    common: list[argparse.ArgumentParser],
) -> None:
    parser: CommandParser = sub.add_parser(
        command.name.split()[-1],
        aliases=list(command.aliases),
        help=command.help,
        description=command.help,
        parents=common,
    )
    parser.set_defaults(spec=command)
    if not command.subcommands:
        parser.add_flags_later(command.flags)
    else:  # a family's own flags come before its actions'
        command.flags(parser)
    if command.subcommands:
        nested = parser.add_subparsers(metavar="ACTION", title="actions", parser_class=CommandParser)
        for child in command.subcommands:
            _add(nested, child, common)


def build() -> argparse.ArgumentParser:
    """The ``taskmaster-mcp`` parser: every command of every table, with the common options before or after."""
    parser = argparse.ArgumentParser(
        prog="taskmaster-mcp",
        description="Task Master-compatible MCP server and CLI.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common_options(True)],
    )
    # `uvx --from ... taskmaster-mcp --version` / `pipx` users check an install with it (README "Install").
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(spec=None)
    sub = parser.add_subparsers(metavar="COMMAND", parser_class=CommandParser)
    common = [common_options(False)]
    for table in TABLES:
        for command in table:
            _add(sub, command, common)
    return parser


def plan(argv: list[str]) -> ToolCall:
    """The tool call ``taskmaster-mcp <argv>`` makes (its first, for commands that make several); Usage or
    SystemExit (from argparse) on bad usage, LookupError for a command that calls no tool."""
    args = build().parse_args(argv)
    command: Command | None = args.spec
    if command is None or command.call is None:
        raise LookupError(f"{argv[0] if argv else '(none)'} calls no tool")
    return command.call(args)
