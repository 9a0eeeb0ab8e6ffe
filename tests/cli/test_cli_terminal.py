"""What a person sees and types: control sequences never reach the terminal, flags go in any order, fields are edited
without a model, --tag reaches every command, and the text view shows everything the tool returned."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from git_helpers import git, isolated_git  # noqa: F401  # pyright: ignore[reportUnusedImport]  (applies to every test here)
from taskmaster_mcp.cli import ai_views
from taskmaster_mcp.cli import main as cli_module
from taskmaster_mcp.cli.parser import plan
from taskmaster_mcp.cli.sanitize import visible
from taskmaster_mcp.cli.views import usage_line

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # writes "echo pwned" to the clipboard
TITLE = "\x1b]0;owned\x07" + "\x1b[2J" + "Fix \x1b[8mhidden\x1b[0m login" + OSC52 + "\u202eevil\x9b31m"


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = cli_module.run(["-C", str(root), *args], env={"HOME": str(root)})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _hostile_project(root: Path) -> Path:
    sub: dict[str, Any] = {"id": 1, "title": TITLE, "status": "pending", "dependencies": [], "details": TITLE}
    tasks: list[dict[str, Any]] = [
        {
            "id": 1,
            "title": TITLE,
            "description": TITLE,
            "details": f"line one\n{TITLE}",
            "status": "pending",
            "priority": "high",
            "dependencies": [],
            "subtasks": [sub],
        }
    ]
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(
        json.dumps({"master": {"tasks": tasks, "metadata": {"description": TITLE}}})
    )
    return root


def test_the_sanitiser_shows_every_control_sequence_instead_of_sending_it() -> None:
    shown = visible(TITLE)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert "␛]52;c;ZWNobyBwd25lZA==␇" in shown and "␛[2J" in shown and "<U+202E>evil<U+009B>31m" in shown
    assert visible("two\nlines\ttab") == "two\nlines\ttab" and visible("a\nb", keep_lines=False) == "a␊b"
    assert visible("carriage\rreturn") == "carriage␍return"


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--with-subtasks"],
        ["list", "--compact"],
        ["show", "1"],
        ["show", "1.1"],
        ["next"],
        ["graph", "--subtasks"],
        ["tags", "--show-metadata"],
        ["set-status", "1", "in-progress"],
        ["update-task", "1", "--priority", "low"],
        ["show", "9"],  # an error line on stderr
    ],
)
def test_no_view_sends_a_control_sequence_from_task_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    root = _hostile_project(tmp_path / "proj")
    _, out, err = run(capsys, root, "--no-color", *argv)
    for stream in (out, err):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream and "\x9b" not in stream
    if argv[0] in ("list", "show", "next", "graph", "tags") and argv != ["show", "9"]:
        assert "␛]" in out, out  # the text is there, visibly


def test_emoji_codes_in_task_text_print_as_written(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    assert run(capsys, messy_project, "add", "--title", "Fix :warning: now")[0] == 0
    _, out, _ = run(capsys, messy_project, "list")
    assert "Fix :warning: now" in out


def test_json_keeps_the_text_exact_for_scripts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = _hostile_project(tmp_path / "proj")
    _, out, _ = run(capsys, root, "show", "1", "--json")
    assert "\x1b" not in out  # JSON escapes control characters itself
    assert json.loads(out)["tasks"][0]["title"] == TITLE


def test_flags_and_words_go_in_any_order(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    assert plan(["update-task", "5", "--append", "words", "here"]).arguments["prompt"] == "words here"
    assert plan(["update-task", "--append", "5", "words"]) == plan(["update-task", "5", "words", "--append"])
    code, _, _ = run(capsys, messy_project, "update-task", "5", "--append", "Checked the cookie flags")
    details = json.loads(run(capsys, messy_project, "show", "5", "--json")[1])["tasks"][0]["details"]
    assert code == 0 and "Checked the cookie flags" in details


def test_a_bad_flag_after_a_subcommand_prints_that_subcommands_usage(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    code, _, err = run(capsys, messy_project, "update-task", "5", "--frobnicate")
    assert code == 2 and "usage: taskmaster-mcp update-task" in err and "--frobnicate" in err
    code, _, err = run(capsys, messy_project, "autopilot", "start", "1", "--frobnicate")
    assert code == 2 and "usage: taskmaster-mcp autopilot start" in err


def test_update_task_edits_fields_without_a_model(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    before = json.loads(run(capsys, messy_project, "show", "4", "--json")[1])["tasks"][0]
    code, out, err = run(
        capsys,
        messy_project,
        "update-task",
        "4",
        "--title",
        "HTTP API v2",
        "--description",
        "Versioned.",
        "--details",
        "Use /v2.",
        "--test-strategy",
        "Contract tests.",
        "--priority",
        "low",
    )
    after = json.loads(run(capsys, messy_project, "show", "4", "--json")[1])["tasks"][0]
    assert (code, err) == (0, "") and "Updated 4." in out
    assert {k: after[k] for k in ("title", "description", "details", "testStrategy", "priority")} == {
        "title": "HTTP API v2",
        "description": "Versioned.",
        "details": "Use /v2.",
        "testStrategy": "Contract tests.",
        "priority": "low",
    }
    assert after["subtasks"] == before["subtasks"] and after["status"] == before["status"]
    assert run(capsys, messy_project, "update-task", "4.2", "--title", "Paging")[0] == 0
    code, _, err = run(capsys, messy_project, "update-task", "4")
    assert code == 2 and "--title" in err


def test_tag_reaches_autopilot_start(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    assert plan(["--tag", "feature-auth", "autopilot", "start", "1"]).arguments["tag"] == "feature-auth"
    git(messy_project, "init", "-q")
    git(messy_project, "add", "-A")
    git(messy_project, "commit", "-qm", "start")
    code, _, err = run(capsys, messy_project, "--tag", "feature-auth", "autopilot", "start", "1")
    status = json.loads(run(capsys, messy_project, "autopilot", "status", "--json")[1])
    assert code == 0, err
    assert status["tag"] == "feature-auth" and status["taskId"] == "1"
    feature = json.loads(run(capsys, messy_project, "list", "--tag", "feature-auth", "--json")[1])
    assert feature["tasks"][0]["status"] == "in-progress"


def _printed(render: Any, data: dict[str, Any], **args: Any) -> str:
    out = Console(file=io.StringIO(), width=200, no_color=True)
    render(out, argparse.Namespace(**args), data, {})
    return out.file.getvalue()  # type: ignore[attr-defined]


USAGE = {"calls": 1, "models": ["main x"], "inputTokens": 1, "outputTokens": 1, "cachedTokens": 0, "latencyMs": 5}


def test_review_shows_verdict_score_findings_unmet_requirements_and_what_apply_changed() -> None:
    data = {
        "id": "3",
        "verdict": "changes_requested",
        "score": 55,
        "summary": "Half done.",
        "findings": [{"severity": "major", "file": "src/a.py", "line": 7, "message": "no [bold]test[/bold]"}],
        "unmetRequirements": ["Pool size is configurable"],
        "followUpSubtasks": [{"title": "Add tests", "description": "For a."}],
        "diff": {"base": "HEAD", "files": ["src/a.py"], "excluded": [".env"]},
        "applied": {"status": "review", "changed": ["3.status"], "addedSubtasks": ["3.4"], "note": True},
        "usage": USAGE,
    }
    text = _printed(ai_views.render_review, data)
    for expected in (
        "changes_requested, score 55/100",
        "Half done.",
        "[major] src/a.py:7 no [bold]test[/bold]",
        "Pool size is configurable",
        "Add tests: For a.",
        "never sent (private files): .env",
        "status of 3 set to review; added subtasks 3.4",
    ):
        assert expected in text, (expected, text)
    assert "Nothing was changed" in _printed(ai_views.render_review, {**data, "applied": None})


def test_parse_prd_shows_its_notes() -> None:
    data: dict[str, Any] = {
        "tag": "master",
        "created": [{"id": 1, "title": "A", "dependencies": []}, {"id": 2, "title": "A too", "dependencies": [1]}],
        "notes": [
            "3 tasks where 4 were asked for; asked again once and got 3 (kept the second answer).",
            "Tasks 1 and 2",
        ],
        "usage": USAGE,
    }
    text = _printed(ai_views.render_plan, data)
    assert "Created 2 task(s)" in text and "2  A too  <- 1" in text
    assert "note: 3 tasks where 4 were asked for" in text and "note: Tasks 1 and 2" in text


def test_analyze_and_expand_all_show_ids_with_figures_and_failures_with_reasons() -> None:
    analysed = {
        "message": "Analysed 2.",
        "top": [{"id": 4, "score": 8, "subtasks": 5}, {"id": 8, "score": 3, "subtasks": 2}],
        "aboveThreshold": [4],
        "failed": [{"id": "6", "reason": "the model answered twice with no score"}],
        "reportPath": ".taskmaster/reports/task-complexity-report.json",
    }
    text = _printed(ai_views.render_analyze, analysed)
    assert " 4      8         5  (expand)" in text and " 8      3         2" in text
    assert "6: the model answered twice with no score" in text and "report: .taskmaster/reports/" in text
    expanded = {
        "message": "Expanded 1.",
        "expanded": [{"id": "4", "subtasks": 3}],
        "skipped": [{"id": "5", "reason": "has subtasks (force replaces them)"}],
        "failed": [{"id": "8", "reason": "every model failed"}],
        "remaining": ["9"],
    }
    text = _printed(ai_views.render_expand, expanded)
    assert "4: 3 subtask(s)" in text and "5: has subtasks" in text and "8: every model failed" in text
    assert "left for the next run: 9" in text


def test_research_says_where_it_saved() -> None:
    data = {
        "query": "q",
        "findings": "Use Redis.",
        "context": ["task 3"],
        "savedFile": ".taskmaster/docs/research/q.md",
    }
    text = _printed(ai_views.render_research, data)
    assert "Use Redis." in text and "saved to .taskmaster/docs/research/q.md" in text and "context: task 3" in text


def test_the_usage_line_names_fallbacks_in_words_not_a_python_list() -> None:
    line = usage_line({**USAGE, "costUsd": 0.0, "fallbacks": ["main failed (timeout) -> fallback"]}) or ""
    assert "1 fallback(s): main failed (timeout) -> fallback" in line and "['" not in line


def test_complexity_report_shows_each_reasoning_and_autopilot_what_to_do_next(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    report = {
        "meta": {"tasksAnalyzed": 1, "thresholdScore": 5},
        "complexityAnalysis": [
            {
                "taskId": 4,
                "taskTitle": "HTTP API",
                "complexityScore": 8,
                "recommendedSubtasks": 5,
                "expansionPrompt": "Split by endpoint.",
                "reasoning": "Many endpoints.",
            }
        ],
    }
    (messy_project / ".taskmaster" / "reports").mkdir(exist_ok=True)
    (messy_project / ".taskmaster" / "reports" / "task-complexity-report.json").write_text(json.dumps(report))
    _, out, _ = run(capsys, messy_project, "complexity-report")
    assert "4: Many endpoints. Expand: Split by endpoint." in out
    git(messy_project, "init", "-q")
    git(messy_project, "add", "-A")
    git(messy_project, "commit", "-qm", "start")
    code, out, err = run(capsys, messy_project, "autopilot", "start", "4")
    assert code == 0, err
    for expected in ("task 4 in tag master on branch ", "subtasks done: 0/3", "current: 4.1", "next: "):
        assert expected in out, (expected, out)
    assert '`taskmaster-mcp autopilot complete` --results \'{"total":N,' in out and "testResults=" not in out


def test_doctor_shows_control_sequences_from_the_config_instead_of_sending_them(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    config = {"models": {"main": {"provider": "anthropic", "modelId": "claude\x1b]0;owned\x07-x", "maxTokens": 100}}}
    (messy_project / ".taskmaster" / "config.json").write_text(json.dumps(config))
    _, out, err = run(capsys, messy_project, "doctor")
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "claude␛]0;owned␇-x" in out + err
