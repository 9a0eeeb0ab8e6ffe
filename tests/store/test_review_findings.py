"""Bugs a second reviewer found by attacking the server, each pinned: written outside the project, an unsaved change
saved later, metadata merged wrongly, secrets in .git, symlink loops, Task Master arguments refused."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import connected, error, ok, snapshot
from taskmaster_mcp.store import taskstore
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import Ref

ALLOW = {"TASK_MASTER_ALLOW_METADATA_UPDATES": "true"}


def _project(tmp_path: Path, tasks: list[dict[str, Any]]) -> Path:
    root = tmp_path / "proj"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    return root


async def test_generate_never_writes_outside_its_folder_whatever_a_task_id_says(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = _project(
        tmp_path,
        [
            {"id": f"/../../../{outside.name}/pwned", "title": "x", "status": "pending"},
            {"id": "a/b", "title": "y", "status": "pending"},
        ],
    )
    async with connected(root) as client:
        result = await ok(client, "generate")
    assert result["written"] == 2
    assert not outside.exists()
    written = sorted(p.name for p in (root / ".taskmaster/tasks").glob("task_*.md"))
    assert all("/" not in name and ".." not in name for name in written) and len(written) == 2


def test_a_write_that_fails_after_the_change_leaves_no_trace_in_later_reads_or_writes(
    messy_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TaskStore(Paths(messy_project))
    before = (messy_project / ".taskmaster/tasks/tasks.json").read_bytes()
    real = taskstore.write_atomic
    calls = {"n": 0}

    def full_disk(path: Path, data: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, **kwargs)

    monkeypatch.setattr(taskstore, "write_atomic", full_disk)
    with pytest.raises(OSError), store.mutate() as doc:
        edits.set_status(doc, "master", [Ref("8")], "review")
    assert (messy_project / ".taskmaster/tasks/tasks.json").read_bytes() == before
    assert store.read().index("master").task("8").get("status") == "pending"
    with store.mutate() as doc:
        edits.update_fields(doc, "master", Ref("2"), {"title": "Renamed"})
    saved = json.loads((messy_project / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert str(saved[7]["id"]) == "8" and saved[7]["status"] == "pending"


async def test_metadata_merges_compare_json_types_and_refuse_what_json_cannot_hold(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        [
            {"id": 1, "title": "a", "status": "pending", "metadata": {"flag": 1, "n": 2}},
            {"id": 2, "title": "b", "status": "pending", "metadata": "legacy-string"},
        ],
    )
    async with connected(root, env=ALLOW) as client:
        changed = await ok(client, "update_task", id="1", metadata='{"flag": true, "n": 2.0}')
        nan = await error(client, "update_task", id="1", metadata='{"v": NaN}')
        deep = await error(client, "update_task", id="1", metadata="[" * 3000 + "]" * 3000)
        not_object = await error(client, "update_task", id="2", metadata='{"a": 1}')
    meta = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][0]["metadata"]
    assert "1.metadata" in changed["changed"] and meta == {"flag": True, "n": 2.0}
    assert "not valid JSON" in nan and "not valid JSON" in deep
    assert "not an object" in not_object


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("research", {"query": "q", "filePaths": ".git/config"}),
        ("parse_prd", {"input": ".git/config"}),
    ],
)
async def test_git_internals_never_reach_a_model(messy_project: Path, tool: str, arguments: dict[str, Any]) -> None:
    (messy_project / ".git").mkdir()
    (messy_project / ".git/config").write_text('[remote "origin"]\n\turl = https://x:ghp_secret@host/r.git\n')
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, tool, **arguments)
    assert "private" in message and ".git" in message
    assert snapshot(messy_project) == before


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("parse_prd", {"input": "loop"}),
        ("generate", {"output": "loop"}),
        ("set_task_status", {"id": "1", "status": "done", "complexityReport": "loop"}),
        ("get_tasks", {"projectRoot": "LOOP_ROOT"}),
    ],
)
async def test_a_symlink_loop_is_bad_input_not_a_bug(messy_project: Path, tool: str, arguments: dict[str, Any]) -> None:
    os.symlink(messy_project / "loop2", messy_project / "loop")
    os.symlink(messy_project / "loop", messy_project / "loop2")
    call = {k: (str(messy_project / "loop") if v == "LOOP_ROOT" else v) for k, v in arguments.items()}
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, tool, **call)
    assert "cannot be resolved" in message and "This is a bug" not in message
    assert snapshot(messy_project) == before


async def test_task_masters_complexity_report_argument_is_read_by_get_tasks_and_get_task(messy_project: Path) -> None:
    report = messy_project / "scores.json"
    report.write_text(json.dumps({"complexityAnalysis": [{"taskId": 4, "complexityScore": 7}]}))
    async with connected(messy_project) as client:
        listed = await ok(client, "get_tasks", complexityReport="scores.json")
        shown = await ok(client, "get_task", id="4", complexityReport="scores.json")
        python_name = await error(client, "move_task", from_="8", to="20")
    assert next(r for r in listed["tasks"] if r["id"] == 4)["complexityScore"] == 7
    assert shown["tasks"][0]["complexityScore"] == 7
    assert "does not take from_" in python_name
