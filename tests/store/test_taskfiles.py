"""Generated task_NNN.txt files: written when changed, kept when not, removed when their task is gone."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import messy
from taskmaster_mcp.store import taskfiles
from taskmaster_mcp.store.paths import Paths


def test_generate_writes_keeps_and_removes_task_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "notes.txt").write_text("mine")
    (out / "task_001_feature-auth.txt").write_text("other tag")
    doc = messy(messy_project)
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 8, "unchanged": 0, "removed": 0}
    text = (out / "task_003.txt").read_text()
    assert "# Task ID: 3" in text and "# Dependencies: 1, 2" in text and "## 2. Repository classes" in text
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 0, "unchanged": 8, "removed": 0}
    remaining = [t for t in doc.tasks("master") if str(t["id"]) != "7"]
    remaining[0] = {**remaining[0], "title": "Renamed"}
    assert taskfiles.generate(paths, "master", remaining, out) == {"written": 1, "unchanged": 6, "removed": 1}
    assert not (out / "task_007.txt").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "task_001_feature-auth.txt").read_text() == "other tag"


def test_generate_for_another_tag_uses_its_slug_and_leaves_master_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "task_001.txt").write_text("master file")
    counts = taskfiles.generate(paths, "feature-auth", [], out)
    assert counts == {"written": 0, "unchanged": 0, "removed": 0}
    taskfiles.generate(paths, "Feature Auth", messy(messy_project).tasks("feature-auth"), out)
    assert sorted(p.name for p in out.glob("task_*_*.txt")) == [
        "task_001_feature-auth.txt",
        "task_002_feature-auth.txt",
    ]
    assert (out / "task_001.txt").read_text() == "master file"
