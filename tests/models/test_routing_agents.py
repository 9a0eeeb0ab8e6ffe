"""One model per agent: routing rules matching ``agent``, the agent read from the live claim on the item a call is
about; invalid agent conditions refused like every other condition."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, facts_of, policy_of
from taskmaster_mcp.models.routing_table import route_rows
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import settings_from_config

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)
ROLES = {
    "fast": {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001"},
    "strong": {"provider": "anthropic", "modelId": "claude-opus-4-5-20251101"},
}
RULES: list[dict[str, Any]] = [
    {"command": "research", "role": "research"},
    {"agent": "docs", "role": "fast"},
    {"agent": "architect", "complexityAtLeast": 5, "role": "strong"},
    {"complexityAtMost": 3, "role": "fast"},
]


def config(routing: object = RULES) -> Config:
    return Config(raw={"taskmasterMcp": {"roles": ROLES, "routing": routing}})


def route(command: str, task: TaskFacts | None, default: str = "main") -> tuple[str, str]:
    cfg = config()
    chosen = choose(policy_of(cfg, settings_from_config(cfg)), command, default, task, cfg.role_names())
    return chosen.role, chosen.reason


def claim(agent: str, until: str = "2026-12-07T21:30:00.000Z") -> dict[str, Any]:
    return {"taskmasterMcp": {"claim": {"agent": agent, "claimedAt": "2026-12-07T20:30:00.000Z", "until": until}}}


DOCS = TaskFacts("1", complexity=9, type="code", agent="docs")
ARCHITECT_HARD = TaskFacts("2", complexity=8, type="code", agent="architect")
ARCHITECT_EASY = TaskFacts("3", complexity=2, type="code", agent="architect")
OTHER_AGENT = TaskFacts("4", complexity=6, type="code", agent="worker-2")
PINNED_DOCS = TaskFacts("5", complexity=9, type="code", pin="strong", agent="docs")

TABLE = [
    ("expand_task", DOCS, "main", "fast", "routing[1]: agent docs → fast"),
    ("update_task", DOCS, "main", "fast", "routing[1]: agent docs → fast"),
    ("expand_task", ARCHITECT_HARD, "main", "strong", "routing[2]: complexity 8 ≥ 5, agent architect → strong"),
    # every condition must hold: the architect's easy task falls through to the complexity rule
    ("expand_task", ARCHITECT_EASY, "main", "fast", "routing[3]: complexity 2 ≤ 3 → fast"),
    ("expand_task", OTHER_AGENT, "main", "main", "default: expand_task → main"),
    ("expand_task", PINNED_DOCS, "main", "strong", "pin: task 5 → strong"),
    # like the task conditions, an agent rule without a command leaves the research step on its role
    ("expand_task:research", DOCS, "research", "research", "default: expand_task:research → research"),
    ("parse_prd", None, "main", "main", "default: parse_prd → main"),
]


@pytest.mark.parametrize(("command", "task", "default", "role", "reason"), TABLE)
def test_an_agent_rule_routes_the_calls_on_the_items_that_agent_holds(
    command: str, task: TaskFacts | None, default: str, role: str, reason: str
) -> None:
    assert route(command, task, default) == (role, reason)


def test_the_agent_is_the_holder_of_the_live_claim_on_the_subtask_else_the_task() -> None:
    sub = {"id": 1, "title": "s", "metadata": claim("docs")}
    task = {"id": 7, "title": "t", "metadata": claim("architect"), "subtasks": [sub]}
    assert facts_of(task, now=NOW).agent == "architect"
    assert facts_of(task, sub=sub, now=NOW).agent == "docs"
    unclaimed_sub = {"id": 2, "title": "s2"}
    assert facts_of(task, sub=unclaimed_sub, now=NOW).agent is None  # the call is about the subtask, not its parent
    expired = {"id": 8, "title": "t", "metadata": claim("docs", until="2026-12-07T20:59:59.000Z")}
    assert facts_of(expired, now=NOW).agent is None
    assert facts_of({"id": 9, "title": "t"}, now=NOW).agent is None


def test_route_rows_show_the_agent_and_the_rule_that_names_it() -> None:
    cfg = config()
    tasks: list[dict[str, Any]] = [
        {"id": 1, "title": "Guide", "status": "in-progress", "metadata": claim("docs", "2099-01-01T00:00:00.000Z")},
        {"id": 2, "title": "Free", "status": "pending", "complexity": 5},
    ]
    rows = route_rows(cfg, policy_of(cfg, settings_from_config(cfg)), tasks, {})
    assert [(r.id, r.agent, r.expand, r.research) for r in rows] == [
        ("1", "docs", "routing[1]: agent docs → fast", "default: expand_task:research → research"),
        ("2", None, "default: expand_task → main", "default: expand_task:research → research"),
    ]


@pytest.mark.parametrize("agent", ["", " docs", 7, "x" * 65, "a\nb", ["docs"], True])
def test_an_invalid_agent_condition_is_refused_naming_the_key_and_the_rule_index(agent: object) -> None:
    cfg = config([{"command": "research", "role": "research"}, {"agent": agent, "role": "fast"}])
    with pytest.raises(ConfigError) as caught:
        policy_of(cfg, settings_from_config(cfg))
    assert "taskmasterMcp.routing[1].agent in .taskmaster/config.json must be an agent name" in str(caught.value)
    assert f"got {agent!r}." in str(caught.value)


def test_a_null_agent_is_an_absent_condition_as_for_every_key() -> None:
    cfg = config([{"agent": None, "complexityAtMost": 3, "role": "fast"}])
    policy = policy_of(cfg, settings_from_config(cfg))
    assert policy.rules[0].agent is None
    assert choose(policy, "expand_task", "main", TaskFacts("1", complexity=2), cfg.role_names()).role == "fast"
