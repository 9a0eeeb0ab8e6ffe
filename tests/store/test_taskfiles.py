"""Generated task_NNN.md files: Task Master 0.43's markdown, written when changed, kept when not, removed when their
task is gone."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import messy
from taskmaster_mcp.store import taskfiles
from taskmaster_mcp.store.paths import Paths


def test_generate_writes_keeps_and_removes_task_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "notes.txt").write_text("mine")
    (out / "task_001_feature-auth.md").write_text("other tag")
    (out / "task_001.txt").write_text("an older version's file")
    doc = messy(messy_project)
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 8, "unchanged": 0, "removed": 0}
    text = (out / "task_003.md").read_text()
    assert text.startswith("# Task ID: 3\n\n**Title:** ") and "\n## Subtasks\n" in text
    assert "**Dependencies:** 1 ✓, 2" in text or "**Dependencies:** 1, 2" in text
    assert "\n### 3.2. Repository classes\n\n**Status:** " in text and "\n\n\n" not in text
    assert taskfiles.generate(paths, "master", doc.tasks("master"), out) == {"written": 0, "unchanged": 8, "removed": 0}
    remaining = [t for t in doc.tasks("master") if str(t["id"]) != "7"]
    remaining[0] = {**remaining[0], "title": "Renamed"}
    assert taskfiles.generate(paths, "master", remaining, out) == {"written": 1, "unchanged": 6, "removed": 1}
    assert not (out / "task_007.md").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "task_001_feature-auth.md").read_text() == "other tag"
    assert (out / "task_001.txt").exists()  # not ours to remove


def test_generate_for_another_tag_uses_its_slug_and_leaves_master_files(messy_project: Path) -> None:
    paths = Paths(messy_project)
    out = paths.tasks_dir
    (out / "task_001.md").write_text("master file")
    counts = taskfiles.generate(paths, "feature-auth", [], out)
    assert counts == {"written": 0, "unchanged": 0, "removed": 0}
    taskfiles.generate(paths, "Feature Auth", messy(messy_project).tasks("feature-auth"), out)
    assert sorted(p.name for p in out.glob("task_*_*.md")) == [
        "task_001_feature-auth.md",
        "task_002_feature-auth.md",
    ]
    assert (out / "task_001.md").read_text() == "master file"


def test_a_task_file_is_byte_for_byte_what_task_master_0_43_writes() -> None:
    tasks = [
        {"id": 1, "title": "Setup", "status": "done", "dependencies": []},
        {
            "id": 2,
            "title": "API",
            "description": "Build it.",
            "status": "in-progress",
            "dependencies": [1, 3],
            "priority": "high",
            "details": "",
            "testStrategy": "Run it.",
            "subtasks": [
                {"id": 1, "title": "Routes", "status": "done", "dependencies": [], "description": "Add routes."},
                {"id": 2, "title": "Auth", "dependencies": [1, "1.1"], "details": "JWT."},
            ],
        },
        {"id": 3, "title": "Later", "status": "deferred"},
    ]
    assert taskfiles.render(tasks[1], tasks) == (
        "# Task ID: 2\n\n**Title:** API\n\n**Status:** in-progress\n\n**Dependencies:** 1 ✓, 3 ⏸\n\n"
        "**Priority:** high\n\n**Description:** Build it.\n\n**Details:**\n\nNo details provided.\n\n"
        "**Test Strategy:**\n\nRun it.\n\n## Subtasks\n\n### 2.1. Routes\n\n**Status:** done  \n"
        "**Dependencies:** None  \n\nAdd routes.\n\n### 2.2. Auth\n\n**Status:** pending  \n"
        "**Dependencies:** 2.1, 1.1  \n\n**Details:**\n\nJWT.\n"
    )
    assert taskfiles.file_name(2, "master") == "task_002.md" and taskfiles.file_name(2, "feat") == "task_002_feat.md"
