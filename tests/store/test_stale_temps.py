"""Temp files a killed writer left behind are removed by the next write, ours only; git ignores what we create."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from taskmaster_mcp.setup import skeleton
from taskmaster_mcp.store.files import sweep_stale_temps
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import edits


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_the_next_write_removes_old_temp_files_of_tasks_json_and_nothing_else(messy_project: Path) -> None:
    tasks_dir = messy_project / ".taskmaster" / "tasks"
    stale = [tasks_dir / ".tasks.json.ab12cd_9.tmp", tasks_dir / ".tasks.json.ZZZZZZZZ.tmp"]
    fresh = tasks_dir / ".tasks.json.fresh123.tmp"  # left a moment ago by a writer killed mid-write
    others = [
        tasks_dir / ".task_001.txt.ab12cd34.tmp",
        tasks_dir / ".tasks.json.notours.tmp.bak",
        tasks_dir / ".tasks.json.short.tmp",
        tasks_dir / "tasks.json.ab12cd34.tmp",
    ]
    for path in [*stale, fresh, *others]:
        path.write_bytes(b"x" * 1000)
    for path in [*stale, *others]:
        _age(path, 600)
    store = TaskStore(Paths(messy_project))
    with store.mutate() as doc:
        edits.set_status(doc, "master", [edits.parse_ref("1")], "done")
    assert not any(p.exists() for p in [*stale, fresh])
    assert all(p.exists() for p in others)


def test_a_sweep_outside_the_lock_can_spare_temp_files_that_are_too_young(tmp_path: Path) -> None:
    young, old = tmp_path / ".tasks.json.young123.tmp", tmp_path / ".tasks.json.old12345.tmp"
    young.write_text("x")
    old.write_text("x")
    _age(old, 600)
    assert sweep_stale_temps(tmp_path / "tasks.json", older_than=60) == 1
    assert young.exists() and not old.exists()


def test_sweeping_ignores_a_missing_directory_and_directories_named_like_temps(tmp_path: Path) -> None:
    assert sweep_stale_temps(tmp_path / "nowhere" / "tasks.json") == 0
    odd = tmp_path / ".tasks.json.abcdefgh.tmp"
    odd.mkdir()
    _age(odd, 600)
    assert sweep_stale_temps(tmp_path / "tasks.json") == 0 and odd.is_dir()


def test_git_ignores_every_artifact_init_knows_we_create(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    skeleton.initialize(tmp_path)
    artifacts = [
        ".env",
        ".taskmaster/.taskmaster-mcp.lock",
        ".taskmaster/tasks/.tasks.json.ab12cd34.tmp",
        ".taskmaster/.config.json.ab12cd34.tmp",
        ".taskmaster/tasks/tasks.json.lock",
        ".cursor/mcp.json.bak-20261129-101500",
        ".vscode/mcp.json.bak-20261129-101500-2",
    ]
    kept = [
        ".taskmaster/tasks/tasks.json",
        ".taskmaster/config.json",
        ".taskmaster/state.json",
        ".cursor/mcp.json",
        ".taskmaster/docs/prd.txt",
        ".env.example",
    ]
    for rel in [*artifacts, *kept]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).touch()
    ignored = subprocess.run(
        ["git", "-C", str(tmp_path), "check-ignore", "--no-index", *artifacts, *kept], capture_output=True, text=True
    ).stdout.split()
    assert sorted(ignored) == sorted(artifacts)
