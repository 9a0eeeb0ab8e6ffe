"""The shape of a command: its names, its flags, and the one tool call it makes; plus the argument types they share.

A command is a :class:`Command`: Task Master's name (with our short names as aliases), a function that adds its flags,
and a pure function from the parsed arguments to a :class:`ToolCall`, the tool an agent would call and the arguments
it would pass (Task Master's parameter names). Bad usage found after parsing (a missing id, neither ``--title`` nor
``--prompt``) raises :class:`Usage`, which exits 2 like argparse's own errors. Values are checked by the same rules the
tools apply (:mod:`taskmaster_mcp.tasks.model`), so a bad status or id is a usage error before any call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.tasks.model import LEGACY_STATUSES, STATUSES, parse_ref, parse_ref_list


class Usage(Exception):
    """The command line is wrong in a way argparse cannot see (exit 2); the message says what to type."""


class Cancelled(Exception):
    """The person answered no to a confirmation; nothing was changed."""


@dataclass(frozen=True)
class ToolCall:
    """One MCP tool call: the tool's name and the arguments given (None and False are left out: tool defaults)."""

    tool: str
    arguments: dict[str, Any]
    followups: tuple[ToolCall, ...] = ()


class Tools(Protocol):
    """What a command's gathering calls: a tool session, in process or over MCP (``cli.client``)."""

    async def call(self, tool: str, arguments: dict[str, Any], progress: Any = None) -> dict[str, Any]: ...

    async def run(self, planned: ToolCall, progress: Any = None) -> dict[str, Any]: ...


def tool_call(tool: str, arguments: dict[str, Any], *followups: ToolCall) -> ToolCall:
    """A ToolCall keeping only the arguments that were given."""
    return ToolCall(tool, {k: v for k, v in arguments.items() if v is not None and v is not False}, followups)


Ask = Callable[[str], str]
Extra = dict[str, Any]
"""What only the text view needs besides the result (``show``: each parent's subtask ids); --json prints none."""
Gather = Callable[["Tools", ToolCall, argparse.Namespace], Awaitable[tuple[dict[str, Any], Extra]]]
Render = Callable[[Any, argparse.Namespace, dict[str, Any], Extra], None]
ExitCode = Callable[[dict[str, Any], Path], int]
Run = Callable[[argparse.Namespace, Path, dict[str, str]], int]


async def one_call(tools: Tools, planned: ToolCall, args: argparse.Namespace) -> tuple[dict[str, Any], Extra]:
    """The default gathering: the planned call (and its follow-ups)."""
    return await tools.run(planned), {}


