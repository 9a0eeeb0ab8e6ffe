"""Task Master's spelling of each command and ours give the same result.

Each row runs both spellings in process (``cli.run``) against its own copy of the messy fixture project and compares
what they print (``--json``) and what they leave on disk. AI commands are compared by the tool call they plan
(``parser.plan``), and one of them also end to end against the scripted provider server.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ai_helpers import ai_env, ai_project, as_json
from provider_server import MESSAGES, ProviderServer, Reply
from taskmaster_mcp.cli import main as cli_module
from taskmaster_mcp.cli.parser import plan

REPORT = {
    "meta": {"generatedAt": "2025-09-05T10:00:00.000Z", "tasksAnalyzed": 2, "thresholdScore": 5},
    "complexityAnalysis": [
        {
            "taskId": 4,
            "taskTitle": "HTTP API",
            "complexityScore": 8,
            "recommendedSubtasks": 5,
            "expansionPrompt": "Split by endpoint.",
            "reasoning": "Many endpoints.",
        },
        {
            "taskId": 8,
            "taskTitle": "Release 1.0",
            "complexityScore": 3,
            "recommendedSubtasks": 2,
            "expansionPrompt": "Split.",
            "reasoning": "Small.",
        },
    ],
}


def _with_report(root: Path) -> None:
    (root / ".taskmaster" / "reports").mkdir(parents=True, exist_ok=True)
    (root / ".taskmaster" / "reports" / "task-complexity-report.json").write_text(json.dumps(REPORT))


# (what, Task Master's spelling, ours, optional setup of the project before each run)
SAME: list[tuple[str, list[str], list[str], Callable[[Path], None] | None]] = [
    ("list", ["list", "--status", "pending", "--with-subtasks"], ["ls", "pending", "--with-subtasks"], None),
    ("list all", ["list", "all"], ["list", "--with-subtasks"], None),
    ("list ready", ["list", "--ready", "-f", "json"], ["list", "--ready"], None),
    ("list blocking", ["list", "--blocking", "-s", "pending"], ["ls", "--blocking", "--status", "pending"], None),
    ("list all tags", ["list", "--all-tags", "--ready"], ["ls", "--ready", "--all-tags"], None),
    ("show", ["show", "--id", "4"], ["show", "4"], None),
    ("show subtask", ["show", "-i", "4.3"], ["show", "4.3"], None),
    ("show several", ["show", "--id", "1,4.3", "--status", "done"], ["show", "1,4.3", "-s", "done"], None),
    ("next", ["next", "--format", "json"], ["next"], None),
    ("set-status", ["set-status", "--id", "3.2", "--status", "done"], ["set-status", "3.2", "done"], None),
    ("status alias", ["set-status", "-i", "4,8", "-s", "in-progress"], ["status", "4,8", "in-progress"], None),
    (
        "add-task",
        [
            "add-task",
            "--title",
            "Audit log",
            "--description",
            "Record writes",
            "--priority",
            "high",
            "--dependencies",
            "3,4",
        ],
        ["add", "-t", "Audit log", "-d", "Record writes", "--priority", "high", "--dependencies", "3,4"],
        None,
    ),
    (
        "add-subtask",
        ["add-subtask", "--parent", "5", "--title", "Login form", "--status", "pending"],
        ["add-subtask", "5", "-t", "Login form", "-s", "pending"],
        None,
    ),
    ("add-subtask convert", ["add-subtask", "-p", "4", "-i", "7"], ["add-subtask", "4", "--task-id", "7"], None),
    ("remove-subtask", ["remove-subtask", "--id", "4.2", "--convert"], ["remove-subtask", "4.2", "-c"], None),
    ("remove-task", ["remove-task", "--id", "7", "--yes"], ["remove-task", "7"], None),
    ("clear-subtasks", ["clear-subtasks", "--id", "8"], ["clear-subtasks", "8"], None),
    ("move", ["move", "--from", "7", "--to", "12"], ["move", "7", "12"], None),
    (
        "move between tags",
        ["move", "--from", "6", "--from-tag", "master", "--to-tag", "feature-auth", "--ignore-dependencies"],
        ["move", "6", "--from-tag", "master", "--to-tag", "feature-auth", "--ignore-dependencies"],
        None,
    ),
    ("add-dependency", ["add-dependency", "--id", "6", "--depends-on", "2"], ["add-dependency", "6", "2"], None),
    ("remove-dependency", ["remove-dependency", "-i", "8", "-d", "6"], ["remove-dependency", "8", "6"], None),
    (
        "validate-dependencies",
        ["validate-dependencies", "-f", ".taskmaster/tasks/tasks.json"],
        ["validate-dependencies"],
        None,
    ),
    ("fix-dependencies", ["fix-dependencies", "--file", ".taskmaster/tasks/tasks.json"], ["fix-dependencies"], None),
    (
        "generate",
        ["generate", "-o", "task-files", "-t", "feature-auth"],
        ["generate", "--output", "task-files", "--tag", "feature-auth"],
        None,
    ),
    (
        "complexity-report",
        ["complexity-report", "--file", ".taskmaster/reports/task-complexity-report.json"],
        ["complexity-report"],
        _with_report,
    ),
    ("tags", ["tags", "list"], ["tags"], None),
    (
        "add-tag",
        ["add-tag", "sprint-1", "-d", "First sprint"],
        ["tags", "add", "sprint-1", "--description", "First sprint"],
        None,
    ),
    (
        "add-tag copy",
        ["add-tag", "copy", "--copy-from-current"],
        ["tags", "add", "copy", "--copy-from", "master"],
        None,
    ),
    ("use-tag", ["use-tag", "feature-auth"], ["tags", "use", "feature-auth"], None),
    ("delete-tag", ["delete-tag", "empty-tag", "--yes"], ["tags", "remove", "empty-tag", "-y"], None),
    ("rename-tag", ["rename-tag", "empty-tag", "later"], ["tags", "rename", "empty-tag", "later"], None),
    (
        "copy-tag",
        ["copy-tag", "master", "backup", "-d", "Before the rewrite"],
        ["tags", "copy", "master", "backup", "--description", "Before the rewrite"],
        None,
    ),
]


@pytest.fixture(scope="module")
def tool_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One tools/list cache for every run (each run's HOME is its own project, which would start cold)."""
    return str(tmp_path_factory.mktemp("tool-cache"))


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?")


