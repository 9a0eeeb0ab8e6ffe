"""The routing policy, without MCP: a table of tasks x rules -> the role a call starts on, and why; refusals."""

from __future__ import annotations

from typing import Any

import pytest

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.routing.escalation import Climb, escalate_next
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, facts_of, policy_of, stronger_role
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import settings_from_config
from taskmaster_mcp.tasks.tasktype import classify

ROLES = {
    "fast": {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001", "maxTokens": 8000},
    "strong": {"provider": "anthropic", "modelId": "claude-opus-4-5-20251101"},
}
RULES: list[dict[str, Any]] = [
    {"command": "research", "role": "research"},
    {"complexityAtMost": 3, "role": "fast"},
    {"complexityAtLeast": 8, "role": "strong"},
    {"taskType": "documentation", "role": "fast"},
    {"command": "update_task", "taskType": "debugging", "role": "strong"},
]


def config(ours: dict[str, Any] | None = None, **models: Any) -> Config:
    return Config(raw={"models": models, "taskmasterMcp": {"roles": ROLES, "routing": RULES, **(ours or {})}})


def route(cfg: Config, command: str, task: TaskFacts | None, default: str = "main") -> tuple[str, str]:
    chosen = choose(policy_of(cfg, settings_from_config(cfg)), command, default, task, cfg.role_names())
    return chosen.role, chosen.reason


SIMPLE = TaskFacts("1", complexity=2, type="code")
HARD = TaskFacts("2", complexity=9, type="code")
MIDDLE_DOCS = TaskFacts("3", complexity=5, type="documentation")
MIDDLE_BUG = TaskFacts("4", complexity=5, type="debugging")
UNSCORED = TaskFacts("5", complexity=None, type="code")
PINNED_SIMPLE = TaskFacts("6", complexity=2, type="code", pin="strong")

TABLE = [
    # command, task, default role -> role, reason
    ("expand_task", SIMPLE, "main", "fast", "routing[1]: complexity 2 ≤ 3 → fast"),
    ("expand_task", HARD, "main", "strong", "routing[2]: complexity 9 ≥ 8 → strong"),
    ("expand_task", MIDDLE_DOCS, "main", "fast", "routing[3]: type documentation → fast"),
    ("expand_task", MIDDLE_BUG, "main", "main", "default: expand_task → main"),
    ("update_task", MIDDLE_BUG, "main", "strong", "routing[4]: command update_task, type debugging → strong"),
    ("expand_task", UNSCORED, "main", "main", "default: expand_task → main"),
    ("expand_task", PINNED_SIMPLE, "main", "strong", "pin: task 6 → strong"),
    ("parse_prd", None, "main", "main", "default: parse_prd → main"),
    ("research", None, "research", "research", "routing[0]: command research → research"),
    # a research step keeps the research role: task conditions and pins route only the answer-writing calls
    ("expand_task:research", SIMPLE, "research", "research", "default: expand_task:research → research"),
    ("expand_task:research", PINNED_SIMPLE, "research", "research", "default: expand_task:research → research"),
]


@pytest.mark.parametrize(("command", "task", "default", "role", "reason"), TABLE)
def test_the_first_matching_rule_routes_a_call_and_a_pin_beats_every_rule(
    command: str, task: TaskFacts | None, default: str, role: str, reason: str
) -> None:
    assert route(config(), command, task, default) == (role, reason)


def test_command_roles_still_work_as_command_rules_after_the_routing_list() -> None:
    cfg = config(
        {"commandRoles": {"expand_task": "fallback", "parse_prd": "fast"}},
        fallback={"provider": "openai", "modelId": "gpt-4o"},
    )
    assert route(cfg, "expand_task", SIMPLE) == ("fast", "routing[1]: complexity 2 ≤ 3 → fast")
    assert route(cfg, "expand_task", MIDDLE_BUG) == (
        "fallback",
        "commandRoles.expand_task: command expand_task → fallback",
    )
    assert route(cfg, "parse_prd", None) == ("fast", "commandRoles.parse_prd: command parse_prd → fast")


def test_a_rule_with_several_conditions_needs_all_of_them() -> None:
    cfg = config(
        {
            "routing": [
                {
                    "command": "expand_task",
                    "complexityAtLeast": 4,
                    "complexityAtMost": 6,
                    "taskType": "testing",
                    "role": "fast",
                }
            ]
        }
    )
    hit = TaskFacts("1", complexity=5, type="testing")
    assert route(cfg, "expand_task", hit)[0] == "fast"
    for miss in (TaskFacts("1", complexity=7, type="testing"), TaskFacts("1", complexity=5, type="code")):
        assert route(cfg, "expand_task", miss)[0] == "main"
    assert route(cfg, "update_task", hit)[0] == "main"


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ("fast", "taskmasterMcp.routing in .taskmaster/config.json must be a list of rules"),
        ([{"role": "fast"}, "x"], "taskmasterMcp.routing[1] in .taskmaster/config.json must be an object with keys"),
        (
            [{"complexityBelow": 3, "role": "fast"}],
            "taskmasterMcp.routing[0].complexityBelow in .taskmaster/config.json "
            "must be absent: a rule accepts only command, complexityAtMost",
        ),
        (
            [{"complexityAtMost": 11, "role": "fast"}],
            "routing[0].complexityAtMost in .taskmaster/config.json must be a complexity score from 1 to 10, got 11",
        ),
        (
            [{"taskType": "docs", "role": "fast"}],
            "routing[0].taskType in .taskmaster/config.json must be one of "
            "debugging, testing, documentation, research, code, got 'docs'",
        ),
        (
            [{"command": "x", "role": "fast"}, {"command": "y", "role": "huge"}],
            "routing[1].role in .taskmaster/config.json must be an existing role "
            "(main, research, fallback, fast, strong",
        ),
        ([{"command": "", "role": "fast"}], "routing[0].command in .taskmaster/config.json must be a command name"),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_key_the_rule_index_and_what_it_accepts(
    routing: object, message: str
) -> None:
    cfg = config({"routing": routing})
    with pytest.raises(ConfigError) as caught:
        policy_of(cfg, settings_from_config(cfg))
    assert message in str(caught.value)


def test_bad_escalation_settings_and_unknown_roles_elsewhere_are_refused_the_same_way() -> None:
    for ours, message in (
        (
            {"escalation": {"minConfidence": 2}},
            "escalation.minConfidence in .taskmaster/config.json must be a number from 0 to 1, got 2",
        ),
        (
            {"escalation": {"order": ["fast", "giant"]}},
            "escalation.order[1] in .taskmaster/config.json must be an existing role",
        ),
        ({"escalation": {"minConfidance": 0.5}}, "escalation.minConfidance in .taskmaster/config.json must be absent"),
    ):
        cfg = config(ours)
        with pytest.raises(ConfigError, match="taskmasterMcp"):
            policy_of(cfg, settings_from_config(cfg))
        with pytest.raises(ConfigError) as caught:
            policy_of(cfg, settings_from_config(cfg))
        assert message in str(caught.value)
    with pytest.raises(
        ConfigError,
        match=r"commandRoles.parse_prd in .taskmaster/config.json must be one of main, "
        r"research, fallback, fast, strong, got 'giant'",
    ):
        settings_from_config(config({"commandRoles": {"parse_prd": "giant"}}))


def test_a_pin_naming_a_role_that_no_longer_exists_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"task 6 is pinned to role 'tiny', which does not exist.*set_task_model"):
        route(config(), "expand_task", TaskFacts("6", complexity=2, type="code", pin="tiny"))