def summary(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """The default text view: :func:`taskmaster_mcp.cli.views.summary` (rich is imported when a command prints)."""
    from taskmaster_mcp.cli.views import summary as show

    show(out, data)


def succeeded(data: dict[str, Any], project: Path) -> int:
    """The default exit code: the tool answered, so 0."""
    return 0


@dataclass(frozen=True)
class Command:
    """A subcommand, with everything it does: adding a command is one row (and its functions); ``cli.main`` runs
    any row the same way and names none.

    - ``flags`` adds its arguments (run only when this command is parsed); ``call`` maps the parsed arguments to the
      tool call an agent would make. A command that calls no tool (init, serve, doctor) has ``run`` instead: it does
      the whole job and returns the exit code.
    - ``prepare`` runs before ``call`` when a person is at the terminal (``interactive``) or not: it asks for what
      the flags left out or for a confirmation (raising :class:`Cancelled` on no), or raises :class:`Usage`.
    - ``gather`` makes the calls (default: the planned one) and whatever the command does with the result before
      it prints (``graph`` draws it, ``research --save`` writes it); ``progress`` shows the tool's progress as a
      live bar (the AI commands).
    - ``render`` prints the result for a person (``--json`` prints it as it is); ``exit_code`` says 1 when the result
      is a failure scripts must see (``models --test``, a benchmark with no answer).
    """

    name: str
    help: str
    flags: Callable[[argparse.ArgumentParser], None]
    call: Callable[[argparse.Namespace], ToolCall] | None = None
    aliases: tuple[str, ...] = ()
    render: Render = summary
    prepare: Callable[[argparse.Namespace, Ask, bool], None] | None = None
    subcommands: tuple[Command, ...] = field(default=())
    run: Run | None = None
    gather: Gather = one_call
    exit_code: ExitCode = succeeded
    progress: bool = False


def is_interactive(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """Prompt only on a terminal, never in CI, with --yes or --json."""
    ci = env.get("CI", "").strip().lower() in ("1", "true", "yes")
    quiet = getattr(args, "yes", False) or getattr(args, "json", False)
    return not (ci or quiet) and sys.stdin.isatty() and sys.stdout.isatty()


def confirm(question: Callable[[argparse.Namespace], str | None]) -> Callable[[argparse.Namespace, Ask, bool], None]:
    """A prepare step asking ``question(args)`` on a terminal unless --yes/--force; off a terminal (scripts, CI)
    it does not ask, as a script could not answer. A None question (the target is missing) asks nothing: the
    command's own check then reports the usage error."""

    def prepare(args: argparse.Namespace, ask: Ask, interactive: bool) -> None:
        text = question(args)
        if text and interactive and not (getattr(args, "yes", False) or getattr(args, "force", False)):
            answer = ask(text + " [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                raise Cancelled

    return prepare


def common_options(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (``--json list`` and ``list --json`` both work)."""
    common = argparse.ArgumentParser(add_help=False)
    none: object = None if defaults else argparse.SUPPRESS
    flag: object = False if defaults else argparse.SUPPRESS
    common.add_argument("-C", "--project", default=none, help="project root (default: nearest with .taskmaster/)")
    common.add_argument("--tag", default=none, help="tag to use (default: the current tag)")
    common.add_argument("--json", action="store_true", default=flag, help="print machine-readable JSON")
    common.add_argument("--no-color", action="store_true", default=flag, help="no colour (also: NO_COLOR=1)")
    return common


# --- argument types: argparse turns their errors into "error: argument ...: <message>" and exit 2 ------------------


def _checked(check: Callable[[str], object]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        try:
            check(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc
        return text.strip()

    return convert


ids = _checked(parse_ref_list)
"""One id or a comma list: ``7``, ``7.2``, ``7,8,9.1``."""
one_id = _checked(parse_ref)
"""One task or subtask id."""


def status(text: str) -> str:
    """One status as the tools accept it."""
    if text not in STATUSES and text not in LEGACY_STATUSES:
        raise argparse.ArgumentTypeError(f"'{text}' is not a status; use one of: {', '.join(STATUSES)}")
    return text


def status_list(text: str) -> str:
    """A comma list of statuses, or ``all``."""
    for part in (p.strip() for p in text.split(",")):
        if part != "all":
            status(part)
    return text


def nonempty(text: str) -> str:
    """Text that is not blank (a title)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def count(text: str) -> int:
    """A whole number, zero or more."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
    return int(text)


def minutes(text: str) -> float:
    """A lease in minutes: a number above 0 (``0.5``, ``30``)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of minutes above 0")
    return value


def threshold(text: str) -> int:
    """A complexity score from 1 to 10 (Task Master reads it as a float; ``5.0`` is accepted)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.5
    if not value.is_integer() or not 1 <= value <= 10:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number from 1 to 10")
    return int(value)


def first(*values: str | None) -> str | None:
    """The first value given: a positional wins over its flag, as in Task Master."""
    return next((value for value in values if value is not None), None)


def required(*values: str | None, need: str) -> str:
    """The first value given; Usage with ``need`` (what to type) when there is none."""
    value = first(*values)
    if value is None:
        raise Usage(need)
    return value


def tasks_file(parser: argparse.ArgumentParser, short: bool = True) -> None:
    """Task Master's ``-f/--file``: the tasks.json to use, inside the project."""
    names = ("-f", "--file") if short else ("--file",)
    parser.add_argument(*names, dest="file", metavar="FILE", help="tasks.json path (default: the project's)")


def display(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    """The output options of Task Master's newer commands (list, show, next, set-status, generate)."""
    parser.add_argument("-f", "--format", choices=formats, help="output format (json = --json)")
    parser.add_argument("--silent", action="store_true", help="print nothing; the exit code says how it went")
    parser.add_argument("-p", dest="project", metavar="DIR", default=argparse.SUPPRESS, help="same as -C/--project")


def short_tag(parser: argparse.ArgumentParser) -> None:
    """``-t`` for ``--tag``, where Task Master has it."""
    parser.add_argument("-t", dest="tag", metavar="TAG", default=argparse.SUPPRESS, help="same as --tag")


def with_fresh(command: Command) -> Command:
    """``command`` with ``--fresh``: skip the response cache and ask the model again (the tool's ``fresh``)."""
    flags, call = command.flags, command.call
    if call is None:
        return command

    def add_flags(p: argparse.ArgumentParser) -> None:
        flags(p)
        p.add_argument("--fresh", action="store_true", help="skip the response cache: ask the model again")

    def fresh_call(a: argparse.Namespace) -> ToolCall:
        made = call(a)
        return replace(made, arguments={**made.arguments, "fresh": True}) if getattr(a, "fresh", False) else made

    return replace(command, flags=add_flags, call=fresh_call)
