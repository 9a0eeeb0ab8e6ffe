"""Routing commands: ``route`` (dry run), ``set-model`` (pin tasks to a role), ``assign-models`` (proposed pins).

Each calls its tool (``route``, ``set_task_model``, ``assign_models``); their text views are in ``routing_views``."""

from __future__ import annotations

import argparse

from taskmaster_mcp.cli.outputs import render_pins, render_route
from taskmaster_mcp.cli.spec import Command, ToolCall, tool_call


def _set_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="task id, or a comma list")
    p.add_argument("role", metavar="ROLE", nargs="?", help="the role to pin (omit to clear the pin)")


def _assign_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--apply", action="store_true", help="write the proposed pins")
    p.add_argument("--min-confidence", type=float, metavar="0..1", help="type confidence needed (default 0.5)")


def _set_model(a: argparse.Namespace) -> ToolCall:
    return tool_call("set_task_model", {"id": a.id, "role": a.role, "tag": a.tag})


def _assign(a: argparse.Namespace) -> ToolCall:
    return tool_call("assign_models", {"apply": a.apply, "minConfidence": a.min_confidence, "tag": a.tag})


COMMANDS: tuple[Command, ...] = (
    Command(
        "route",
        "dry run: which role and rule each AI command would use per open task",
        lambda p: None,
        lambda a: tool_call("route", {"tag": a.tag}),
        render=render_route,
    ),
    Command(
        "set-model",
        "pin tasks to a model role (a routing hint; omit ROLE to clear)",
        _set_model_flags,
        _set_model,
        render=render_pins,
    ),
    Command(
        "assign-models",
        "propose a model role per open task from type and complexity (--apply writes)",
        _assign_flags,
        _assign,
        render=render_pins,
    ),
)