def test_extra_roles_read_like_task_master_roles_and_fall_back_along_their_own_order() -> None:
    cfg = config({"fallbackOrder": {"strong": ["strong", "main"]}})
    fast = cfg.role("fast")
    assert fast is not None and (fast.provider, fast.model_id, fast.max_tokens) == (
        "anthropic",
        "claude-haiku-4-5-20251001",
        8000,
    )
    settings = settings_from_config(cfg)
    assert settings.fallback_order["fast"] == ("fast", "main", "fallback", "research")
    assert settings.fallback_order["strong"] == ("strong", "main")
    with pytest.raises(ConfigError, match="role 'giant' does not exist; roles are main, research, fallback, fast"):
        cfg.role("giant")
    broken = Config(raw={"taskmasterMcp": {"roles": {"fast": {"provider": "anthropic"}}}})
    with pytest.raises(ConfigError, match=r"taskmasterMcp.roles.fast in config.json needs a non-empty string"):
        broken.role("fast")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"taskmasterMcp": "fast"},
            "taskmasterMcp in .taskmaster/config.json must be an object of taskmaster-mcp settings, got 'fast'",
        ),
        (
            {"taskmasterMcp": {"roles": ["fast"]}},
            "taskmasterMcp.roles in .taskmaster/config.json must be an object like",
        ),
        (
            {"taskmasterMcp": {"roles": {"main": {"provider": "openai", "modelId": "gpt-4o"}}}},
            "taskmasterMcp.roles.main in .taskmaster/config.json must be absent: main is a Task Master role, set under "
            "models.main",
        ),
    ],
)
def test_settings_that_would_be_silently_ignored_are_refused_naming_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_config(Config(raw=raw))
    assert message in str(caught.value)


