"""Parallel agents from the CLI: ``next --claim/--count``, ``release``, and ``list``/``show`` naming who holds a task
and the lease left, ``list --parallel`` with the waves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_loop import layered_plan
from taskmaster_mcp.cli import main as cli_module
from taskmaster_mcp.cli.parser import plan


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = cli_module.run(["-C", str(root), *args], env={"HOME": str(root)})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_next_claim_count_and_release_plan_the_tools_calls() -> None:
    claimed = plan(["next", "--claim", "--agent", "docs", "--lease", "5"])
    counted = plan(["next", "--count", "4"])
    released = plan(["release", "7.2", "--agent", "docs"])
    assert (claimed.tool, claimed.arguments) == ("next_task", {"claim": True, "agent": "docs", "leaseMinutes": 5.0})
    assert (counted.tool, counted.arguments) == ("next_task", {"count": 4})
    assert (released.tool, released.arguments) == ("release_task", {"id": "7.2", "agent": "docs"})
    assert plan(["list", "--parallel"]).arguments["parallel"] is True
    assert plan(["next"]).arguments == {}


@pytest.mark.parametrize(
    ("argv", "fix"),
    [
        (["next", "--claim"], "--agent NAME"),
        (["next", "--agent", "docs"], "go with --claim"),
        (["next", "--claim", "--agent", "a", "--count", "2"], "drop --count"),
        (["next", "--claim", "--agent", "a", "--lease", "0"], "above 0"),
        (["release"], "release 7"),
    ],
)
def test_bad_claim_usage_exits_2_with_the_fix_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fix: str
) -> None:
    layered_plan(tmp_path, 2, 2)
    before = (tmp_path / ".taskmaster/tasks/tasks.json").read_bytes()
    code, _, err = run(capsys, tmp_path, *argv)
    assert code == 2 and fix in err
    assert (tmp_path / ".taskmaster/tasks/tasks.json").read_bytes() == before


def test_a_claim_shows_in_list_and_show_with_the_lease_left_until_released(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    layered_plan(tmp_path, 2, 3)
    code, out, _ = run(capsys, tmp_path, "next", "--claim", "--agent", "docs", "--lease", "10")
    assert code == 0 and "Claimed 1 for docs" in out and "claimed by: docs (10.0 min left)" in out

    _, listed, _ = run(capsys, tmp_path, "list")
    row = next(line for line in listed.splitlines() if line.strip().startswith("1 "))
    assert "claim" in listed.splitlines()[1] and "docs (" in row and "min left)" in row
    _, shown, _ = run(capsys, tmp_path, "show", "1")
    assert "claimed by: docs (" in shown
    shown_json = json.loads(run(capsys, tmp_path, "show", "1", "--json")[1])
    assert shown_json["tasks"][0]["claim"]["agent"] == "docs"
    assert 9 < shown_json["tasks"][0]["claim"]["leaseMinutesLeft"] <= 10

    code, _, err = run(capsys, tmp_path, "release", "1", "--agent", "other")
    assert code == 1 and "claimed by docs" in err
    code, out, _ = run(capsys, tmp_path, "release", "1", "--agent", "docs")
    assert code == 0 and "Released docs's claim on 1." in out
    _, listed, _ = run(capsys, tmp_path, "list")
    assert "docs" not in listed and "claim" not in listed.splitlines()[1]


def test_an_expired_lease_is_shown_as_expired(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    layered_plan(tmp_path, 1, 2)
    path = tmp_path / ".taskmaster/tasks/tasks.json"
    document = json.loads(path.read_text())
    lease = {"agent": "gone", "claimedAt": "2020-01-01T00:00:00.000Z", "until": "2020-01-01T00:30:00.000Z"}
    document["master"]["tasks"][0]["metadata"] = {"taskmasterMcp": {"claim": lease}}
    path.write_text(json.dumps(document))
    _, listed, _ = run(capsys, tmp_path, "list")
    _, shown, _ = run(capsys, tmp_path, "show", "1")
    assert "gone (lease expired)" in listed and "gone (lease expired)" in shown


def test_next_count_and_list_parallel_show_what_can_run_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    layered_plan(tmp_path, 2, 3)
    code, out, _ = run(capsys, tmp_path, "next", "--count", "2")
    assert code == 0 and "2 item(s) can be worked at once" in out
    assert "1: Task 1" in out and "2: Task 2" in out and "why: ready" in out
    code, out, _ = run(capsys, tmp_path, "list", "--parallel")
    assert code == 0 and "Wave 1: 1, 2, 3" in out and "Wave 2: 4, 5, 6" in out
