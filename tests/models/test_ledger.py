"""The usage ledger: where it lives, what a line holds, budgets, reports."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from taskmaster_mcp.errors import BudgetExceeded
from taskmaster_mcp.models.ledger import Entry, Ledger
from taskmaster_mcp.store.settings import Budgets

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def entry(**changes: object) -> Entry:
    base: dict[str, object] = dict(
        ts="2025-06-15T10:00:00Z",
        command="parse_prd",
        role="main",
        provider="anthropic",
        model="claude-sonnet-4-20250514",
        input_tokens=100,
        output_tokens=50,
        cached_tokens=0,
        cost_usd=0.5,
        latency_ms=100.0,
        outcome="ok",
        fallback=False,
        attempt=1,
    )
    base.update(changes)
    return Entry(**base)  # type: ignore[arg-type]


def test_ledger_file_is_named_by_a_hash_of_the_project_root(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "proj", base_dir=tmp_path / "data")
    digest = hashlib.sha256(str((tmp_path / "proj").resolve()).encode()).hexdigest()[:16]
    assert ledger.path == tmp_path / "data" / "ledgers" / f"{digest}.jsonl"


def test_data_dir_comes_from_the_env_variable_when_no_base_dir_is_given(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, env={"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "elsewhere")})
    assert ledger.path.parent == tmp_path / "elsewhere" / "ledgers"


def test_record_appends_one_compact_json_line_per_call(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry())
    ledger.record(entry(outcome="overloaded", cost_usd=None, fallback=True, attempt=2))
    lines = ledger.path.read_text().splitlines()
    assert len(lines) == 2
    second = json.loads(lines[1])
    assert second["outcome"] == "overloaded" and second["cost_usd"] is None and second["fallback"] is True
    assert set(second) == {
        "ts",
        "command",
        "role",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "cost_usd",
        "latency_ms",
        "outcome",
        "fallback",
        "attempt",
        "prompt",
    }


def test_check_budget_refuses_when_todays_spend_reached_the_daily_limit(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry(cost_usd=0.6))
    ledger.check_budget(Budgets(daily_usd=1.0), now=NOW)
    ledger.record(entry(cost_usd=0.6))
    with pytest.raises(BudgetExceeded) as raised:
        ledger.check_budget(Budgets(daily_usd=1.0), now=NOW)
    message = str(raised.value)
    assert "$1.20" in message and "$1.00" in message and "taskmasterMcp.budgets.dailyUsd" in message


def test_budget_refusal_shows_enough_digits_to_tell_the_spend_from_the_limit(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry(cost_usd=0.00312))
    with pytest.raises(BudgetExceeded) as raised:
        ledger.check_budget(Budgets(daily_usd=0.003), now=NOW)
    assert "$0.0031 spent today (UTC) of a $0.003 limit" in str(raised.value)


def test_monthly_budget_counts_every_day_of_the_month(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry(ts="2025-06-01T10:00:00Z", cost_usd=3.0))
    ledger.record(entry(ts="2025-05-31T10:00:00Z", cost_usd=30.0))
    ledger.check_budget(Budgets(daily_usd=1.0, monthly_usd=5.0), now=NOW)
    ledger.record(entry(ts="2025-06-14T10:00:00Z", cost_usd=2.0))
    with pytest.raises(BudgetExceeded, match="monthlyUsd"):
        ledger.check_budget(Budgets(monthly_usd=5.0), now=NOW)


def test_unknown_costs_add_nothing_to_spend_and_are_counted_apart_in_the_report(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry(cost_usd=None, provider="ollama", model="llama3.3"))
    ledger.record(entry(cost_usd=0.25))
    assert ledger.spend(NOW) == (0.25, 0.25)
    report = ledger.report()
    assert report.total.cost_usd == 0.25 and report.total.unknown_cost_calls == 1
    assert report.by_model["ollama/llama3.3"].unknown_cost_calls == 1


def test_report_aggregates_latency_error_and_fallback_rates_by_role_command_and_day(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    for latency in (10.0, 20.0, 30.0, 40.0):
        ledger.record(entry(latency_ms=latency))
    ledger.record(
        entry(
            role="fallback",
            outcome="auth",
            cost_usd=None,
            fallback=True,
            latency_ms=5.0,
            command="expand_task",
            ts="2025-06-16T01:00:00Z",
        )
    )
    report = ledger.report()
    assert report.total.calls == 5 and report.total.errors == 1
    assert report.total.error_rate == 0.2 and report.total.fallback_rate == 0.2
    assert report.by_role["main"].p50_latency_ms in (20.0, 30.0)
    assert report.by_role["main"].p95_latency_ms == 40.0
    assert set(report.by_command) == {"parse_prd", "expand_task"}
    assert set(report.by_day) == {"2025-06-15", "2025-06-16"}
    assert ledger.report(since="2025-06-16").total.calls == 1


def test_damaged_lines_are_skipped(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    ledger.record(entry())
    with ledger.path.open("a") as handle:
        handle.write("{not json\n")
    ledger.record(entry())
    assert len(ledger.entries()) == 2


def test_lines_written_before_the_prompt_field_existed_parse_with_an_empty_prompt(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data")
    old = {k: v for k, v in entry().__dict__.items() if k != "prompt"}
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_text(json.dumps(old) + "\n")
    ledger.record(entry(prompt="parse_prd@2"))
    assert [e.prompt for e in ledger.entries()] == ["", "parse_prd@2"]


async def test_every_model_call_records_its_prompt_version_in_the_ledger_and_a_replayable_recording(
    tmp_path: Path,
) -> None:
    from ai_helpers import ai_env, ai_project, as_json
    from mcp_helpers import connected, ok
    from provider_server import MESSAGES, ProviderServer, Reply
    from taskmaster_mcp.models.recording import load

    answer = {
        "tasks": [
            {
                "id": 1,
                "title": "Project skeleton",
                "description": "Layout.",
                "details": "How.",
                "testStrategy": "Tests.",
                "priority": "high",
                "dependencies": [],
            }
        ]
    }
    env = {**ai_env(tmp_path), "TASKMASTER_MCP_RECORD": str(tmp_path / "rec")}
    server = ProviderServer().start()
    try:
        root = ai_project(tmp_path / "p", server)
        server.script(MESSAGES, Reply(text=as_json(answer)))
        async with connected(root, env=env) as client:
            first = await ok(client, "parse_prd", prd="# Notes\nA note-taking app.", numTasks=1)
        ledger = Ledger(root, env=env)
        assert [(e.command, e.prompt) for e in ledger.entries()] == [("parse_prd", "parse_prd@3")]
        [recording] = load(tmp_path / "rec")
        assert (recording.prompt_version, recording.command, recording.role, recording.schema) == (
            "parse_prd@3",
            "parse_prd",
            "main",
            "TaskPlan",
        )
        assert [t["title"] for t in recording.answer["tasks"]] == ["Project skeleton"]
        assert "note-taking" in recording.prompt and (tmp_path / "rec" / f"{recording.key}.json").is_file()

        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
        from replay import Replayer

        server.reset()
        replayer = Replayer.from_dir(tmp_path / "rec")
        server.responder = replayer
        again = ai_project(tmp_path / "q", server)
        async with connected(again, env=ai_env(tmp_path / "q")) as client:
            second = await ok(client, "parse_prd", prd="# Notes\nA note-taking app.", numTasks=1)
        assert [how for how, _, _ in replayer.served] == ["fresh"]
        assert second["created"] == first["created"]
    finally:
        server.stop()