def test_task_facts_take_complexity_from_the_report_first_and_never_read_metadata_for_the_type() -> None:
    task = {
        "id": 7,
        "title": "Write the README guide",
        "description": "Docs for users.",
        "complexity": 6,
        "metadata": {"taskmasterMcp": {"role": "fast"}, "note": "fix the crash bug bug bug"},
    }
    assert facts_of(task, {"complexityScore": 3}) == TaskFacts("7", 3.0, "documentation", "fast")
    assert facts_of(task) == TaskFacts("7", 6.0, "documentation", "fast")
    assert facts_of({"id": 8, "title": "x", "complexity": True}) == TaskFacts("8", None, "code", None)


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ({"title": "Fix the login crash", "description": "Users see an error on submit."}, "debugging"),
        ({"title": "Add unit tests for the parser", "description": "Raise coverage."}, "testing"),
        ({"title": "Write the API guide", "description": "Document every endpoint."}, "documentation"),
        ({"title": "Evaluate queue libraries", "description": "Compare options; spike."}, "research"),
        ({"title": "Implement the REST endpoint", "description": "Build it."}, "code"),
        ({"title": "Fix the flaky test", "description": ""}, "debugging"),  # a tie goes to the earlier type
        ({"title": "Onboarding", "description": "", "tags": ["docs"]}, "documentation"),
        ({"title": "Misc", "description": "Things."}, "code"),
    ],
)
def test_task_types_come_from_keywords_in_title_description_and_tags(task: dict[str, Any], kind: str) -> None:
    assert classify(task).type == kind


def test_the_next_stronger_role_is_by_catalogue_score_or_the_configured_order() -> None:
    cfg = config(fallback={"provider": "openai", "modelId": "gpt-4o"})  # main: claude-sonnet-4 (default)
    policy = policy_of(cfg, settings_from_config(cfg))
    assert policy.escalation is None and Climb.of(cfg, policy, "fast", ("fast", "main")) is None
    cfg = config({"escalation": {"minConfidence": 0.6}}, fallback={"provider": "openai", "modelId": "gpt-4o"})
    escalation = policy_of(cfg, settings_from_config(cfg)).escalation
    assert escalation is not None
    # haiku 4.5 (SWE 0.733) -> main sonnet 4 (0.727) is not stronger, fallback gpt-4o (0.332) neither: strong is
    assert stronger_role(cfg, escalation, "fast", ("fast", "main", "fallback", "strong")) == "strong"
    assert stronger_role(cfg, escalation, "fast", ("fast", "main", "fallback")) is None
    ordered = config({"escalation": {"order": ["fast", "main", "strong"]}})
    escalation = policy_of(ordered, settings_from_config(ordered)).escalation
    assert escalation is not None
    assert stronger_role(ordered, escalation, "fast", ()) == "main"
    assert stronger_role(ordered, escalation, "strong", ()) is None


def test_escalate_next_moves_the_stronger_role_right_after_the_failed_one() -> None:
    queue = ["fast", "main", "fallback", "strong"]
    escalate_next(queue, 0, "strong")
    assert queue == ["fast", "strong", "main", "fallback"]


def test_a_caller_naming_a_role_that_does_not_exist_is_refused_not_sent_to_main() -> None:
    with pytest.raises(ConfigError, match=r"review asked for role 'reviewr', which does not exist \(roles: main, "):
        route(config(), "review", None, default="reviewr")
    assert route(config(), "review", None, default="strong") == ("strong", "default: review → strong")
