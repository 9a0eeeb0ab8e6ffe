"""Dependency commands, with Task Master's names and flags: add, remove, validate and fix dependencies."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from taskmaster_mcp.cli.outputs import render_dependencies, render_message
from taskmaster_mcp.cli.spec import Command, ToolCall, one_id, required, tasks_file, tool_call


def _dependency_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id_pos", nargs="?", metavar="ID", type=one_id, help="the task (or subtask) that depends")
    p.add_argument("on_pos", nargs="?", metavar="DEPENDS_ON", type=one_id, help="the task it depends on")
    p.add_argument("-i", "--id", type=one_id, help="same as ID")
    p.add_argument("-d", "--depends-on", type=one_id, help="same as DEPENDS_ON")
    tasks_file(p)


def _dependency(tool: str, command: str) -> Callable[[argparse.Namespace], ToolCall]:
    def to_call(a: argparse.Namespace) -> ToolCall:
        need = f"give both ids: `taskmaster-mcp {command} 8 4` (or --id 8 --depends-on 4)"
        return tool_call(
            tool,
            {
                "id": required(a.id_pos, a.id, need=need),
                "dependsOn": required(a.on_pos, a.depends_on, need=need),
                "tag": a.tag,
                "file": a.file,
            },
        )

    return to_call


def _file_only(tool: str) -> Callable[[argparse.Namespace], ToolCall]:
    return lambda a: tool_call(tool, {"tag": a.tag, "file": a.file})


COMMANDS: tuple[Command, ...] = (
    Command(
        "add-dependency",
        "make a task depend on another",
        _dependency_flags,
        _dependency("add_dependency", "add-dependency"),
        render=render_message,
    ),
    Command(
        "remove-dependency",
        "remove a dependency",
        _dependency_flags,
        _dependency("remove_dependency", "remove-dependency"),
        render=render_message,
    ),
    Command(
        "validate-dependencies",
        "report broken dependencies",
        tasks_file,
        _file_only("validate_dependencies"),
        render=render_dependencies,
    ),
    Command(
        "fix-dependencies",
        "remove broken dependencies",
        tasks_file,
        _file_only("fix_dependencies"),
        render=render_dependencies,
    ),
)
