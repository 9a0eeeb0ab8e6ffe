"""Routing end to end: MCP client -> our server -> real SDKs -> scripted provider; each role is its own model, so the
model that saw a request says which route the call took."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front so a test's time budget covers model calls, not the SDK import

from ai_helpers import ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply

MAIN = "claude-sonnet-4-20250514"
FAST = "claude-haiku-4-5-20251001"
STRONG = "claude-opus-4-5-20251101"
RULES = [
    {"command": "research", "role": "research"},
    {"complexityAtMost": 3, "role": "fast"},
    {"complexityAtLeast": 8, "role": "strong"},
    {"taskType": "documentation", "role": "fast"},
]
TASKS = [
    {"id": 1, "title": "Rename a config flag", "description": "Small chore.", "status": "pending"},
    {
        "id": 2,
        "title": "Design the sync engine",
        "description": "Conflict resolution across devices.",
        "status": "pending",
    },
    {"id": 3, "title": "Write the README guide", "description": "Document setup for users.", "status": "pending"},
    {
        "id": 4,
        "title": "Implement the export endpoint",
        "description": "CSV export.",
        "status": "pending",
        "metadata": {"owner": "owner-ana-7731"},
    },
    {"id": 5, "title": "Ship it", "description": "Release.", "status": "done"},
]
SCORES = {1: 2, 2: 9, 3: 5, 4: 5}


def plan(title: str, confidence: float | None = None) -> str:
    answer: dict[str, Any] = {
        "subtasks": [
            {
                "id": 1,
                "title": title,
                "description": f"{title}.",
                "details": "Do it.",
                "testStrategy": "Test it.",
                "dependencies": [],
            }
        ]
    }
    if confidence is not None:
        answer["confidence"] = confidence
    return as_json(answer)


def routed_project(root: Path, server: ProviderServer, ours: dict[str, Any] | None = None) -> Path:
    roles = {
        "fast": {"provider": "anthropic", "modelId": FAST, "maxTokens": 4000, "baseURL": server.url},
        "strong": {"provider": "anthropic", "modelId": STRONG, "maxTokens": 4000, "baseURL": server.url},
    }
    # the response cache is off: these tests count which model saw each request, and two projects asking the same
    # thing would otherwise share an answer (tests/models/test_response_cache.py specifies the cache)
    ai_project(root, server, ours={"roles": roles, "routing": RULES, "cache": {"enabled": False}, **(ours or {})})
    tasks = [
        {**t, "dependencies": [], "priority": "medium", "details": "", "testStrategy": "", "subtasks": []}
        for t in TASKS
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    (root / ".taskmaster/reports").mkdir()
    entries = [
        {"taskId": tid, "taskTitle": "", "complexityScore": score, "recommendedSubtasks": 1}
        for tid, score in SCORES.items()
    ]
    (root / ".taskmaster/reports/task-complexity-report.json").write_text(
        json.dumps({"meta": {}, "complexityAnalysis": entries})
    )
    return root


def models_seen(server: ProviderServer) -> list[str | None]:
    return [r.model for r in server.seen(MESSAGES)]


def task(root: Path, tid: int) -> dict[str, Any]:
    data = json.loads((root / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    return next(t for t in data["master"]["tasks"] if t["id"] == tid)


def ledger(tmp_path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in (tmp_path / "ledger").rglob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


async def test_a_simple_task_goes_to_the_fast_role_and_a_hard_one_to_the_strong_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=plan("Rename it")), model=FAST)
    provider_server.script(MESSAGES, Reply(text=plan("Model the conflicts")), model=STRONG)
    async with connected(root, env=ai_env(tmp_path)) as client:
        simple = await ok(client, "expand_task", id="1")
        hard = await ok(client, "expand_task", id="2")
    assert models_seen(provider_server) == [FAST, STRONG]
    assert simple["usage"]["route"] == ["routing[1]: complexity 2 ≤ 3 → fast"]
    assert simple["usage"]["models"] == [f"fast anthropic/{FAST}"]
    assert hard["usage"]["route"] == ["routing[2]: complexity 9 ≥ 8 → strong"]
    assert task(root, 2)["subtasks"][0]["title"] == "Model the conflicts"


async def test_a_documentation_task_goes_by_type_and_an_unmatched_one_keeps_the_default_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=plan("Outline the guide")), model=FAST)
    provider_server.script(MESSAGES, Reply(text=plan("Write the CSV writer")), model=MAIN)
    async with connected(root, env=ai_env(tmp_path)) as client:
        docs = await ok(client, "expand_task", id="3")
        plain = await ok(client, "expand_task", id="4")
    assert models_seen(provider_server) == [FAST, MAIN]
    assert docs["usage"]["route"] == ["routing[3]: type documentation → fast"]
    assert plain["usage"]["route"] == ["default: expand_task → main"]


async def test_a_pin_beats_the_rules_lives_in_metadata_and_never_reaches_the_model(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    before = task(root, 4)
    provider_server.script(MESSAGES, Reply(text=plan("Stream rows")), model=STRONG)
    async with connected(root, env=ai_env(tmp_path)) as client:
        pinned = await ok(client, "set_task_model", id="4,1", role="strong")
        data = await ok(client, "expand_task", id="4")
        again = await ok(client, "set_task_model", id="4", role="strong")
    assert pinned["changed"] == ["4", "1"] and again["changed"] == []
    after = task(root, 4)
    assert after["metadata"] == {"owner": "owner-ana-7731", "taskmasterMcp": {"role": "strong"}}
    assert {k: v for k, v in after.items() if k not in ("metadata", "subtasks")} == {
        k: v for k, v in before.items() if k not in ("metadata", "subtasks")
    }
    assert models_seen(provider_server) == [STRONG]
    assert data["usage"]["route"] == ["pin: task 4 → strong"]
    sent = json.dumps([r.body for r in provider_server.seen(MESSAGES)])
    assert "taskmasterMcp" not in sent and "owner-ana-7731" not in sent


async def test_pinning_to_a_role_that_does_not_exist_is_refused_and_changes_nothing(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "set_task_model", id="1", role="giant")
        missing = await error(client, "set_task_model", id="1,99", role="fast")
        cleared = await ok(client, "set_task_model", id="1")
    assert "Role 'giant' does not exist; roles are main, research, fallback, fast, strong" in message
    assert "Task 99 not found" in missing
    assert cleared["changed"] == []
    assert snapshot(root) == files


async def test_output_still_invalid_after_the_re_ask_escalates_to_the_next_stronger_role_in_the_chain(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # fast's chain: fast, main, strong. By catalogue SWE score main (sonnet 4) is not stronger than fast (haiku 4.5);
    # strong (opus 4.5) is, so it is asked next, before main.
    root = routed_project(
        tmp_path / "p",
        provider_server,
        {"fallbackOrder": {"fast": ["fast", "main", "strong"]}, "escalation": {"minConfidence": 0.6}},
    )
    provider_server.script(MESSAGES, Reply(text="not json"), Reply(text="still not json"), model=FAST)
    provider_server.script(MESSAGES, Reply(text=plan("Rename with care")), model=STRONG)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="1")
    assert models_seen(provider_server) == [FAST, FAST, STRONG]
    assert data["usage"]["escalated"] == ["invalid output after re-ask: fast → strong"]
    assert data["usage"]["models"] == [f"strong anthropic/{STRONG}"]
    assert task(root, 1)["subtasks"][0]["title"] == "Rename with care"
    entries = ledger(tmp_path)
    assert [(e["model"], e["outcome"], e.get("escalation")) for e in entries] == [
        (FAST, "invalid_output", None),
        (FAST, "invalid_output", None),
        (STRONG, "ok", "invalid output after re-ask: fast → strong"),
    ]


async def test_a_low_confidence_answer_escalates_once_and_the_stronger_answer_is_used(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(
        tmp_path / "p", provider_server, {"escalation": {"minConfidence": 0.6, "order": ["fast", "strong"]}}
    )
    provider_server.script(MESSAGES, Reply(text=plan("Guess", confidence=0.3)), model=FAST)
    provider_server.script(MESSAGES, Reply(text=plan("Rename and migrate", confidence=0.4)), model=STRONG)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="1")
    assert models_seen(provider_server) == [FAST, STRONG]  # strong's 0.4 is kept: never more than one escalation
    assert data["usage"]["escalated"] == ["confidence 0.3 < 0.6: fast → strong"]
    assert data["usage"]["route"] == ["routing[1]: complexity 2 ≤ 3 → fast"]
    assert data["usage"]["calls"] == 1 and data["usage"]["inputTokens"] == 24  # both answers are paid for
    assert task(root, 1)["subtasks"][0]["title"] == "Rename and migrate"
    assert [(e["model"], e.get("escalation")) for e in ledger(tmp_path)] == [
        (FAST, None),
        (STRONG, "confidence 0.3 < 0.6: fast → strong"),
    ]


async def test_a_confident_answer_or_a_project_without_escalation_settings_stays_on_its_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(
        tmp_path / "p", provider_server, {"escalation": {"minConfidence": 0.6, "order": ["fast", "strong"]}}
    )
    plain = routed_project(tmp_path / "q", provider_server)
    provider_server.script(
        MESSAGES, Reply(text=plan("Rename", confidence=0.9)), Reply(text=plan("Rename", confidence=0.1)), model=FAST
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        sure = await ok(client, "expand_task", id="1")
    async with connected(plain, env=ai_env(tmp_path)) as client:
        unset = await ok(client, "expand_task", id="1")
    assert models_seen(provider_server) == [FAST, FAST]
    assert sure["usage"].get("escalated") is None and unset["usage"].get("escalated") is None


async def test_route_shows_each_open_task_s_role_per_command_and_the_rule_that_chose_it(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "set_task_model", id="4", role="strong")
        data = await ok(client, "route")
    assert data["roles"]["fast"] == f"anthropic/{FAST}" and data["roles"]["main"] == f"anthropic/{MAIN}"
    rows = {row["id"]: row for row in data["rows"]}
    assert list(rows) == ["1", "2", "3", "4"]  # done task 5 is left out
    assert rows["1"]["expand"] == "routing[1]: complexity 2 ≤ 3 → fast"
    assert rows["2"]["update"] == "routing[2]: complexity 9 ≥ 8 → strong"
    assert rows["3"]["type"] == "documentation" and rows["3"]["review"] == "routing[3]: type documentation → fast"
    assert rows["4"]["pin"] == "strong" and rows["4"]["expand"] == "pin: task 4 → strong"
    assert rows["1"]["research"] == "default: expand_task:research → research"
    assert provider_server.seen() == []
    assert {k: v for k, v in snapshot(root).items() if "tasks.json" not in k} == {
        k: v for k, v in files.items() if "tasks.json" not in k
    }


async def test_an_invalid_policy_is_refused_before_any_model_call_naming_the_rule(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["taskmasterMcp"]["routing"].append({"complexityAtLeast": 5, "role": "giant"})
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        expanding = await error(client, "expand_task", id="1")
        routing = await error(client, "route")
    for message in (expanding, routing):
        assert "taskmasterMcp.routing[4].role in .taskmaster/config.json must be an existing role" in message
    assert provider_server.seen() == [] and snapshot(root) == files


async def test_a_call_routed_to_a_broken_extra_role_is_refused_naming_the_key_instead_of_falling_back(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    del config["taskmasterMcp"]["roles"]["fast"]["modelId"]
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "expand_task", id="1")  # complexity 2: routed to fast
    assert "taskmasterMcp.roles.fast in config.json needs a non-empty string 'provider' and 'modelId'" in message
    assert provider_server.seen() == [] and snapshot(root) == files


async def test_assign_models_proposes_pins_from_the_rules_and_writes_them_only_with_apply(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    files = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        proposed = await ok(client, "assign_models")
        assert snapshot(root) == files
        applied = await ok(client, "assign_models", apply=True)
    roles = {p["id"]: p.get("role") for p in proposed["proposals"]}
    assert roles == {"1": "fast", "2": "strong", "3": "fast", "4": None}
    assert applied["changed"] == ["1", "2", "3"]
    assert task(root, 3)["metadata"] == {"taskmasterMcp": {"role": "fast"}}
    assert task(root, 4)["metadata"] == {"owner": "owner-ana-7731"}
    assert provider_server.seen() == []


async def test_assign_models_asks_the_classifier_only_about_unsure_tasks_and_trusts_it_above_the_threshold(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    document = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())
    document["master"]["tasks"] = [
        {
            "id": 6,
            "title": "Onboarding flow",
            "description": "Welcome screens.",
            "status": "pending",
            "metadata": {"secret": "meta-7731"},
        },
        {"id": 7, "title": "Misc cleanup", "description": "Odds and ends.", "status": "pending"},
        {"id": 8, "title": "Write the README guide", "description": "Document setup.", "status": "pending"},
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(document))
    provider_server.script(
        MESSAGES,
        Reply(
            text=as_json(
                {
                    "tasks": [
                        {"id": 6, "type": "documentation", "confidence": 0.9},
                        {"id": 7, "type": "code", "confidence": 0.3},
                    ]
                }
            )
        ),
        model=MAIN,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "assign_models", classify=True, apply=True)
    proposals = {p["id"]: p for p in data["proposals"]}
    assert proposals["6"]["type"] == "documentation" and proposals["6"]["role"] == "fast"
    assert proposals["7"].get("role") is None and "default route" in proposals["7"]["reason"]
    assert proposals["8"]["role"] == "fast" and proposals["8"]["confidence"] == 1.0  # keywords were sure enough
    assert data["changed"] == ["6", "8"] and data["usage"]["promptVersion"] == "assign_models.classify@2"
    sent = json.dumps([r.body for r in provider_server.seen(MESSAGES)])
    assert "Onboarding flow" in sent and "Misc cleanup" in sent and "README" not in sent and "meta-7731" not in sent
    assert task(root, 6)["metadata"] == {"secret": "meta-7731", "taskmasterMcp": {"role": "fast"}}


async def test_when_the_stronger_role_fails_the_low_confidence_answer_is_kept_and_the_usage_says_why(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(
        tmp_path / "p", provider_server, {"escalation": {"minConfidence": 0.6, "order": ["fast", "strong"]}}
    )
    provider_server.script(MESSAGES, Reply(text=plan("Rename it", confidence=0.2)), model=FAST)
    provider_server.script(
        MESSAGES, Reply(status=400, error_type="invalid_request_error", message="bad model"), model=STRONG
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_task", id="1")
    assert models_seen(provider_server) == [FAST, STRONG]
    assert task(root, 1)["subtasks"][0]["title"] == "Rename it"
    assert data["usage"]["models"] == [f"fast anthropic/{FAST}"] and data["usage"].get("escalated") is None
    assert any(
        note.startswith("escalation failed (confidence 0.2 < 0.6: fast → strong); kept the first answer")
        for note in data["usage"]["fallbacks"]
    )


async def test_update_task_model_role_pins_the_task_routes_its_own_rewrite_and_is_written_only_on_success(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = routed_project(tmp_path / "p", provider_server)
    files = snapshot(root)
    edit = as_json(
        {
            "title": "Implement the export endpoint",
            "description": "CSV and JSON export.",
            "details": "Stream rows.",
            "testStrategy": "Golden files.",
        }
    )
    provider_server.script(MESSAGES, Reply(status=400, error_type="invalid_request_error", message="no"), model=STRONG)
    provider_server.defaults[MESSAGES] = Reply(status=400, error_type="invalid_request_error", message="no")
    async with connected(root, env=ai_env(tmp_path)) as client:
        refused = await error(client, "update_task", id="4", prompt="Add JSON export.", modelRole="giant")
        subtask = await error(client, "update_task", id="4.1", modelRole="fast")
        await error(client, "update_task", id="4", prompt="Add JSON export.", modelRole="strong")  # models fail
        assert snapshot(root) == files  # refused or failed: nothing written, not even the pin
        provider_server.defaults[MESSAGES] = Reply()
        provider_server.script(MESSAGES, Reply(text=edit), model=STRONG)
        data = await ok(client, "update_task", id="4", prompt="Add JSON export.", modelRole="strong")
        only_pin = await ok(client, "update_task", id="3", modelRole="fast")
        cleared = await ok(client, "update_task", id="3", modelRole="")
    assert "Role 'giant' does not exist" in refused and "modelRole pins tasks; 4.1 is a subtask" in subtask
    assert data["usage"]["route"] == ["pin: task 4 → strong"] and provider_server.seen(MESSAGES)[-1].model == STRONG
    assert task(root, 4)["metadata"] == {"owner": "owner-ana-7731", "taskmasterMcp": {"role": "strong"}}
    assert task(root, 4)["description"] == "CSV and JSON export."
    assert only_pin["changed"] == ["3.metadata"] and cleared["changed"] == ["3.metadata"]
    assert "metadata" not in task(root, 3)


async def test_with_the_response_cache_an_escalated_answer_is_stored_under_the_stronger_model_and_reused_free(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # the cache sees each model's own request: the weak answer under fast's key, the escalated one under strong's,
    # so the same call again is two hits (the low-confidence one still escalates, to a cached answer) and no request
    root = routed_project(
        tmp_path / "p",
        provider_server,
        {"cache": {"enabled": True}, "escalation": {"minConfidence": 0.6, "order": ["fast", "strong"]}},
    )
    provider_server.script(
        MESSAGES, Reply(text=plan("Guess", confidence=0.3)), Reply(text=plan("Guess again", confidence=0.2)), model=FAST
    )
    provider_server.script(
        MESSAGES,
        Reply(text=plan("Rename and migrate", confidence=0.9)),
        Reply(text=plan("Rename, migrate, announce", confidence=0.9)),
        model=STRONG,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        first = await ok(client, "expand_task", id="1", force=True)
        second = await ok(client, "expand_task", id="1", force=True)
        assert models_seen(provider_server) == [FAST, STRONG]
        fresh = await ok(client, "expand_task", id="1", force=True, fresh=True)  # fresh holds for the escalation
    assert models_seen(provider_server) == [FAST, STRONG, FAST, STRONG]
    assert fresh["usage"].get("cacheHits") is None
    assert first["usage"].get("cacheHits") is None and first["usage"]["costUsd"] > 0
    assert second["usage"]["cacheHits"] == 1 and second["usage"]["costUsd"] == 0
    assert second["usage"]["models"] == [f"strong anthropic/{STRONG}"]
    assert second["usage"]["escalated"] == ["confidence 0.3 < 0.6: fast → strong"]
    assert task(root, 1)["subtasks"][0]["title"] == "Rename, migrate, announce"


async def test_a_cached_weak_answer_escalated_to_a_live_answer_is_not_reported_as_answered_from_the_cache(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # first call: strong fails, the weak answer is kept (and stored); second call: the weak answer is a hit, it
    # escalates and strong answers live, so the result was paid for and did not come from the cache
    root = routed_project(
        tmp_path / "p",
        provider_server,
        {"cache": {"enabled": True}, "escalation": {"minConfidence": 0.6, "order": ["fast", "strong"]}},
    )
    provider_server.script(MESSAGES, Reply(text=plan("Guess", confidence=0.3)), model=FAST)
    provider_server.script(
        MESSAGES,
        Reply(status=400, error_type="invalid_request_error", message="busy"),
        Reply(text=plan("Rename and migrate", confidence=0.9)),
        model=STRONG,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        kept = await ok(client, "expand_task", id="1", force=True)
        escalated = await ok(client, "expand_task", id="1", force=True)
    assert models_seen(provider_server) == [FAST, STRONG, STRONG]
    assert kept["usage"]["models"] == [f"fast anthropic/{FAST}"]
    usage = escalated["usage"]
    assert usage["models"] == [f"strong anthropic/{STRONG}"] and usage["costUsd"] > 0
    assert usage.get("cacheHits") is None and usage.get("cache") is None


async def test_a_prd_routed_to_a_small_context_role_is_cut_into_parts_that_fit_that_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # main (200k tokens) would take this PRD whole; the rule sends parse_prd to a local model of 40,960 tokens, so
    # the PRD is planned in parts sized for the local model
    local = {"provider": "ollama", "modelId": "qwen3:32b", "maxTokens": 4000, "baseURL": provider_server.url + "/v1"}
    root = routed_project(tmp_path / "p", provider_server)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["taskmasterMcp"]["roles"]["local"] = local
    config["taskmasterMcp"]["routing"] = [{"command": "parse_prd", "role": "local"}]
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    section = "Users import their data and see it in a table. " * 400  # ~19k characters a section
    prd = "".join(f"## Feature {n}\n{section}\n\n" for n in range(1, 9))  # ~155k characters
    answer = as_json(
        {
            "tasks": [
                {
                    "id": 1,
                    "title": "A feature",
                    "description": "Build it.",
                    "details": "How.",
                    "testStrategy": "Test.",
                    "priority": "high",
                    "dependencies": [],
                }
            ]
        }
    )
    provider_server.defaults[CHAT] = Reply(text=answer)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", prd=prd, force=True)
    sent = provider_server.seen(CHAT)
    assert len(sent) >= 2 and {r.model for r in sent} == {"qwen3:32b"}
    assert all(len(json.dumps(r.body)) < 4 * 40_960 for r in sent)
    assert data["usage"]["route"] == ["routing[0]: command parse_prd → local"]
