"""benchmark_models end to end: MCP client (and CLI) -> our server -> real SDKs -> two scripted models that differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import FALLBACK_MODEL, MAIN_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Recorded, Reply
from taskmaster_mcp.ai.benchmark_checks import percentile, prd_sections, score_items
from taskmaster_mcp.cli import main as cli_module

PRD = """# Recipe box

## Recipes
Save recipes with ingredients and steps.

## Shopping list
Build a shopping list from chosen recipes.

## Sharing
Share a recipe with a friend by link.
"""
REPORT = ".taskmaster/reports/model-benchmark.json"


def good_answer(request: Recorded) -> Reply:
    """A valid, well-formed answer to either kind of sample work: the slow, careful model."""
    if "prdSection" in json.dumps(request.body):
        return Reply(
            text=as_json(
                {
                    "tasks": [
                        {
                            "id": 1,
                            "title": "Recipe storage",
                            "description": "Save recipes.",
                            "details": "Recipes table.",
                            "testStrategy": "Unit.",
                            "priority": "high",
                            "dependencies": [],
                        },
                        {
                            "id": 2,
                            "title": "Shopping list builder",
                            "description": "List from recipes.",
                            "details": "Merge.",
                            "testStrategy": "Unit.",
                            "priority": "medium",
                            "dependencies": [1],
                        },
                        {
                            "id": 3,
                            "title": "Sharing recipes by link",
                            "description": "Share.",
                            "details": "Signed links.",
                            "testStrategy": "Unit.",
                            "priority": "low",
                            "dependencies": [1],
                        },
                    ]
                }
            ),
            delay=0.2,
        )
    return Reply(
        text=as_json(
            {
                "subtasks": [
                    {
                        "id": n,
                        "title": title,
                        "description": f"{title}.",
                        "details": "How.",
                        "testStrategy": "Unit.",
                        "dependencies": [n - 1] if n > 1 else [],
                    }
                    for n, title in enumerate(
                        ("Schema design", "Write the handler", "Input validation", "Integration tests"), start=1
                    )
                ]
            }
        ),
        delay=0.2,
    )


def sloppy_answer(request: Recorded) -> Reply:
    """Fast, but never valid on the first try, and its second answer repeats one title."""
    if len(request.body.get("messages", [])) <= 2:
        return Reply(text="Sure! Here are the tasks you asked for.")
    if "prdSection" in json.dumps(request.body):
        return Reply(
            text=as_json(
                {
                    "tasks": [
                        {
                            "id": n,
                            "title": "Recipe storage",
                            "description": "Save.",
                            "details": "x",
                            "testStrategy": "x",
                            "priority": "medium",
                            "dependencies": [2] if n == 1 else [],
                        }
                        for n in (1, 2, 3)
                    ]
                }
            )
        )
    return Reply(
        text=as_json(
            {
                "subtasks": [
                    {
                        "id": n,
                        "title": "Write the handler",
                        "description": "Do.",
                        "details": "How.",
                        "testStrategy": "x",
                        "dependencies": [],
                    }
                    for n in range(1, 5)
                ]
            }
        )
    )


def two_models(request: Recorded) -> Reply:
    return good_answer(request) if request.path.endswith(MESSAGES) else sloppy_answer(request)


def project(root: Path, server: ProviderServer) -> Path:
    """Three open tasks, a PRD with three sections, and three tasks asked of a PRD (global.defaultNumTasks)."""
    ai_project(root, server, defaultNumTasks=3)
    tasks = [
        {
            "id": n,
            "title": f"Feature number {n}",
            "description": f"Feature {n}.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [n - 1] if n > 1 else [],
            "priority": "medium",
            "subtasks": [],
        }
        for n in (1, 2, 3)
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    (root / ".taskmaster/docs").mkdir(parents=True)
    (root / ".taskmaster/docs/prd.txt").write_text(PRD)
    return root


async def test_the_slow_valid_model_ranks_above_the_fast_sloppy_one_and_tasks_json_is_untouched(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.responder = two_models
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "benchmark_models", roles="main,fallback", tasks=2, maxUsd=1)
    assert data["ranking"] == [MAIN_MODEL, FALLBACK_MODEL] and data["sample"] == "project"
    good, sloppy = data["candidates"]
    assert (good["role"], good["runs"], good["validFirstTry"], good["reasks"], good["failures"]) == (
        "main",
        3,
        1.0,
        0,
        0,
    )
    assert good["quality"] == 1.0 and good["checks"]["coverage"] == 1.0
    assert (sloppy["role"], sloppy["validFirstTry"], sloppy["reasks"], sloppy["failures"]) == ("fallback", 0.0, 3, 0)
    assert sloppy["checks"]["duplicates"] == 0.0 and sloppy["checks"]["dependencies"] < 1 and sloppy["quality"] < 1
    assert good["inputTokens"] > 0 and good["costUsd"] > 0 and sloppy["latencyMs"]["p95"] >= sloppy["latencyMs"]["p50"]
    assert len(provider_server.seen(MESSAGES)) == 3 and len(provider_server.seen(CHAT)) == 6
    after = snapshot(root)
    report_sha = after.pop(REPORT)
    assert after == before  # tasks.json and everything else byte-identical; only the report is new
    report = json.loads((root / REPORT).read_text())
    assert report_sha and report["ranking"] == data["ranking"] and report["tasks"] == 2
    assert set(report["candidates"][0]) == {
        "role",
        "provider",
        "modelId",
        "runs",
        "validFirstTry",
        "reasks",
        "failures",
        "latencyMs",
        "inputTokens",
        "outputTokens",
        "costUsd",
        "quality",
        "checks",
    }


async def test_paid_models_without_max_usd_or_over_it_are_refused_before_any_request(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        missing = await error(client, "benchmark_models")
        over = await error(client, "benchmark_models", maxUsd=0.0001)
    assert "maxUsd" in missing and "real money" in missing and MAIN_MODEL in missing
    assert "over maxUsd $0.0001" in over and "fewer tasks" in over
    assert provider_server.requests == [] and snapshot(root) == before


async def test_local_models_by_id_need_no_spending_cap_and_a_bare_project_gets_the_built_in_sample(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.responder = good_answer
    env = {**ai_env(tmp_path), "OLLAMA_BASE_URL": provider_server.url + "/v1"}
    async with connected(root, env=env) as client:
        data = await ok(client, "benchmark_models", models="llama3.3", tasks=1)
    [only] = data["candidates"]
    assert (only["provider"], only["modelId"], only.get("role"), only["runs"], only["failures"]) == (
        "ollama",
        "llama3.3",
        None,
        2,
        0,
    )
    assert data["sample"] == "built-in PRD, built-in tasks" and data["estimatedUsd"] == 0
    assert only["checks"]["coverage"] < 1  # the built-in PRD's sections are not what this model planned


def test_the_cli_prints_a_ranked_table_and_refuses_paid_models_without_max_usd(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.responder = two_models
    env = {"HOME": str(root), **ai_env(tmp_path)}
    refused = cli_module.run(["-C", str(root), "benchmark"], env=env)
    refused_err = capsys.readouterr().err
    code = cli_module.run(["-C", str(root), "benchmark", "--tasks", "1", "--max-usd", "1"], env=env)
    table = capsys.readouterr().out
    code_json = cli_module.run(
        ["-C", str(root), "benchmark", "--roles", "main", "--tasks", "0", "--max-usd", "1", "--json"], env=env
    )
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert refused != 0 and "--max-usd" in refused_err
    assert code == 0 and table.index(MAIN_MODEL) < table.index(FALLBACK_MODEL) and "quality" in table
    assert REPORT in table
    assert code_json == 0 and data["ranking"] == [MAIN_MODEL] and data["candidates"][0]["runs"] == 1


def test_a_benchmark_in_which_every_model_failed_every_run_exits_1_saying_why_and_keeps_stdout_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    tasks = (root / ".taskmaster/tasks/tasks.json").read_bytes()
    code = cli_module.run(
        ["-C", str(root), "benchmark", "--tasks", "0", "--max-usd", "1", "--json"], env={"HOME": str(root)}
    )  # no API key at all
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out)["candidates"] and provider_server.requests == []
    assert "every model failed every run" in err and "_API_KEY is not set" in err and "MCP config" not in err
    assert (root / ".taskmaster/tasks/tasks.json").read_bytes() == tasks


def test_quality_checks_score_dependencies_duplicates_count_and_coverage() -> None:
    sections = prd_sections(PRD)
    assert sections == ["Recipes", "Shopping list", "Sharing"]
    assert prd_sections("## Login\nx\n## Search\n") == ["Login", "Search"]  # no title heading: every section
    items = [
        {"id": 1, "title": "Recipe storage", "dependencies": []},
        {"id": 2, "title": "Shopping list builder", "dependencies": [1]},
    ]
    assert score_items(items, 2, sections) == {
        "dependencies": 1.0,
        "duplicates": 1.0,
        "count": 1.0,
        "coverage": pytest.approx(2 / 3),
    }
    forward = [{"id": 1, "title": "A thing", "dependencies": [2]}, {"id": 2, "title": "A thing", "dependencies": []}]
    assert score_items(forward, 5, []) == {"dependencies": 0.0, "duplicates": 0.0, "count": 0.0}
    assert percentile([100.0, 200.0, 300.0, 400.0], 0.5) == 250.0 and percentile([], 0.95) == 0.0


def strong_role(server: ProviderServer) -> dict[str, Any]:
    return {"strong": {"provider": "openai", "modelId": "gpt-4.1", "maxTokens": 4000, "baseURL": server.url + "/v1"}}


async def test_a_second_identical_run_still_asks_the_models_and_an_extra_role_can_be_a_candidate(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # the response cache is on (the default): a benchmark measures the models, so it never takes a stored answer
    root = project(tmp_path / "p", provider_server)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["taskmasterMcp"]["roles"] = strong_role(provider_server)
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    provider_server.responder = good_answer
    async with connected(root, env=ai_env(tmp_path)) as client:
        first = await ok(client, "benchmark_models", roles="main,strong", tasks=1, maxUsd=1)
        second = await ok(client, "benchmark_models", roles="main,strong", tasks=1, maxUsd=1)
    assert len(provider_server.seen(MESSAGES)) == 4 and len(provider_server.seen(CHAT)) == 4
    for data in (first, second):
        assert [(c["role"], c["modelId"], c["runs"], c["failures"]) for c in data["candidates"]] == [
            ("main", MAIN_MODEL, 2, 0),
            ("strong", "gpt-4.1", 2, 0),
        ]
        assert all(c["inputTokens"] > 0 for c in data["candidates"])


async def test_routing_rules_and_escalation_never_move_a_candidate_s_work_to_another_model(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # a rule for benchmark_models and an escalation from main to strong would both hand main's samples to strong;
    # the benchmark must score main's own answers (here: never valid), so strong is never asked
    root = project(tmp_path / "p", provider_server)
    config = json.loads((root / ".taskmaster/config.json").read_text())
    config["taskmasterMcp"].update(
        roles=strong_role(provider_server), routing=[{"role": "strong"}], escalation={"order": ["main", "strong"]}
    )
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    provider_server.responder = lambda r: Reply(text="not json") if r.path.endswith(MESSAGES) else good_answer(r)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "benchmark_models", roles="main", tasks=1, maxUsd=1)
    [main] = data["candidates"]
    assert (main["role"], main["runs"], main["failures"]) == ("main", 2, 2)
    assert provider_server.seen(CHAT) == [] and len(provider_server.seen(MESSAGES)) == 4
