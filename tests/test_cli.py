"""The command line for people: init, list, show, next, set-status, doctor, with --json and exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_stdio import console_script


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script(), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def test_init_creates_a_project_that_list_then_reads(tmp_path: Path) -> None:
    created = cli(tmp_path, "init", "--json")
    listed = cli(tmp_path, "list", "--json")
    assert created.returncode == 0, created.stderr
    assert ".taskmaster/tasks/tasks.json" in json.loads(created.stdout)["created"]
    assert json.loads(listed.stdout)["tasks"] == []


def test_list_show_next_and_set_status_work_on_a_real_project(messy_project: Path) -> None:
    listed = json.loads(cli(messy_project, "list", "--json", "--status", "pending").stdout)
    shown = json.loads(cli(messy_project, "show", "4.3", "--json").stdout)
    nxt = json.loads(cli(messy_project, "next", "--json").stdout)
    changed = cli(messy_project, "set-status", "3.2", "done")
    assert [t["id"] for t in listed["tasks"]] == [4, 8]
    assert shown["tasks"][0]["status"] == "blocked"
    assert nxt["next"]["id"] == "3.2"
    assert changed.returncode == 0 and "1 item(s) set to done" in changed.stdout


def test_text_output_is_a_readable_table(messy_project: Path) -> None:
    out = cli(messy_project, "list").stdout
    assert "Tag master: 8 tasks, 25.0% done" in out
    assert "HTTP API [0/3]  <- 3" in out


def test_failures_exit_1_with_the_fix_on_stderr(messy_project: Path) -> None:
    missing = cli(messy_project, "show", "99")
    bad_status = cli(messy_project, "set-status", "4", "finished")
    assert missing.returncode == 1 and "get_tasks" in missing.stderr and missing.stdout == ""
    assert bad_status.returncode == 1 and "pending, in-progress" in bad_status.stderr


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert cli(tmp_path, "frobnicate").returncode == 2


def test_help_shows_examples(tmp_path: Path) -> None:
    out = cli(tmp_path, "--help").stdout
    assert "examples:" in out and "taskmaster-mcp next" in out


def test_doctor_reports_a_ready_server_and_what_is_missing(messy_project: Path) -> None:
    result = cli(messy_project, "doctor", "--json")
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["server starts"]["ok"], checks["server starts"]
    assert checks["read tasks"]["detail"].startswith("tag 'master': 8 tasks")
    assert not checks["role main"]["ok"]
    assert "ANTHROPIC_API_KEY" in checks["role main"]["fix"]
    assert result.returncode == 1


def test_doctor_without_a_project_says_to_run_init(tmp_path: Path) -> None:
    result = cli(tmp_path, "doctor")
    assert result.returncode == 1
    assert "taskmaster-mcp init" in result.stdout
