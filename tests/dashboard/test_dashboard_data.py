"""The dashboard's data builders, without a server: board, task view, graph layout, model figures, benchmark."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from taskmaster_mcp.mcp_server.dashboard.data import DashboardData
from taskmaster_mcp.models.ledger import Entry, Ledger
from taskmaster_mcp.models.performance import budget_rows, cost_by_day, model_rows
from taskmaster_mcp.store.benchmarks import read_benchmark_report
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.settings import Budgets
from taskmaster_mcp.tasks.board import COLUMN_ORDER, board
from taskmaster_mcp.tasks.layout import layout
from taskmaster_mcp.tasks.model import STATUSES, TagIndex


def _task(tid: int, status: str = "pending", deps: list[Any] | None = None) -> dict[str, Any]:
    return {"id": tid, "title": f"Task {tid}", "status": status, "dependencies": deps or []}


def _entry(
    day: str,
    role: str = "main",
    model: str = "m1",
    outcome: str = "ok",
    cost: float | None = 0.01,
    latency: float = 100.0,
    fallback: bool = False,
) -> Entry:
    return Entry(
        ts=f"{day}T10:00:00Z",
        command="expand_task",
        role=role,
        provider="anthropic",
        model=model,
        input_tokens=1000,
        output_tokens=200,
        cached_tokens=0,
        cost_usd=cost,
        latency_ms=latency,
        outcome=outcome,
        fallback=fallback,
        attempt=1,
    )


def test_every_status_has_a_board_column_and_an_unknown_status_gets_its_own() -> None:
    assert set(COLUMN_ORDER) == set(STATUSES)
    columns = board(TagIndex("master", [_task(1, "done"), _task(2, "in-review")]))["columns"]
    assert [c["status"] for c in columns] == [*COLUMN_ORDER, "in-review"]
    assert {c["status"]: c["count"] for c in columns}["done"] == 1


def test_every_edge_points_to_a_later_column_and_the_critical_path_is_the_longest_open_chain() -> None:
    tasks = [
        _task(1, "done"),
        _task(2, deps=[1]),
        _task(3, deps=[2]),
        _task(4, deps=[1]),
        _task(5, deps=[3, 4]),
        _task(6, "cancelled", deps=[5]),
    ]
    graph = layout(TagIndex("master", tasks))
    column = {n["id"]: n["layer"] for n in graph["nodes"]}
    assert all(column[e["from"]] < column[e["to"]] for e in graph["edges"])
    assert graph["criticalPath"] == ["2", "3", "5"]
    assert {(e["from"], e["to"]) for e in graph["edges"] if e["critical"]} == {("2", "3"), ("3", "5")}
    places = {(n["x"], n["y"]) for n in graph["nodes"]}
    assert len(places) == len(tasks)  # no two boxes on top of each other


def test_an_edge_across_several_columns_runs_in_lanes_between_the_boxes_it_passes() -> None:
    tasks = [_task(1), _task(2, deps=[1]), _task(3, deps=[2]), _task(4, deps=[3, 1]), _task(5), _task(6, deps=[5])]
    graph = layout(TagIndex("master", tasks))
    long_edge = next(e for e in graph["edges"] if (e["from"], e["to"]) == ("1", "4"))
    boxes = {n["id"]: n for n in graph["nodes"]}
    assert [x for x, _ in long_edge["via"]] == [boxes["2"]["x"], boxes["3"]["x"]]  # one lane per crossed column
    for x, y in long_edge["via"]:
        for box in (b for b in graph["nodes"] if b["x"] == x):
            assert not box["y"] <= y <= box["y"] + graph["nodeHeight"], f"lane at {y} crosses task {box['id']}"
    assert all(e["via"] == [] for e in graph["edges"] if e is not long_edge)


def test_a_dependency_cycle_is_drawn_without_its_back_edge_and_reported() -> None:
    graph = layout(TagIndex("master", [_task(1, deps=[3]), _task(2, deps=[1]), _task(3, deps=[2])]))
    assert graph["cycleEdges"] == [{"from": "3", "to": "1"}]
    assert len(graph["edges"]) == 2 and graph["criticalPath"] == ["1", "2", "3"]


def test_a_graph_of_a_thousand_tasks_keeps_every_edge_pointing_forward() -> None:
    tasks = [_task(i, deps=[j for j in (i - 1, i // 2, i - 7) if j >= 1 and j != i]) for i in range(1, 1001)]
    graph = layout(TagIndex("master", tasks))
    column = {n["id"]: n["layer"] for n in graph["nodes"]}
    assert len(graph["nodes"]) == 1000 and all(column[e["from"]] < column[e["to"]] for e in graph["edges"])


def test_model_rows_group_by_role_and_model_with_rates_percentiles_and_unpriced_calls() -> None:
    entries = [
        _entry("2026-11-01", latency=100),
        _entry("2026-11-01", latency=300, outcome="overloaded", cost=0.0),
        _entry("2026-11-02", latency=200, fallback=True, cost=None),
        _entry("2026-11-02", role="research", model="m2", cost=0.5),
    ]
    rows = model_rows(entries)
    assert [(r["role"], r["model"], r["calls"]) for r in rows] == [
        ("main", "anthropic/m1", 3),
        ("research", "anthropic/m2", 1),
    ]
    main = rows[0]
    assert (main["p50LatencyMs"], main["p95LatencyMs"]) == (200.0, 300.0)
    assert (main["successRate"], main["fallbackRate"], main["unknownCostCalls"]) == (0.6667, 0.3333, 1)
    assert main["costUsd"] == 0.01 and main["inputTokens"] == 3000


def test_cost_by_day_covers_every_day_of_the_window_oldest_first() -> None:
    days = cost_by_day(
        [_entry("2026-11-28", cost=0.25), _entry("2026-10-01", cost=9.0)], days=3, today=date(2026, 11, 29)
    )
    assert days == [
        {"day": "2026-11-27", "costUsd": 0.0, "calls": 0},
        {"day": "2026-11-28", "costUsd": 0.25, "calls": 1},
        {"day": "2026-11-29", "costUsd": 0.0, "calls": 0},
    ]


def test_only_configured_budgets_are_shown_with_the_fraction_used() -> None:
    assert budget_rows(Budgets(daily_usd=2.0), 3.0, 10.0) == [
        {"budget": "dailyUsd", "limitUsd": 2.0, "spentUsd": 3.0, "used": 1.5}
    ]
    assert budget_rows(Budgets(), 3.0, 10.0) == []


def test_the_models_view_reads_the_ledger_budgets_and_benchmark_report(messy_project: Path, tmp_path: Path) -> None:
    env = {"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "data")}
    ledger = Ledger(messy_project, env=env)
    ledger.record(_entry(date.today().isoformat(), cost=0.5))
    config = {"taskmasterMcp": {"budgets": {"dailyUsd": 100.0}}}
    (messy_project / ".taskmaster" / "config.json").write_text(json.dumps(config))
    reports = messy_project / ".taskmaster" / "reports"
    reports.mkdir(parents=True)
    candidate = {
        "role": "main",
        "provider": "anthropic",
        "modelId": "m1",
        "runs": 3,
        "validFirstTry": 1.0,
        "reasks": 0,
        "failures": 0,
        "latencyMs": {"p50": 900.0, "p95": 1200.0},
        "inputTokens": 10,
        "outputTokens": 5,
        "costUsd": None,
        "quality": 0.9,
    }
    (reports / "model-benchmark.json").write_text(
        json.dumps({"generatedAt": "2026-11-29T10:00:00Z", "candidates": [candidate, "junk"]})
    )
    models = DashboardData(Project.open(Paths(messy_project)), env).models()
    assert models["calls"] == 1 and models["rows"][0]["calls"] == 1
    assert models["budgets"][0]["budget"] == "dailyUsd" and models["budgets"][0]["used"] > 0
    assert models["benchmark"]["candidates"] == [candidate]


def test_a_missing_or_malformed_benchmark_report_is_no_report(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    assert read_benchmark_report(paths) is None
    paths.reports_dir.mkdir(parents=True)
    for text in ("{not json", "[]", '{"candidates": 3}'):
        (paths.reports_dir / "model-benchmark.json").write_text(text)
        assert read_benchmark_report(paths) is None
    (paths.reports_dir / "model-benchmark.json").write_text('{"candidates": [{"runs": "three", "latencyMs": 1}]}')
    shown = read_benchmark_report(paths)
    assert shown is not None and shown["candidates"][0]["runs"] is None
    assert shown["candidates"][0]["latencyMs"] == {"p50": None, "p95": None}


def test_a_broken_config_is_reported_in_the_models_view_instead_of_failing_it(
    messy_project: Path, tmp_path: Path
) -> None:
    (messy_project / ".taskmaster" / "config.json").write_text(json.dumps({"taskmasterMcp": {"budgets": 3}}))
    models = DashboardData(Project.open(Paths(messy_project)), {"TASKMASTER_MCP_DATA_DIR": str(tmp_path)}).models()
    assert models["problems"] and "budgets" in models["problems"][0]


def test_every_page_asset_is_package_data_so_the_wheel_ships_it() -> None:
    import tomllib
    from fnmatch import fnmatch

    from taskmaster_mcp.mcp_server.dashboard import routes

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    static = root / "server" / "taskmaster_mcp" / "mcp_server" / "dashboard" / "static"
    for name in ("index.html", *routes.ASSETS):
        assert (static / name).is_file()
        assert any(fnmatch(f"mcp_server/dashboard/static/{name}", p) for p in patterns["taskmaster_mcp"]), name
    assert not [p for p in static.iterdir() if p.name not in ("index.html", *routes.ASSETS)]  # nothing unserved


def test_a_project_without_tasks_yet_shows_an_empty_board_and_graph(tmp_path: Path) -> None:
    (tmp_path / ".taskmaster").mkdir()
    data = DashboardData(Project.open(Paths(tmp_path)), {"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "data")})
    board_data = data.board(None)
    assert (board_data["total"], board_data["tags"]) == (0, ["master"])
    assert data.graph(None)["nodes"] == [] and data.graph(None)["criticalPath"] == []


def test_the_models_view_lists_extra_roles_after_task_master_s(messy_project: Path, tmp_path: Path) -> None:
    config = {
        "models": {"main": {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514"}},
        "taskmasterMcp": {"roles": {"fast": {"provider": "openai", "modelId": "gpt-4.1-mini"}}},
    }
    (messy_project / ".taskmaster" / "config.json").write_text(json.dumps(config))
    models = DashboardData(Project.open(Paths(messy_project)), {"TASKMASTER_MCP_DATA_DIR": str(tmp_path)}).models()
    assert [r["role"] for r in models["roles"]][-1] == "fast"
    assert models["roles"][-1] == {"role": "fast", "provider": "openai", "modelId": "gpt-4.1-mini"}
