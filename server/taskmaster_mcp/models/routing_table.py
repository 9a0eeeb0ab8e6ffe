"""The ``route`` dry run and ``assign_models`` proposals: the routing policy applied to every open task, no model call.

``route`` shows, for each open task, the role each AI command family would start on and the rule or pin that chose
it (the reason string a real call reports in its usage block). The families are the commands that carry a task:
``expand`` (expand_task, expand_all), ``update`` (update_task, update_subtask's rewrite, scope_up/down), ``review``,
and ``research`` (the research step, which only command rules move). Role models are listed once, in ``roles``.
A task claimed by an agent shows it (``agent``), and a cell an agent rule chose names it (``agent docs``).

``assign_models`` proposes a pin per open task: the role the policy routes its expansion to, from its complexity and
its keyword type (a type classified below ``minConfidence`` counts as unknown, so the task keeps the default route).
A task already pinned keeps its pin. Nothing is written here; the tool writes the pins only with ``apply``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.routing.rules import Policy, TaskFacts, choose, facts_of
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Task, key
from taskmaster_mcp.tasks.tasktype import TaskType, classify

FAMILIES: Final = (
    ("expand", "expand_task", "main"),
    ("update", "update_task", "main"),
    ("review", "review", "main"),
    ("research", "expand_task:research", "research"),
)
TITLE_CHARS: Final = 40


class RouteRow(BaseModel):
    """One open task and, per command family, the reason its call would start where it does."""

    id: str
    title: str
    complexity: float | None = None
    type: str | None = None
    pin: str | None = None
    agent: str | None = None  # the agent holding the task's live claim (agent rules match it)
    expand: str
    update: str
    review: str
    research: str


class RouteTable(BaseModel):
    """The dry run: role -> provider/model, then one row per open task."""

    tag: str
    roles: dict[str, str]
    rows: list[RouteRow]
    note: str | None = None


class Proposal(BaseModel):
    """A proposed pin for one open task (``role`` None: it keeps the default route)."""

    id: str
    title: str
    complexity: float | None = None
    type: str
    confidence: float
    role: str | None = None
    reason: str
    current: str | None = None  # the pin it has now


class PinResult(BaseModel):
    """Pins written by set_task_model or assign_models (and assign_models' proposals)."""

    tag: str
    changed: list[str]
    message: str
    proposals: list[Proposal] | None = None


def role_models(config: Config) -> dict[str, str]:
    """Every role's ``provider/modelId`` (or why it cannot be used)."""
    shown: dict[str, str] = {}
    for name in config.role_names():
        try:
            rc = config.role(name)
        except ConfigError as err:
            shown[name] = f"error: {err}"
            continue
        shown[name] = f"{rc.provider}/{rc.model_id}" if rc is not None else "not configured"
    return shown


def open_tasks(tasks: Sequence[Task]) -> list[Task]:
    """Tasks that are not done or cancelled, in file order."""
    return [t for t in tasks if t.get("status", "pending") not in CLOSED_STATUSES]


def _cell(policy: Policy, command: str, default: str, facts: TaskFacts, roles: tuple[str, ...]) -> str:
    try:
        return choose(policy, command, default, facts, roles).reason
    except ConfigError as err:
        return f"refused: {err}"


def route_rows(
    config: Config, policy: Policy, tasks: Sequence[Task], report: Mapping[str, Mapping[str, Any]]
) -> list[RouteRow]:
    """The dry-run row of every open task in ``tasks`` (``report``: complexity entries by task id)."""
    roles = config.role_names()
    rows: list[RouteRow] = []
    for task in open_tasks(tasks):
        facts = facts_of(task, report.get(key(task.get("id"))))
        cells = {family: _cell(policy, command, default, facts, roles) for family, command, default in FAMILIES}
        title = str(task.get("title", ""))
        rows.append(
            RouteRow(
                id=facts.id,
                title=title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…",
                complexity=facts.complexity,
                type=facts.type,
                pin=facts.pin,
                agent=facts.agent,
                **cells,
            )
        )
    return rows


def proposals(
    config: Config,
    policy: Policy,
    tasks: Sequence[Task],
    report: Mapping[str, Mapping[str, Any]],
    min_confidence: float,
    model_types: Mapping[str, tuple[str, float]] | None = None,
) -> list[Proposal]:
    """A pin per open task from the routing rules (see the module docstring); nothing is written.

    ``model_types``: a classifier model's (type, confidence) by task id, used where the keyword type is unsure.
    """
    roles = config.role_names()
    found: list[Proposal] = []
    for task in open_tasks(tasks):
        kind = classify(task)
        facts = facts_of(task, report.get(key(task.get("id"))), min_confidence)
        judged = (model_types or {}).get(facts.id)
        if facts.type is None and judged is not None:
            kind = TaskType(judged[0], round(judged[1], 2), 0)
            facts = TaskFacts(
                facts.id, facts.complexity, kind.type if kind.confidence >= min_confidence else None, facts.pin
            )
        unpinned = TaskFacts(facts.id, facts.complexity, facts.type, None)
        route = choose(policy, "expand_task", "main", unpinned, roles)
        routed = route.role != "main" or not route.reason.startswith("default")
        reason = (
            route.reason
            if routed
            else (
                f"type {kind.type} at confidence {kind.confidence:g} < {min_confidence:g}: default route"
                if facts.type is None
                else f"no rule matches: {route.reason}"
            )
        )
        found.append(
            Proposal(
                id=facts.id,
                title=str(task.get("title", ""))[:TITLE_CHARS],
                complexity=facts.complexity,
                type=kind.type,
                confidence=kind.confidence,
                role=route.role if routed else None,
                reason=reason,
                current=facts.pin,
            )
        )
    return found