def _outcome(
    capsys: pytest.CaptureFixture[str],
    source: Path,
    root: Path,
    argv: list[str],
    setup: Callable[[Path], None] | None,
    cache: str,
) -> tuple[int, str, str, str]:
    """Run ``argv`` on a fresh copy of ``source``; (exit code, stdout, tasks.json, state.json), normalised."""
    shutil.copytree(source, root)
    if setup is not None:
        setup(root)
    env = {"HOME": str(root), "TASKMASTER_MCP_CACHE_DIR": cache}
    code = cli_module.run(["-C", str(root), *argv, "--json"], env=env)
    out = capsys.readouterr().out
    tasks = (root / ".taskmaster" / "tasks" / "tasks.json").read_text()
    state_file = root / ".taskmaster" / "state.json"
    state = (
        {k: v for k, v in json.loads(state_file.read_text()).items() if k != "lastSwitched"}
        if state_file.exists()
        else {}
    )
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    def same(text: str) -> str:
        return _STAMP.sub("<time>", text.replace(str(root), "<root>"))

    return code, same(out), same(tasks), json.dumps([state, files])


@pytest.mark.parametrize(("what", "theirs", "ours", "setup"), SAME, ids=[row[0] for row in SAME])
def test_task_masters_spelling_and_ours_give_the_same_result(
    capsys: pytest.CaptureFixture[str],
    messy_project: Path,
    tmp_path: Path,
    tool_cache: str,
    what: str,
    theirs: list[str],
    ours: list[str],
    setup: Callable[[Path], None] | None,
) -> None:
    expected = _outcome(capsys, messy_project, tmp_path / "a", theirs, setup, tool_cache)
    got = _outcome(capsys, messy_project, tmp_path / "b", ours, setup, tool_cache)
    assert expected[0] == 0, f"{what}: {theirs} failed"
    assert got == expected


