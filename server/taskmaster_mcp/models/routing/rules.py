"""The routing policy: which role a call starts on, decided from the command and the task it is about.

Config (``taskmasterMcp`` in ``.taskmaster/config.json``; README's Routing section has worked examples)::

    "routing": [{"command": "research", "role": "research"},
                {"complexityAtMost": 3, "role": "fast"},
                {"complexityAtLeast": 8, "role": "main"},
                {"taskType": "documentation", "role": "fast"},
                {"agent": "architect", "role": "strong"}]

Decisions, and why:

- Order of precedence: a per-task pin (``metadata.taskmasterMcp.role``, set by ``set_task_model``) beats every rule;
  then the ``routing`` rules, first match wins; then ``commandRoles`` (kept working: each entry is absorbed as a
  ``{"command": c, "role": r}`` rule evaluated after ``routing``); then the command's default role, as before.
- A rule's conditions (``command``, ``complexityAtMost``, ``complexityAtLeast``, ``taskType``, ``agent``) must all
  hold; a complexity or type condition never holds for a call without a task (parse_prd, analyze) or a task without a
  score.
- ``agent`` (one model per agent) matches the agent holding the live claim (``next_task claim=true``) on the item the
  call is about: the subtask for a subtask call, else the task. The claim is the only source: a call knows its task,
  the task knows who works on it, so every AI tool routes by agent with no new argument, and a caller cannot route as
  an agent that does not hold the task. A call on an unclaimed item, an expired lease or no task matches no agent
  rule. Like the task conditions, an agent rule without ``command`` routes only the calls that write the answer.
- Task conditions and pins route the calls that write the answer (those whose default role is ``main``). A research
  step (``expand_task:research``, the ``research`` command) starts on the research role unless a rule names its
  command: sending web-search questions to a cheap coding model because the task is simple would be a downgrade.
- Complexity is the complexity report's ``complexityScore`` for the task, else the task's own ``complexity``.
- A rule naming a per-item command (``expand_task``, ``update_task``) also routes the calls of its batch command
  (``expand_all``, ``update``): one function (:func:`choose`) decides for the dry run and for execution.
- Every routed call says why (``Route.reason``, e.g. ``rule 2: complexity 2 ≤ 3 → fast``) in its usage block.

The policy is validated whenever it is read (every call reads it, as it reads every setting; a few rules parse in
microseconds): a bad key, a
value of the wrong kind or a role that does not exist is refused with the key, the rule's index and what it
accepts. Evaluation is a few comparisons per rule, in the core (never per provider), tested over a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, cast

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.store.config import OUR_SECTION, Config
from taskmaster_mcp.store.settings import RouterSettings
from taskmaster_mcp.tasks.claims import MAX_AGENT_NAME, claim_of
from taskmaster_mcp.tasks.pins import pin_of
from taskmaster_mcp.tasks.tasktype import TASK_TYPES, classify

# A batch command asks once per item as its per-item command would: a rule naming the per-item command routes the
# batch's calls too, so the dry run (``route``, which shows expand_task) and expand_all agree.
PER_ITEM: Final = {"expand_all": "expand_task", "update": "update_task"}
RULE_KEYS: Final = ("command", "complexityAtMost", "complexityAtLeast", "taskType", "agent", "role")


@dataclass(frozen=True)
class TaskFacts:
    """What routing knows about the task a call is about (never sent to a model)."""

    id: str
    complexity: float | None = None
    type: str | None = None
    pin: str | None = None
    agent: str | None = None  # the agent holding a live claim on the item the call is about


def per_item(command: str) -> str:
    """The per-item command a batch command's call stands for (``expand_all:research`` -> ``expand_task:research``),
    else ``command`` itself."""
    base, colon, step = command.partition(":")
    return PER_ITEM.get(base, base) + colon + step


@dataclass(frozen=True)
class Rule:
    """One routing rule; ``source`` is ``routing[i]`` or ``commandRoles.<command>``."""

    source: str
    role: str
    command: str | None = None
    at_most: float | None = None
    at_least: float | None = None
    task_type: str | None = None
    agent: str | None = None

    def why(self, command: str, task: TaskFacts | None) -> str | None:
        """The reason this rule routes the call, or None when a condition does not hold."""
        parts: list[str] = []
        if self.command is not None:
            if command != self.command and per_item(command) != self.command:
                return None
            parts.append(f"command {self.command}" + (f" (for {command})" if command != self.command else ""))
        if self.at_most is not None or self.at_least is not None:
            score = task.complexity if task is not None else None
            if (
                score is None
                or (self.at_most is not None and score > self.at_most)
                or (self.at_least is not None and score < self.at_least)
            ):
                return None
            if self.at_most is not None:
                parts.append(f"complexity {score:g} ≤ {self.at_most:g}")
            if self.at_least is not None:
                parts.append(f"complexity {score:g} ≥ {self.at_least:g}")
        if self.task_type is not None:
            if task is None or task.type != self.task_type:
                return None
            parts.append(f"type {self.task_type}")
        if self.agent is not None:
            if task is None or task.agent != self.agent:
                return None
            parts.append(f"agent {self.agent}")
        return f"{self.source}: {', '.join(parts) or 'always'} → {self.role}"


@dataclass(frozen=True)
class Escalation:
    """``taskmasterMcp.escalation``: off (None) unless configured."""

    min_confidence: float | None = None
    order: tuple[str, ...] | None = None  # weakest to strongest; None: the fallback chain, by catalogue strength


@dataclass(frozen=True)
class Policy:
    """The parsed routing section: rules in evaluation order, and escalation."""

    rules: tuple[Rule, ...] = ()
    escalation: Escalation | None = None


@dataclass(frozen=True)
class Route:
    """Where a call starts and why."""

    role: str
    reason: str


def _bad(where: str, accepts: str, got: object) -> ConfigError:
    return ConfigError(f"{OUR_SECTION}.{where} in .taskmaster/config.json must be {accepts}, got {got!r}.")


def _score(rule: dict[str, Any], key: str, where: str) -> float | None:
    value = rule.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 10:
        raise _bad(f"{where}.{key}", "a complexity score from 1 to 10", value)
    return float(value)


def _parse_rule(index: int, raw: object, roles: tuple[str, ...]) -> Rule:
    where = f"routing[{index}]"
    if not isinstance(raw, dict):
        raise _bad(where, f"an object with keys {', '.join(RULE_KEYS)}", raw)
    rule = cast(dict[str, Any], raw)
    unknown = [k for k in rule if k not in RULE_KEYS]
    if unknown:
        raise _bad(f"{where}.{unknown[0]}", f"absent: a rule accepts only {', '.join(RULE_KEYS)}", rule[unknown[0]])
    role = rule.get("role")
    if role not in roles:
        raise _bad(
            f"{where}.role", f"an existing role ({', '.join(roles)}; extra roles go under {OUR_SECTION}.roles)", role
        )
    command = rule.get("command")
    if command is not None and (not isinstance(command, str) or not command.strip()):
        raise _bad(f"{where}.command", "a command name such as expand_task or research", command)
    task_type = rule.get("taskType")
    if task_type is not None and task_type not in TASK_TYPES:
        raise _bad(f"{where}.taskType", f"one of {', '.join(TASK_TYPES)}", task_type)
    agent = rule.get("agent")
    if agent is not None and (
        not isinstance(agent, str)
        or not agent
        or agent != agent.strip()
        or len(agent) > MAX_AGENT_NAME
        or any(ord(c) < 32 for c in agent)
    ):
        raise _bad(
            f"{where}.agent",
            f"an agent name as its claims give it (next_task agent=...), e.g. docs: 1 to {MAX_AGENT_NAME} printable "
            "characters, no surrounding spaces",
            agent,
        )
    return Rule(
        where,
        cast(str, role),
        command,
        _score(rule, "complexityAtMost", where),
        _score(rule, "complexityAtLeast", where),
        task_type,
        agent,
    )


def _parse_escalation(raw: object, roles: tuple[str, ...]) -> Escalation | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _bad("escalation", "an object with minConfidence (0 to 1) and order (roles, weakest first)", raw)
    section = cast(dict[str, Any], raw)
    unknown = [k for k in section if k not in ("minConfidence", "order")]
    if unknown:
        raise _bad(
            f"escalation.{unknown[0]}", "absent: escalation accepts minConfidence and order", section[unknown[0]]
        )
    minimum = section.get("minConfidence")
    if minimum is not None and (
        isinstance(minimum, bool) or not isinstance(minimum, int | float) or not 0 <= minimum <= 1
    ):
        raise _bad("escalation.minConfidence", "a number from 0 to 1", minimum)
    order: object = section.get("order")
    if order is not None:
        if not isinstance(order, list) or not order:
            raise _bad(
                "escalation.order",
                f"a non-empty list of roles, weakest first ({', '.join(roles)})",
                section.get("order"),
            )
        for i, name in enumerate(cast(list[Any], order)):
            if name not in roles:
                raise _bad(f"escalation.order[{i}]", f"an existing role ({', '.join(roles)})", name)
    return Escalation(
        None if minimum is None else float(minimum), None if order is None else tuple(cast(list[str], order))
    )


def policy_of(config: Config, settings: RouterSettings) -> Policy:
    """The validated policy of ``config``, with ``settings.command_roles`` absorbed as command rules."""
    ours = config.ours
    roles = config.role_names()
    raw = ours.get("routing", [])
    if not isinstance(raw, list):
        raise _bad("routing", 'a list of rules such as {"complexityAtMost": 3, "role": "fast"}', raw)
    rules = [_parse_rule(i, rule, roles) for i, rule in enumerate(cast(list[Any], raw))]
    rules += [Rule(f"commandRoles.{command}", role, command) for command, role in settings.command_roles.items()]
    return Policy(tuple(rules), _parse_escalation(ours.get("escalation"), roles))


def facts_of(
    task: dict[str, Any],
    report_entry: Mapping[str, Any] | None = None,
    min_type_confidence: float = 0.0,
    *,
    sub: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> TaskFacts:
    """A task's routing facts: complexity (the report's score, else the task's own), type, pin, agent.

    A type classified with less than ``min_type_confidence`` is left unknown (no type rule matches it). ``agent`` is
    the holder of the live claim on ``sub`` when the call is about that subtask, else on ``task`` (at ``now``).
    """
    score: object = (report_entry or {}).get("complexityScore")
    if isinstance(score, bool) or not isinstance(score, int | float):
        score = task.get("complexity")
    complexity = float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
    kind = classify(task)
    known = kind.type if kind.confidence >= min_type_confidence else None
    claim = claim_of(sub if sub is not None else task)
    live = claim is not None and claim.live(now or datetime.now(UTC))
    return TaskFacts(str(task.get("id", "")), complexity, known, pin_of(task), claim.agent if claim and live else None)


def choose(policy: Policy, command: str, default: str, task: TaskFacts | None, roles: tuple[str, ...]) -> Route:
    """The role a call starts on and why (see the module docstring for the order of precedence).

    A ``default`` that is not a role is refused: a caller's typo must not quietly become a fallback to main.
    """
    if default not in roles:
        raise ConfigError(
            f"{command} asked for role '{default}', which does not exist (roles: {', '.join(roles)}). "
            "Add it under taskmasterMcp.roles in .taskmaster/config.json."
        )
    routes_task = default == "main"
    if task is not None and task.pin is not None and routes_task:
        if task.pin not in roles:
            raise ConfigError(
                f"task {task.id} is pinned to role '{task.pin}', which does not exist (roles: "
                f"{', '.join(roles)}). Pin another with set_task_model, or clear the pin."
            )
        return Route(task.pin, f"pin: task {task.id} → {task.pin}")
    for rule in policy.rules:
        if rule.command is None and not routes_task:
            continue
        reason = rule.why(command, task)
        if reason is not None:
            return Route(rule.role, reason)
    return Route(default, f"default: {command} → {default}")


def strength(config: Config, role: str) -> tuple[float | None, float | None]:
    """A role's model's catalogue SWE score and output price (None when unknown or the role is unset)."""
    try:
        rc = config.role(role)
    except ConfigError:
        return None, None
    info = catalogue.lookup(rc.provider, rc.model_id) if rc is not None else None
    return (info.swe_score, info.output_price) if info is not None else (None, None)


def stronger_role(config: Config, escalation: Escalation, start: str, chain: tuple[str, ...]) -> str | None:
    """The next stronger role after ``start``: the next in ``escalation.order`` (weakest first) when set; else the
    first later role in the fallback chain whose model has a higher catalogue SWE score (or, when either score is
    unknown, a higher output price, as the market's view of strength); None when there is none."""
    if escalation.order is not None:
        later = escalation.order[escalation.order.index(start) + 1 :] if start in escalation.order else ()
        return next((r for r in later if r != start), None)
    swe, price = strength(config, start)
    for candidate in chain[chain.index(start) + 1 :] if start in chain else ():
        other_swe, other_price = strength(config, candidate)
        if swe is not None and other_swe is not None:
            if other_swe > swe:
                return candidate
        elif price is not None and other_price is not None and other_price > price:
            return candidate
    return None
