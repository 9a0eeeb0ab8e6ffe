"""Every tool of the server, defined once: where it lives, its title, what it does to data, whether it asks a model,
and which group it belongs to. Registration, the tool profiles, the group switcher, the docs table and the tests all
derive from :data:`CATALOGUE`; nothing else lists tools.

The default listing (:data:`DEFAULT_TOOLS`) is the agent's daily loop in two dozen tools: Cursor sends only the first 40
tools across all of a user's servers, and Trae and Windsurf cap similarly, so 50 tools by default would crowd out
other servers (or ours). The other tools stay callable by name and are listed once the agent switches their group on
with ``enable_tools`` (or the user picks ``TASK_MASTER_TOOLS=all``); see ``docs/tools.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel

ToolFn = Callable[..., Awaitable[BaseModel]]
Group = Literal["tasks", "dependencies", "planning", "tags", "project", "autopilot", "routing", "switcher"]

# Parameters accepted but not published: ``file`` (rare; explained once in the instructions) and Task Master's
# confirmation flags, which a tool call makes moot (every call is non-interactive).
COMPAT = frozenset({"file"})


@dataclass(frozen=True)
class ToolSpec:
    """One tool. The module (under ``mcp_server.tools``) is imported only when the tool is registered (first call,
    or a ``tools/list`` with no valid cache), so start-up does not pay for the tool modules.

    ``ai``: the tool asks a model, so it gets the ``fresh`` parameter (skip the response cache) and is open-world.
    ``default``: listed without any group switched on.
    """

    name: str
    module: str
    title: str
    group: Group
    default: bool = False
    ai: bool = False
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False  # talks to something outside the project other than a model (a local model endpoint)
    hidden: frozenset[str] = COMPAT
    function: str | None = None  # when the tool's name is not a Python identifier (``response-language``)

    @property
    def opens_world(self) -> bool:
        """The MCP open-world hint: a model call or another outside service."""
        return self.ai or self.open_world

    @property
    def fn(self) -> ToolFn:
        """The tool function (importing its module)."""
        module = importlib.import_module(f"taskmaster_mcp.mcp_server.tools.{self.module}")
        return cast(ToolFn, getattr(module, self.function or self.name))


def _t(name: str, module: str, title: str, group: Group, **flags: Any) -> ToolSpec:
    return ToolSpec(name, module, title, group, **flags)


CATALOGUE: tuple[ToolSpec, ...] = (
    _t("get_tasks", "read", "List tasks", "tasks", default=True, read_only=True, hidden=COMPAT | {"complexityReport"}),
    _t("next_task", "read", "Next task to work on", "tasks", default=True),  # claim=true writes the claim
    _t("release_task", "claims", "Release a claimed task", "tasks", default=True, idempotent=True),
    _t("get_task", "read", "Show a task", "tasks", default=True, read_only=True, hidden=COMPAT | {"complexityReport"}),
    _t("set_task_status", "write", "Set task status", "tasks", default=True, idempotent=True),
    _t("update_subtask", "write", "Log progress on a subtask", "tasks", default=True, ai=True),
    _t("add_task", "write", "Add a task", "tasks", default=True, ai=True),
    _t("add_subtask", "write", "Add a subtask", "tasks", default=True, hidden=COMPAT | {"skipGenerate"}),
    _t("update_task", "write", "Update a task", "tasks", default=True, ai=True),
    _t(
        "remove_task", "structure", "Remove tasks", "tasks", default=True, destructive=True, hidden=COMPAT | {"confirm"}
    ),
    _t("remove_subtask", "structure", "Remove a subtask", "tasks", destructive=True, hidden=COMPAT | {"skipGenerate"}),
    _t("clear_subtasks", "structure", "Clear subtasks", "tasks", destructive=True, idempotent=True),
    _t("move_task", "structure", "Move tasks", "tasks"),
    _t("add_dependency", "dependencies", "Add a dependency", "dependencies", default=True),
    _t("remove_dependency", "dependencies", "Remove a dependency", "dependencies", default=True, destructive=True),
    _t("validate_dependencies", "dependencies", "Check dependencies", "dependencies", default=True, read_only=True),
    _t("fix_dependencies", "dependencies", "Fix dependencies", "dependencies", destructive=True, idempotent=True),
    _t("complexity_report", "read", "Complexity report", "planning", default=True, read_only=True, hidden=frozenset()),
    _t("list_tags", "tags", "List tags", "tags", default=True, read_only=True),
    _t("add_tag", "tags", "Add a tag", "tags"),
    _t("use_tag", "tags", "Switch tag", "tags", default=True, idempotent=True),
    _t("delete_tag", "tags", "Delete a tag", "tags", destructive=True, hidden=COMPAT | {"yes"}),
    _t("rename_tag", "tags", "Rename a tag", "tags"),
    _t("copy_tag", "tags", "Copy a tag", "tags"),
    _t(
        "initialize_project",
        "project",
        "Initialize a project",
        "project",
        default=True,
        idempotent=True,
        hidden=COMPAT | {"yes", "skipInstall", "addAliases"},
    ),
    _t("generate", "project", "Write task files", "project", idempotent=True),
    _t("parse_prd", "plan", "Plan tasks from a PRD", "planning", default=True, ai=True),
    _t("update", "edit", "Update tasks from an id on", "planning", ai=True),
    _t("research", "research", "Research", "planning", default=True, ai=True),
    _t("review", "review", "Review finished work", "planning", ai=True),
    _t("expand_task", "expand", "Break a task into subtasks", "planning", default=True, ai=True),
    _t("expand_all", "expand", "Expand all pending tasks", "planning", default=True, ai=True),
    _t("analyze_project_complexity", "expand", "Analyze complexity", "planning", default=True, ai=True),
    _t("scope_up_task", "scope", "Scope tasks up", "planning", ai=True),
    _t("scope_down_task", "scope", "Scope tasks down", "planning", ai=True),
    _t("models", "models", "Configure models", "project", default=True, open_world=True),
    _t("usage_report", "models", "Model usage and spend", "project", read_only=True),
    _t("benchmark_models", "benchmark", "Benchmark models", "routing", ai=True),
    _t("rules", "settings", "Editor rule profiles", "project", destructive=True, idempotent=True),
    _t("response-language", "settings", "Response language", "project", idempotent=True, function="response_language"),
    _t("autopilot_start", "autopilot", "Start autopilot", "autopilot", hidden=frozenset({"maxAttempts"})),
    _t("autopilot_resume", "autopilot", "Resume autopilot", "autopilot", read_only=True),
    _t("autopilot_next", "autopilot", "Autopilot next step", "autopilot", read_only=True),
    _t("autopilot_status", "autopilot", "Autopilot status", "autopilot", read_only=True),
    _t("autopilot_complete_phase", "autopilot", "Complete autopilot phase", "autopilot"),
    _t("autopilot_commit", "autopilot", "Autopilot commit", "autopilot"),
    _t("autopilot_finalize", "autopilot", "Finalize autopilot", "autopilot", ai=True),  # review=true asks a model
    _t("autopilot_abort", "autopilot", "Abort autopilot", "autopilot", destructive=True, idempotent=True),
    _t("route", "routing", "Which model a task gets", "routing", read_only=True),
    _t("set_task_model", "routing", "Pin a task's model", "routing", idempotent=True),
    _t("assign_models", "routing", "Assign models to tasks", "routing", ai=True),  # classify=true asks a model
    _t("enable_tools", "switcher", "Enable more tools", "switcher", default=True, idempotent=True),
)

BY_NAME = {spec.name: spec for spec in CATALOGUE}
GROUPS: dict[str, tuple[str, ...]] = {}
for _spec in CATALOGUE:
    if _spec.group != "switcher":
        GROUPS.setdefault(_spec.group, ())
        GROUPS[_spec.group] += (_spec.name,)
DEFAULT_TOOLS = tuple(spec.name for spec in CATALOGUE if spec.default)
SWITCHER = "enable_tools"

# Task Master's profiles (TASK_MASTER_TOOLS=core|standard), by its tool names.
CORE = ("get_tasks", "next_task", "get_task", "set_task_status", "update_subtask", "parse_prd", "expand_task")
STANDARD = (
    *CORE,
    "initialize_project",
    "analyze_project_complexity",
    "expand_all",
    "add_subtask",
    "remove_task",
    "add_task",
    "complexity_report",
)


def group_tools(names: str) -> tuple[list[str], list[str]]:
    """The tools of a comma list of group names (``all`` = every group), and the names that are no group."""
    wanted = [part.strip().lower() for part in names.split(",") if part.strip()]
    tools: list[str] = []
    unknown: list[str] = []
    for group in wanted:
        if group == "all":
            tools += [n for members in GROUPS.values() for n in members]
        elif group in GROUPS:
            tools += GROUPS[group]
        else:
            unknown.append(group)
    return list(dict.fromkeys(tools)), unknown