AI_SAME: list[tuple[list[str], list[str]]] = [
    (
        ["parse-prd", "--input", "docs/prd.md", "--num-tasks", "12", "--force", "--research"],
        ["parse-prd", "docs/prd.md", "-n", "12", "-f", "-r"],
    ),
    (
        ["parse-prd", "-i", "docs/prd.md", "--append", "-o", ".taskmaster/tasks/tasks.json"],
        ["parse-prd", "docs/prd.md", "--append", "--output", ".taskmaster/tasks/tasks.json"],
    ),
    (
        ["expand", "--id", "7", "--num", "3", "--prompt", "Use SQL", "--force", "--research"],
        ["expand", "7", "-n", "3", "-p", "Use SQL", "-f", "-r"],
    ),
    (["expand", "--all", "--force"], ["expand", "-a", "-f"]),
    (
        ["expand", "--id", "7", "-cr", "r.json", "--file", "t.json"],
        ["expand", "7", "--complexity-report", "r.json", "--file", "t.json"],
    ),
    (
        ["analyze-complexity", "--threshold", "6", "--research", "--id", "1,3"],
        ["analyze", "-t", "6", "-r", "--ids", "1,3"],
    ),
    (
        ["analyze-complexity", "--from", "2", "--to", "5", "--output", "report.json"],
        ["analyze", "--from", "2", "--to", "5", "-o", "report.json"],
    ),
    (
        [
            "research",
            "How to cache?",
            "--id",
            "3,4.1",
            "-f",
            "a.py,b.py",
            "--context",
            "Redis",
            "--tree",
            "--detail",
            "HIGH",
            "--save-to",
            "4",
            "--save-file",
        ],
        [
            "research",
            "How to cache?",
            "--ids",
            "3,4.1",
            "--files",
            "a.py,b.py",
            "-c",
            "Redis",
            "-t",
            "-d",
            "high",
            "--save-to",
            "4",
            "--save-file",
        ],
    ),
    (
        ["update", "--from", "4", "--prompt", "Use Postgres", "--research"],
        ["update", "--from=4", "-p", "Use Postgres", "-r"],
    ),
    (
        ["update-task", "--id", "4", "--prompt", "Add paging", "--append"],
        ["update-task", "4", "Add", "paging", "--append"],
    ),
    (
        ["update-subtask", "--id", "4.2", "--prompt", "Checked the schema"],
        ["update-subtask", "4.2", "Checked the schema"],
    ),
    (
        ["scope-up", "--id", "4,8", "--strength", "heavy", "--prompt", "More tests", "--research"],
        ["scope-up", "4,8", "-s", "heavy", "-p", "More tests", "-r"],
    ),
    (["scope-down", "-i", "4", "-s", "light"], ["scope-down", "4", "--strength", "light"]),
    (
        ["add-task", "--prompt", "Rate limiting", "--research", "--priority", "low"],
        ["add", "-p", "Rate limiting", "-r", "--priority", "low"],
    ),
]


@pytest.mark.parametrize(("theirs", "ours"), AI_SAME, ids=[" ".join(row[0][:2]) for row in AI_SAME])
def test_ai_commands_plan_the_same_tool_call_in_either_spelling(theirs: list[str], ours: list[str]) -> None:
    assert plan(ours) == plan(theirs)


def test_expand_in_either_spelling_writes_the_same_subtasks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    subtasks = as_json(
        {
            "subtasks": [
                {
                    "id": n,
                    "title": f"Endpoint group {n}",
                    "description": "Do it.",
                    "details": "How.",
                    "testStrategy": "Test.",
                    "dependencies": [],
                }
                for n in (1, 2)
            ]
        }
    )
    results: list[str] = []
    for name, argv in (
        ("a", ["expand", "--id", "4", "--num", "2", "--force"]),
        ("b", ["expand", "4", "-n", "2", "-f"]),
    ):
        root = ai_project(tmp_path / name, provider_server, shared_fixtures / "messy-tasks.json")
        provider_server.script(MESSAGES, Reply(text=subtasks))
        code = cli_module.run(["-C", str(root), *argv, "--json"], env={"HOME": str(root), **ai_env(tmp_path)})
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()
        results.append(_STAMP.sub("<time>", (root / ".taskmaster" / "tasks" / "tasks.json").read_text()))
    assert results[0] == results[1]
    assert "Endpoint group 2" in results[0]
