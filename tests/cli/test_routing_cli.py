"""Routing on the command line: `route` on a 20-task project, `set-model`, `assign-models`, `models --set-role` and
`models --optimize`; every refusal leaves the files as they were."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import snapshot
from taskmaster_mcp.cli import main as cli_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG: dict[str, Any] = {
    "models": {
        "main": {"provider": "anthropic", "modelId": "claude-sonnet-4-5-20250929", "maxTokens": 64000},
        "research": {"provider": "perplexity", "modelId": "sonar-pro", "maxTokens": 8700},
        "fallback": {"provider": "openai", "modelId": "gpt-5", "maxTokens": 32000},
    },
    "global": {"projectName": "Bookmarks"},
    "custom": {"kept": [1, 2.5, None]},
    "taskmasterMcp": {
        "roles": {
            "fast": {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001", "maxTokens": 8000},
            "strong": {"provider": "anthropic", "modelId": "claude-opus-4-5-20251101", "maxTokens": 32000},
        },
        "routing": [
            {"command": "research", "role": "research"},
            {"complexityAtMost": 3, "role": "fast"},
            {"complexityAtLeast": 8, "role": "strong"},
            {"taskType": "documentation", "role": "fast"},
        ],
        "escalation": {"minConfidence": 0.6, "order": ["fast", "main", "strong"]},
    },
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The 20-task fixture (two done or cancelled, one pinned, four without a score) with the worked config."""
    root = tmp_path / "bookmarks"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/reports").mkdir()
    shutil.copyfile(FIXTURES / "routing-20-tasks.json", root / ".taskmaster/tasks/tasks.json")
    shutil.copyfile(FIXTURES / "routing-20-tasks-report.json", root / ".taskmaster/reports/task-complexity-report.json")
    (root / ".taskmaster/config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    return root


def run(
    capsys: pytest.CaptureFixture[str],
    root: Path,
    *args: str,
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    code = cli_module.run(["-C", str(root), "--no-color", *args], env={"HOME": str(root), **(env or {})})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def config(root: Path) -> dict[str, Any]:
    return json.loads((root / ".taskmaster/config.json").read_text(encoding="utf-8"))


def test_route_prints_every_open_task_with_each_command_s_role_and_rule(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    code, out, _ = run(capsys, project, "route")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0].isdigit()}
    assert sorted(lines, key=int) == [str(n) for n in range(1, 21) if n not in (9, 18)]  # done, cancelled left out
    assert "fast #1 cx 2≤3" in lines["1"] and "strong #2 cx 9≥8" in lines["2"]
    assert "documentation  fast #3 type documentation" in lines["11"]
    assert "strong (pin)" in lines["8"] and "strong #2 cx 10≥8" in lines["20"]  # 20: the task's own complexity
    assert lines["4"].split()[-4:] == ["main", "main", "main", "research"]
    code, out, _ = run(capsys, project, "route", "--json")
    data = json.loads(out)
    assert data["roles"]["strong"] == "anthropic/claude-opus-4-5-20251101" and len(data["rows"]) == 18


def test_set_model_pins_and_clears_and_refuses_an_unknown_role_without_writing(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    code, out, _ = run(capsys, project, "set-model", "4,6", "strong")
    assert code == 0 and "2 task(s) pinned to strong." in out
    tasks = json.loads((project / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert tasks[3]["metadata"] == {"taskmasterMcp": {"role": "strong"}}
    files = snapshot(project)
    code, _, err = run(capsys, project, "set-model", "4", "giant")
    assert code == 1 and "Role 'giant' does not exist" in err
    assert snapshot(project) == files
    code, out, _ = run(capsys, project, "set-model", "4")
    assert code == 0 and "1 task(s) unpinned." in out
    tasks = json.loads((project / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert "metadata" not in tasks[3] and tasks[5]["metadata"] == {"taskmasterMcp": {"role": "strong"}}


def test_assign_models_proposes_then_applies_only_with_apply(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    files = snapshot(project)
    code, out, _ = run(capsys, project, "assign-models")
    assert code == 0 and "call again with --apply" in out.replace("\n", " ") and "apply=true" not in out
    assert snapshot(project) == files
    code, out, _ = run(capsys, project, "assign-models", "--apply", "--json")
    data = json.loads(out)
    assert code == 0 and "1" in data["changed"] and "8" not in data["changed"]  # 8 keeps its own pin


def test_models_set_role_adds_an_extra_role_keeping_every_other_key_and_shows_it(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    before = config(project)
    code, out, _ = run(capsys, project, "models", "--set-role", "reviewer", "gpt-5", env={"OPENAI_API_KEY": "sk-test"})
    assert code == 0 and "reviewer is now openai/gpt-5" in out
    after = config(project)
    assert after["taskmasterMcp"]["roles"]["reviewer"] == {
        "provider": "openai",
        "modelId": "gpt-5",
        "maxTokens": 128000,
    }
    after["taskmasterMcp"]["roles"].pop("reviewer")
    assert after == before
    shown = [line for line in out.splitlines() if line.startswith("reviewer")]
    assert shown and "openai" in shown[0] and "gpt-5" in shown[0]
    files = snapshot(project)
    code, _, err = run(capsys, project, "models", "--set-role", "bad name", "gpt-5")
    assert code != 0 and "got 'bad name'" in err
    assert snapshot(project) == files


@pytest.mark.parametrize(
    ("name", "model", "message"),
    [
        ("", "gpt-5", "--set-role NAME must be a letter, then letters, digits, - or _ (at most 32)"),
        ("a b", "gpt-5", "got 'a b'"),
        ("x" * 10240, "gpt-5", "got 'xxxxxxxx"),
        ("fast=x", "gpt-5", "got 'fast=x'"),
        ("fast", " ", "--set-role fast needs a MODEL"),
    ],
)
def test_models_set_role_with_a_name_or_model_that_cannot_be_is_bad_usage_in_one_short_line(
    capsys: pytest.CaptureFixture[str], project: Path, name: str, model: str, message: str
) -> None:
    files = snapshot(project)
    code, out, err = run(capsys, project, "models", "--set-role", name, model, "--json")
    assert (code, out) == (2, "") and message in err and len(err) < 300
    assert snapshot(project) == files


def test_models_optimize_shows_before_and_after_with_reasons_and_applies_only_when_asked(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    files = snapshot(project)
    env = {"ANTHROPIC_API_KEY": "sk-ant-test", "TASKMASTER_MCP_DATA_DIR": str(project.parent / "ledger")}
    code, out, _ = run(capsys, project, "models", "--optimize", "cost", "--json", env=env)
    proposal = json.loads(out)["optimization"]
    assert code == 0 and proposal["applied"] is False and snapshot(project) == files
    changes = {c["role"]: c for c in proposal["changes"]}
    # only Anthropic has a key: the cheapest within 0.15 SWE of the best is Haiku 4.5; no research-capable model
    assert changes["main"]["before"] == "anthropic/claude-sonnet-4-5-20250929"
    assert changes["main"]["after"] == "anthropic/claude-haiku-4-5-20251001"
    assert changes["main"]["reason"].startswith("cost: $2.00/1M blended (quality 0.733")
    assert changes["fallback"]["after"].startswith("anthropic/") and "research" not in changes
    assert "no benchmark (model-benchmark.json absent or malformed)" in proposal["evidence"]
    (project / ".taskmaster/reports/model-benchmark.json").write_text(
        json.dumps(
            {
                "generatedAt": "x",
                "candidates": [
                    {
                        "role": None,
                        "provider": "anthropic",
                        "modelId": "claude-opus-4-5-20251101",
                        "runs": 5,
                        "quality": 0.99,
                        "latencyMs": {"p50": 900.0, "p95": 1500.0},
                    }
                ],
            }
        )
    )
    code, out, _ = run(capsys, project, "models", "--optimize", "quality", "--apply", "--json", env=env)
    result = json.loads(out)
    assert code == 0 and result["optimization"]["applied"] is True
    assert "benchmark (1 candidates)" in result["optimization"]["evidence"]
    assert config(project)["models"]["main"]["modelId"] == "claude-opus-4-5-20251101"
    assert config(project)["custom"] == {"kept": [1, 2.5, None]}


async def test_doctor_lists_extra_roles_with_their_key_status_and_fails_on_an_invalid_policy(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    from taskmaster_mcp.cli.doctor import run_doctor

    env = {"TASKMASTER_MCP_HOME": str(project / "home"), "ANTHROPIC_API_KEY": "sk-ant-test"}
    await run_doctor(project, as_json=True, env=env)
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["role fast"]["ok"] and "anthropic/claude-haiku-4-5-20251001: " in checks["role fast"]["detail"]
    assert checks["routing"]["ok"] and checks["routing"]["detail"].startswith("4 rule(s), escalation on")
    broken = config(project)
    broken["taskmasterMcp"]["routing"][2]["role"] = "huge"
    (project / ".taskmaster/config.json").write_text(json.dumps(broken))
    code = await run_doctor(project, as_json=True, env=env)
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert code == 1 and not checks["routing"]["ok"]
    assert "taskmasterMcp.routing[2].role" in checks["routing"]["detail"]


def test_models_optimize_without_json_prints_each_proposed_change_and_how_to_apply_it(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    files = snapshot(project)
    env = {"ANTHROPIC_API_KEY": "sk-ant-test", "TASKMASTER_MCP_DATA_DIR": str(project.parent / "ledger")}
    code, out, _ = run(capsys, project, "models", "--optimize", "cost", env=env)
    assert code == 0 and snapshot(project) == files
    assert "optimize cost:" in out and "candidate model(s)" in out
    assert "main: anthropic/claude-sonnet-4-5-20250929 → anthropic/claude-haiku-4-5-20251001  (cost: $2.00/1M" in out
    assert "Run again with --apply" in out
    code, out, _ = run(
        capsys, project, "models", "--optimize", "cost", env={"TASKMASTER_MCP_DATA_DIR": str(project.parent / "ledger")}
    )  # no key at all
    assert code == 0 and "No change proposed" in out and "doctor" in out
