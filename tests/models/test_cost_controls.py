"""Cost controls, end to end: per-command caps, the warning threshold, user prices for unpriced models, calls of
unknown cost that no budget counts (and says so), and usage_report's periods, end date and shares.

Prices used: sonar-pro (research role) and claude-sonnet-4 (main role) cost $3 / $15 per 1M input / output tokens,
so a scripted answer of 1,000 input and 1,000 output tokens costs $0.018.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front, as in the other AI tests
import pytest

from ai_helpers import MAIN_MODEL, RESEARCH_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply, write_config
from taskmaster_mcp.cli.parser import plan as cli_plan
from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.ledger import Entry, Ledger
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import cost_controls

CALL = (1000, 1000, 0)  # $0.018 at $3 / $15 per 1M tokens
PLAN = as_json(
    {
        "subtasks": [
            {
                "id": 1,
                "title": "Do the work",
                "description": "Do it.",
                "details": "How.",
                "testStrategy": "Test.",
                "dependencies": [],
            }
        ]
    }
)


def project(root: Path, server: ProviderServer, ours: dict[str, Any]) -> Path:
    ai_project(root, server, ours=ours)
    tasks: list[dict[str, Any]] = [
        {
            "id": 1,
            "title": "Build the importer",
            "description": "Import CSV files.",
            "status": "pending",
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
        }
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    return root


async def test_a_command_past_its_cap_is_refused_before_any_call_and_other_commands_still_run(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, {"budgets": {"perCommandUsd": {"research": 0.01}}})
    provider_server.defaults[CHAT] = Reply(text="- a finding", usage=CALL)
    provider_server.defaults[MESSAGES] = Reply(text=PLAN, usage=CALL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "research", query="Which CSV parser?")
        before, requests = snapshot(root), len(provider_server.seen())
        refused = await error(client, "research", query="Which date library?")
        assert snapshot(root) == before and len(provider_server.seen()) == requests
        expanded = await ok(client, "expand_task", id="1")
    assert "AI budget for research reached: $0.018 spent today (" in refused
    assert "of a $0.01 cap. No model was called. Raise taskmasterMcp.budgets.perCommandUsd.research.dailyUsd" in refused
    assert expanded["usage"]["costUsd"] == pytest.approx(0.018)


async def test_a_monthly_cap_counts_the_commands_research_steps(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(
        tmp_path / "p", provider_server, {"budgets": {"perCommandUsd": {"expand_task": {"monthlyUsd": 0.03}}}}
    )
    provider_server.defaults[CHAT] = Reply(text="- use csv.DictReader", usage=CALL)
    provider_server.defaults[MESSAGES] = Reply(text=PLAN, usage=CALL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        first = await ok(client, "expand_task", id="1", research=True, force=True)
        refused = await error(client, "expand_task", id="1", prompt="Smaller steps", force=True)
    assert first["usage"]["costUsd"] == pytest.approx(0.036)  # the research step and the expansion
    assert "AI budget for expand_task reached: $0.036 spent in " in refused
    assert "taskmasterMcp.budgets.perCommandUsd.expand_task.monthlyUsd" in refused


async def test_past_warn_at_results_carry_a_warning_and_stderr_logs_it_once(
    tmp_path: Path, provider_server: ProviderServer, caplog: pytest.LogCaptureFixture
) -> None:
    root = project(tmp_path / "p", provider_server, {"budgets": {"dailyUsd": 0.05, "warnAt": 0.5}})
    provider_server.defaults[CHAT] = Reply(text="- a finding", usage=CALL)
    caplog.set_level(logging.WARNING, logger="taskmaster_mcp.models.spend")
    async with connected(root, env=ai_env(tmp_path)) as client:
        under = await ok(client, "research", query="First question?")
        over = await ok(client, "research", query="Second question?")
        again = await ok(client, "research", query="Third question?")
    assert "warnings" not in under["usage"]  # $0.018 of $0.05 is 36%
    [warning] = over["usage"]["warnings"]
    assert warning.startswith("AI spend at 72% of taskmasterMcp.budgets.dailyUsd: $0.036 of $0.05 today (")
    assert again["usage"]["warnings"][0].startswith("AI spend at 108% of taskmasterMcp.budgets.dailyUsd")
    assert "The next call is refused; raise it in .taskmaster/config.json" in again["usage"]["warnings"][0]
    logged = [r.getMessage() for r in caplog.records if r.name == "taskmaster_mcp.models.spend"]
    assert logged == [warning]


async def test_an_unpriced_model_is_unknown_cost_counted_by_no_budget_and_the_budget_says_so(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, {"budgets": {"dailyUsd": 1}})
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["models"]["main"]["modelId"] = "claude-in-house-1"
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    provider_server.defaults[MESSAGES] = Reply(text=PLAN, usage=CALL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        expanded = await ok(client, "expand_task", id="1")
        report = await ok(client, "usage_report")
    assert "costUsd" not in expanded["usage"]  # null: unknown, never 0
    [warning] = expanded["usage"]["warnings"]
    assert warning.startswith(
        "this call's cost is unknown (no price for anthropic/claude-in-house-1), so it counts "
        'against no budget; set taskmasterMcp.costPer1M["anthropic/claude-in-house-1"]'
    )
    [daily] = report["budgets"]
    assert (daily["budget"], daily["spentUsd"], daily["unknownCostCalls"]) == ("budgets.dailyUsd", 0, 1)
    assert report["report"]["total"]["unknown_cost_calls"] == 1


@pytest.mark.parametrize("key", ["anthropic/claude-in-house-1", "main"])
async def test_a_user_price_gives_a_custom_model_its_cost(
    tmp_path: Path, provider_server: ProviderServer, key: str
) -> None:
    root = project(tmp_path / "p", provider_server, {"costPer1M": {key: {"input": 2, "output": 4}}})
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["models"]["main"]["modelId"] = "claude-in-house-1"
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    provider_server.defaults[MESSAGES] = Reply(text=PLAN, usage=CALL)
    async with connected(root, env=ai_env(tmp_path)) as client:
        expanded = await ok(client, "expand_task", id="1")
    assert expanded["usage"]["costUsd"] == pytest.approx((1000 * 2 + 1000 * 4) / 1e6)


def entry(ts: str, role: str, model: str, cost: float | None, command: str = "expand_task") -> Entry:
    return Entry(
        ts=ts,
        command=command,
        role=role,
        provider="anthropic",
        model=model,
        input_tokens=100,
        output_tokens=10,
        cached_tokens=0,
        cost_usd=cost,
        latency_ms=50.0,
        outcome="ok",
        fallback=False,
        attempt=1,
    )


async def test_usage_report_periods_end_dates_and_each_models_and_roles_share(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, {})
    today = datetime.now(UTC).date()
    stamp = lambda day: f"{day.isoformat()}T12:00:00Z"  # noqa: E731
    ledger = Ledger(root, env=ai_env(tmp_path))
    for item in (
        entry(stamp(today), "main", MAIN_MODEL, 0.03),
        entry(stamp(today), "fallback", "gpt-4o", 0.01),
        entry(stamp(today - timedelta(days=3)), "main", MAIN_MODEL, 0.06),
        entry(stamp(today - timedelta(days=20)), "research", RESEARCH_MODEL, 0.5),
        entry("2025-02-14T09:00:00Z", "main", MAIN_MODEL, 1.0),
    ):
        ledger.record(item)
    async with connected(root, env=ai_env(tmp_path)) as client:
        week = await ok(client, "usage_report", period="last-week")
        month = await ok(client, "usage_report", period="last-month")
        ended = await ok(client, "usage_report", period="last-week", until=(today - timedelta(days=1)).isoformat())
        february = await ok(client, "usage_report", period="2025-02")
        wrong = await error(client, "usage_report", period="last-year")
    assert (week["since"], week["until"]) == ((today - timedelta(days=6)).isoformat(), today.isoformat())
    assert week["report"]["total"]["calls"] == 3 and week["report"]["total"]["cost_usd"] == pytest.approx(0.1)
    main, fallback = week["report"]["by_role"]["main"], week["report"]["by_role"]["fallback"]
    assert (main["cost_share"], fallback["cost_share"]) == (0.9, 0.1)
    assert (main["call_share"], fallback["call_share"]) == (0.6667, 0.3333)
    assert week["report"]["by_model"][f"anthropic/{MAIN_MODEL}"]["cost_share"] == 0.9
    assert month["report"]["total"]["calls"] == 4
    assert ended["report"]["total"]["calls"] == 1 and ended["until"] == (today - timedelta(days=1)).isoformat()
    assert (february["since"], february["until"], february["report"]["total"]["calls"]) == (
        "2025-02-01",
        "2025-02-28",
        1,
    )
    assert "period 'last-year' is not one of last-week, last-month or YYYY-MM" in wrong


def test_cli_usage_takes_a_period_and_an_end_date() -> None:
    assert cli_plan(["usage", "--period", "last-week"]).arguments == {"period": "last-week"}
    assert cli_plan(["usage", "--period", "2026-10", "--until", "2026-10-15"]).arguments == {
        "period": "2026-10",
        "until": "2026-10-15",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "0000-01"], "period '0000-01' is not one of last-week, last-month or YYYY-MM"),
        (["--period", "9999-12"], "period '9999-12' is not one of last-week, last-month or YYYY-MM"),
        (["--period", "2026-13"], "period '2026-13' is not one of last-week, last-month or YYYY-MM"),
        (["--since", "2026-02-30"], "since '2026-02-30' is not a date"),
        (["--period", "last-week", "--until", "0001-01-01"], "until '0001-01-01' is not a date"),
        (["--since", "2026-05-01", "--until", "2026-04-01"], "until 2026-04-01 is before since 2026-05-01"),
        (["--period", "2026-02", "--until", "2026-01-31"], "until 2026-01-31 is before the period 2026-02 starts"),
    ],
)
def test_a_period_or_date_range_that_cannot_be_is_bad_usage_in_one_line_with_nothing_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    from taskmaster_mcp.cli.main import run

    (tmp_path / ".taskmaster").mkdir()
    code = run(["-C", str(tmp_path), "usage", "--json", *args], env={"HOME": str(tmp_path)})
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 2  # the error and the --help hint


async def test_usage_report_refuses_an_until_before_since_instead_of_reporting_an_empty_range(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, {})
    async with connected(root, env=ai_env(tmp_path)) as client:
        reversed_range = await error(client, "usage_report", since="2026-05-01", until="2026-04-01")
        year_zero = await error(client, "usage_report", period="0000-01")
    assert "until 2026-04-01 is before since 2026-05-01" in reversed_range
    assert "period '0000-01' is not one of" in year_zero and "unexpected" not in year_zero


@pytest.mark.parametrize(
    ("ours", "message"),
    [
        (
            {"budgets": {"perCommandUsd": {"research": "5"}}},
            "budgets.perCommandUsd.research in .taskmaster/config.json must be a number >= 0",
        ),
        ({"budgets": {"perCommandUsd": {"research": {"weeklyUsd": 5}}}}, "must be a number (USD a day) or an object"),
        ({"budgets": {"warnAt": 1.5}}, "budgets.warnAt in .taskmaster/config.json must be a number from 0 to 1"),
        (
            {"budgets": {"perCommandUSD": {"research": 5}}},
            "budgets.perCommandUSD in .taskmaster/config.json must be "
            "absent: budgets accepts only dailyUsd, monthlyUsd, "
            "perCommandUsd, warnAt",
        ),
        (
            {"costPer1M": {"ollama/llama3": {"input": 0.1}}},
            "costPer1M.ollama/llama3.output in .taskmaster/config.json must be a number >= 0",
        ),
    ],
)
def test_bad_cost_settings_name_the_key_to_fix(tmp_path: Path, ours: dict[str, Any], message: str) -> None:
    write_config(tmp_path, {}, ours)
    config = Config(raw=json.loads((tmp_path / ".taskmaster/config.json").read_text()))
    with pytest.raises(ConfigError) as caught:
        cost_controls(config)
    assert message in str(caught.value)


async def test_a_reached_budget_says_how_many_calls_of_unknown_cost_it_does_not_count(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, {"budgets": {"dailyUsd": 1}})
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ledger = Ledger(root, env=ai_env(tmp_path))
    ledger.record(entry(now, "main", MAIN_MODEL, 1.2))
    ledger.record(entry(now, "main", "claude-in-house-1", None))
    async with connected(root, env=ai_env(tmp_path)) as client:
        refused = await error(client, "expand_task", id="1")
    assert "AI budget reached: $1.20 spent today (UTC) of a $1.00 limit. No model was called." in refused
    assert "; 1 call(s) of unknown cost in this period are not counted (set taskmasterMcp.costPer1M" in refused
    assert provider_server.seen() == []


async def test_a_cap_on_parse_prd_covers_its_critique_calls(tmp_path: Path, provider_server: ProviderServer) -> None:
    # the critic's calls are in the ledger as parse_prd:critique and count for parse_prd: once the draft has spent
    # the cap, the critique is refused before any request and nothing is written
    root = project(tmp_path / "p", provider_server, {"budgets": {"perCommandUsd": {"parse_prd": 0.01}}})
    draft = as_json(
        {
            "tasks": [
                {
                    "id": 1,
                    "title": "Importer",
                    "description": "Import.",
                    "details": "How.",
                    "testStrategy": "Test.",
                    "priority": "high",
                    "dependencies": [],
                }
            ]
        }
    )
    provider_server.script(MESSAGES, Reply(text=draft, usage=CALL))
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        refused = await error(client, "parse_prd", prd="# Importer\n\nImport CSV files.\n", critique=True, append=True)
    assert "AI budget for parse_prd reached: $0.018 spent today" in refused and "No model was called" in refused
    assert len(provider_server.seen()) == 1 and not provider_server.seen(CHAT)  # the critic was never asked
    assert snapshot(root) == before
