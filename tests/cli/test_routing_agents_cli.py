"""`route` on the command line shows the agent holding each task's live claim, and the agent rule that routed it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taskmaster_mcp.cli import main as cli_module

LATER = "2099-01-01T00:00:00.000Z"


def task(tid: int, title: str, agent: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"id": tid, "title": title, "description": ".", "status": "pending", "dependencies": []}
    if agent is not None:
        row["status"] = "in-progress"
        row["metadata"] = {"taskmasterMcp": {"claim": {"agent": agent, "claimedAt": LATER, "until": LATER}}}
    return row


def project(root: Path, claims: bool) -> Path:
    (root / ".taskmaster/tasks").mkdir(parents=True)
    tasks = [task(1, "Write the guide", "docs" if claims else None), task(2, "Free task")]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    config = {
        "models": {"main": {"provider": "anthropic", "modelId": "claude-sonnet-4-5-20250929"}},
        "taskmasterMcp": {
            "roles": {"fast": {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001"}},
            "routing": [{"agent": "docs", "role": "fast"}],
        },
    }
    (root / ".taskmaster/config.json").write_text(json.dumps(config))
    return root


def route(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, list[str]]:
    assert cli_module.run(["-C", str(root), "--no-color", "route"], env={"HOME": str(root)}) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    return {cells[0]: cells for cells in lines if cells and (cells[0].isdigit() or cells[0] == "id")}


def test_route_shows_an_agent_column_with_the_claiming_agent_and_its_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = route(capsys, project(tmp_path / "p", claims=True))
    assert rows["id"] == ["id", "title", "cx", "type", "agent", "expand", "update", "review", "research"]
    assert rows["1"][-15:] == ["documentation", "docs", *["fast", "#0", "agent", "docs"] * 3, "research"]
    assert rows["2"][-6:] == ["code", "-", "main", "main", "main", "research"]


def test_without_claims_the_table_has_no_agent_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = route(capsys, project(tmp_path / "p", claims=False))
    assert "agent" not in rows["id"] and rows["1"][-4:] == ["main", "main", "main", "research"]
