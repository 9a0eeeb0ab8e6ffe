"""The project skeleton `init` creates: idempotent, and never overwriting what is already there."""

from __future__ import annotations

import json
from pathlib import Path

from taskmaster_mcp.setup import skeleton as init
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore


def test_init_creates_the_skeleton_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    first = init.initialize(tmp_path, "Demo")
    assert ".taskmaster/config.json" in first.created and ".taskmaster/tasks/tasks.json" in first.created
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = init.initialize(tmp_path, "Demo")
    assert second.created == []
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == snapshot
    assert json.loads((tmp_path / ".taskmaster" / "config.json").read_text())["global"]["projectName"] == "Demo"
    assert TaskStore(Paths(tmp_path)).read().tags() == ["master"]


def test_init_never_overwrites_existing_files(messy_project: Path) -> None:
    tm = messy_project / ".taskmaster"
    (tm / "config.json").write_text('{"models": {}, "custom": 1}')
    (messy_project / ".gitignore").write_text("node_modules")
    tasks_before = (tm / "tasks" / "tasks.json").read_bytes()
    result = init.initialize(messy_project)
    assert ".taskmaster/config.json" in result.kept and ".taskmaster/tasks/tasks.json" in result.kept
    assert (tm / "config.json").read_text() == '{"models": {}, "custom": 1}'
    assert (tm / "tasks" / "tasks.json").read_bytes() == tasks_before
    assert (messy_project / ".gitignore").read_text().splitlines() == [
        "node_modules",
        "# taskmaster-mcp",
        ".env",
        ".taskmaster/.taskmaster-mcp.lock",
        ".taskmaster/**/.*.tmp",
        ".taskmaster/**/*.lock",
        "*.bak-[0-9]*",
    ]


def test_init_keeps_a_legacy_tasks_file_instead_of_creating_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "tasks.json").write_text('{"tasks": []}')
    result = init.initialize(tmp_path)
    assert "tasks/tasks.json" in result.kept
    assert not (tmp_path / ".taskmaster" / "tasks" / "tasks.json").exists()


def test_store_tasks_in_git_false_adds_task_masters_section_once_after_our_lines(tmp_path: Path) -> None:
    first = init.initialize(tmp_path, store_tasks_in_git=False)
    text = (tmp_path / ".gitignore").read_text()
    second = init.initialize(tmp_path, store_tasks_in_git=False)
    assert text.splitlines() == ["# taskmaster-mcp", *init.GITIGNORE_LINES, "", "# Task files", ".taskmaster/tasks/"]
    assert any("tasks ignored" in c for c in first.created) and ".gitignore" in second.kept
    assert (tmp_path / ".gitignore").read_text() == text
