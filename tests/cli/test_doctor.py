"""`taskmaster-mcp doctor` as a migration aid: Task Master's entry left next to ours, a Claude Desktop entry that
serves another project, and missing AI keys are warnings (exit 0); a broken setup is not ready (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from servers import console_script
from taskmaster_mcp.cli.doctor import run_doctor
from taskmaster_mcp.setup.editors import config_path

TASK_MASTER_ENTRY = {
    "command": "npx",
    "args": ["-y", "--package=task-master-ai", "task-master-ai"],
    "env": {"ANTHROPIC_API_KEY": "sk-ant-old"},
}


async def _doctor(
    capsys: pytest.CaptureFixture[str], root: Path, home: Path, **env: str
) -> tuple[int, dict[str, dict[str, Any]]]:
    code = await run_doctor(root, as_json=True, env={"TASKMASTER_MCP_HOME": str(home), **env})
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] == (code == 0)
    return code, {c["name"]: c for c in report["checks"]}


def _ours() -> dict[str, Any]:
    return {"command": console_script(), "args": []}


async def test_missing_ai_keys_are_a_warning_and_doctor_exits_0(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    code, checks = await _doctor(capsys, messy_project, messy_project / "home")
    main = checks["role main"]
    assert code == 0 and checks["server starts"]["ok"]
    assert main["ok"] and main["warning"] and "MISSING" in main["detail"] and "task tools work" in main["detail"]
    assert "ANTHROPIC_API_KEY" in main["fix"]


async def test_missing_keys_print_ready_with_warnings(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    code = await run_doctor(messy_project, env={"TASKMASTER_MCP_HOME": str(messy_project / "home")})
    out = capsys.readouterr().out
    assert code == 0 and "[warn] role main:" in out and out.rstrip().endswith("Ready (see the warn lines above).")


async def test_a_task_master_entry_next_to_ours_is_named_with_how_to_remove_it(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    (messy_project / ".cursor").mkdir()
    (messy_project / ".cursor/mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "task-master-ai": TASK_MASTER_ENTRY,
                    "taskmaster": _ours(),
                    "github": {"command": "gh-mcp"},
                }
            }
        )
    )
    code, checks = await _doctor(capsys, messy_project, messy_project / "home")
    warning = checks["editor cursor migration"]
    assert code == 0 and checks["editor cursor"]["ok"]
    assert warning["warning"] and "'task-master-ai' (Task Master) and taskmaster-mcp" in warning["detail"]
    assert 'Delete the "task-master-ai" entry from "mcpServers"' in warning["fix"]
    assert str(messy_project / ".cursor/mcp.json") in warning["fix"]


async def test_task_masters_entry_under_another_name_is_found_in_opencodes_format(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    (messy_project / "opencode.json").write_text(
        json.dumps(
            {
                "mcp": {
                    "tm": {"type": "local", "command": ["npx", "-y", "task-master-ai"], "enabled": True},
                    "taskmaster": {"type": "local", "command": [console_script()], "enabled": True},
                }
            }
        )
    )
    _, checks = await _doctor(capsys, messy_project, messy_project / "home")
    assert "'tm' (Task Master)" in checks["editor opencode migration"]["detail"]


async def test_task_masters_entry_alone_is_not_a_migration_warning(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    (messy_project / ".mcp.json").write_text(json.dumps({"mcpServers": {"task-master-ai": TASK_MASTER_ENTRY}}))
    _, checks = await _doctor(capsys, messy_project, messy_project / "home")
    assert not any(name.endswith("migration") for name in checks)


async def test_claude_desktop_serving_another_project_is_a_warning(
    capsys: pytest.CaptureFixture[str], messy_project: Path, tmp_path: Path
) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    other.mkdir()
    desktop = config_path("claude-desktop", messy_project, home)
    desktop.parent.mkdir(parents=True)
    desktop.write_text(
        json.dumps({"mcpServers": {"taskmaster": {**_ours(), "env": {"TASK_MASTER_PROJECT_ROOT": str(other)}}}})
    )
    code, checks = await _doctor(capsys, messy_project, home)
    warning = checks["editor claude-desktop project"]
    assert code == 0 and warning["warning"]
    assert f"serves {other}, not {messy_project}" in warning["detail"]
    assert "init --editor claude-desktop" in warning["fix"] and "projectRoot" in warning["fix"]

    desktop.write_text(
        json.dumps({"mcpServers": {"taskmaster": {**_ours(), "env": {"TASK_MASTER_PROJECT_ROOT": str(messy_project)}}}})
    )
    _, checks = await _doctor(capsys, messy_project, home)
    assert "editor claude-desktop project" not in checks and checks["editor claude-desktop restart"]["ok"]


async def test_a_broken_editor_config_is_still_not_ready(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    (messy_project / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"taskmaster": {"command": "/nowhere/bin/taskmaster-mcp", "args": []}}})
    )
    code, checks = await _doctor(capsys, messy_project, messy_project / "home")
    assert code == 1 and not checks["editor claude-code"]["ok"] and not checks["editor claude-code"]["warning"]


@pytest.mark.parametrize(
    ("ours", "key"),
    [
        ({"cache": "yes"}, "taskmasterMcp.cache in .taskmaster/config.json must be an object"),
        ({"budgets": {"perCommandUsd": "abc"}}, "taskmasterMcp.budgets.perCommandUsd in .taskmaster/config.json"),
        ({"costPer1M": {"openai/gpt-4o": "cheap"}}, "taskmasterMcp.costPer1M.openai/gpt-4o in .taskmaster/config.json"),
        ({"roles": {"main": {"provider": "openai", "modelId": "gpt-4o"}}}, "taskmasterMcp.roles.main"),
    ],
)
async def test_ai_settings_that_every_ai_command_would_refuse_make_doctor_not_ready(
    capsys: pytest.CaptureFixture[str], messy_project: Path, ours: dict[str, Any], key: str
) -> None:
    config_file = messy_project / ".taskmaster/config.json"
    config_file.write_text(json.dumps({"taskmasterMcp": ours}))  # Task Master's sections stay at their defaults
    code, checks = await _doctor(capsys, messy_project, messy_project / "home")
    failed = [c for c in checks.values() if not c["ok"]]
    assert code == 1 and len(failed) == 1 and key in failed[0]["detail"] and failed[0]["fix"]
