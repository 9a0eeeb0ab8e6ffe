"""Merges never drop a task: `fix-conflicts` after a plain `git merge` in each of git's three conflict styles, inside
the stopped merge (git's index stages) and on markers alone; the driver's reused-id and dated-note rules; the
conflict report never follows a symlink out of the repository."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from git_helpers import isolated_git  # noqa: F401  (autouse fixture: no user git config)
from merge_helpers import STYLES, TASKS, conflicted_repo, document, fix_conflicts, measure, scenarios, task
from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.merge_files import merge_driver
from taskmaster_mcp.tasks.merge import merge_documents

SCENARIOS = {s.name: s for s in scenarios()}
REPORT = Path(".taskmaster/reports/merge-conflicts.json")


def titles(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["title"]: t for t in data["master"]["tasks"]}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_inside_a_merge_every_style_merges_from_the_index_stages_and_loses_no_task(
    tmp_path: Path, name: str, style: str
) -> None:
    measured = measure(tmp_path / "repo", SCENARIOS[name], style)
    assert not measured.markers and measured.code == 0, measured.stderr
    assert measured.lost == frozenset() and measured.resurrected == frozenset()
    merged = titles(json.loads((tmp_path / "repo" / TASKS).read_text(encoding="utf-8")))
    if name == "edited on both":  # both sides' edits of one task arrive, field by field
        assert merged["A renamed three"]["description"] == "B says"
        assert merged["Task 4"]["status"] == "done" and merged["Task 4"]["dependencies"] == [3, 1]
    if name == "added on both sides":  # theirs renumbered, with the reference theirs added following
        assert merged["B seven"]["dependencies"] == [merged["B six"]["id"]]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_on_markers_alone_it_merges_only_what_it_can_be_sure_of_and_otherwise_writes_nothing(
    tmp_path: Path, name: str, style: str
) -> None:
    measured = measure(tmp_path / "repo", SCENARIOS[name], style, inside=False)
    assert measured.lost == frozenset()
    if measured.markers:  # refused: the file is as git left it, and the message says what to do
        assert measured.code == 1 and "Nothing was written" in measured.stderr and "before `git add`" in measured.stderr
        conflicted = (tmp_path / "repo" / TASKS).read_bytes()
        assert (tmp_path / "repo-markers-only" / TASKS).read_bytes() == conflicted
    if style == "diff3":  # diff3 keeps the ancestor: never refused, exact
        assert not measured.markers and measured.resurrected == frozenset()


def test_a_side_that_deleted_the_file_is_refused_and_the_file_left_untouched(tmp_path: Path) -> None:
    from merge_helpers import commit, git

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    commit(root, document(task(1)), "base")
    git(root, "branch", "b")
    commit(root, document(task(1, status="done")), "a")
    git(root, "checkout", "-q", "b")
    git(root, "rm", "-q", str(TASKS))
    git(root, "commit", "-q", "-m", "b removes")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-edit", "b")
    (root / TASKS).write_text("<<<<<<< HEAD\n{}\n=======\n>>>>>>> b\n", encoding="utf-8")
    before = (root / TASKS).read_bytes()
    done = fix_conflicts(root)
    assert done.returncode == 1 and "deleted the file" in done.stderr and "--ours" in done.stderr
    assert (root / TASKS).read_bytes() == before


# --- the driver's identity and note rules ---------------------------------------------------------------------------


def test_a_removed_and_reused_id_is_a_new_task_not_the_old_one_marked_done() -> None:
    base = document(task(1), task(2), task(3), task(4, "Build auth", description="Login and sessions"))
    ours = document(task(1), task(2), task(3), task(4, "Write docs", description="User guide"))  # 4 removed, re-added
    theirs = document(task(1), task(2), task(3), task(4, "Build auth", description="Login and sessions", status="done"))
    result = merge_documents(base, ours, theirs)
    merged = titles(result.data)
    assert merged["Build auth"]["status"] == "done" and merged["Build auth"]["id"] == 4
    assert merged["Write docs"]["status"] == "pending" and merged["Write docs"]["id"] == 5
    assert [(c.task, c.field) for c in result.conflicts] == [("4", "(deleted by ours)")]
    assert ("master", "4", "5") in result.renumbered


def test_a_reused_id_the_other_side_left_alone_simply_replaces_the_old_task() -> None:
    base = document(task(1), task(2, "Old"))
    ours = document(task(1, status="done"), task(2, "Old"))
    theirs = document(task(1), task(2, "New", description="Another thing"))
    result = merge_documents(base, ours, theirs)
    assert [t["title"] for t in result.data["master"]["tasks"]] == ["Task 1", "New"] and result.conflicts == []


def test_creation_stamps_decide_identity_over_titles() -> None:
    base = document(task(1, "Same", createdAt="2026-01-01T00:00:00Z"))
    renamed = document(task(1, "Renamed", description="x", createdAt="2026-01-01T00:00:00Z"))
    reused = document(task(1, "Same", createdAt="2026-02-02T00:00:00Z", status="pending"))
    edit = merge_documents(base, renamed, document(task(1, "Same", createdAt="2026-01-01T00:00:00Z", status="done")))
    assert [(t["title"], t["status"]) for t in edit.data["master"]["tasks"]] == [("Renamed", "done")]
    new = merge_documents(base, reused, document(task(1, "Same", createdAt="2026-01-01T00:00:00Z", status="done")))
    assert sorted((t["createdAt"], t["status"]) for t in new.data["master"]["tasks"]) == [
        ("2026-01-01T00:00:00Z", "done"),
        ("2026-02-02T00:00:00Z", "pending"),
    ]


def test_a_reused_id_through_real_git_and_the_driver(tmp_path: Path) -> None:
    from merge_helpers import commit, console_script, git

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "merge.taskmaster-tasks.driver", f"{console_script()} merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text(".taskmaster/tasks/tasks.json merge=taskmaster-tasks\n", encoding="utf-8")
    commit(root, document(task(1), task(2), task(3), task(4, "Build auth", description="Login")), "base")
    git(root, "branch", "b")
    commit(root, document(task(1), task(2), task(3), task(4, "Write docs", description="Guide")), "a: 4 reused")
    git(root, "checkout", "-q", "b")
    commit(root, document(task(1), task(2), task(3), task(4, "Build auth", description="Login", status="done")), "b")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-edit", "b")
    merged = titles(json.loads((root / TASKS).read_text(encoding="utf-8")))
    assert merged["Write docs"]["status"] == "pending" and merged["Build auth"]["status"] == "done"
    assert merged["Write docs"]["id"] != merged["Build auth"]["id"]


NOTE_A = "\n<info added on 2026-03-01T10:00:00.000Z>\nA learnt\n</info added on 2026-03-01T10:00:00.000Z>"
NOTE_B = "\n<info added on 2026-03-02T09:00:00.000Z>\nB learnt\n</info added on 2026-03-02T09:00:00.000Z>"


@pytest.mark.parametrize("flip", [False, True])
def test_dated_notes_appended_on_both_sides_keep_both_earlier_first(flip: bool) -> None:
    base = document(task(1, details="Plan"))
    a, b = document(task(1, details="Plan" + NOTE_A)), document(task(1, details="Plan" + NOTE_B))
    result = merge_documents(base, *((b, a) if flip else (a, b)))
    assert result.data["master"]["tasks"][0]["details"] == "Plan" + NOTE_A + NOTE_B and result.conflicts == []


def test_undated_appends_and_edits_of_the_old_text_stay_conflicts() -> None:
    base = document(task(1, details="Plan"))
    undated = merge_documents(base, document(task(1, details="Plan a")), document(task(1, details="Plan b")))
    edited = merge_documents(base, document(task(1, details="Plan" + NOTE_A)), document(task(1, details="Xx" + NOTE_B)))
    assert [c.field for c in undated.conflicts] == ["details"] and [c.field for c in edited.conflicts] == ["details"]


# --- the report never leaves the repository -------------------------------------------------------------------------


def _conflicting_versions(tmp_path: Path) -> tuple[Path, Path, Path]:
    paths = []
    for name, data in (
        ("base", document(task(1))),
        ("ours", document(task(1, "ours title"))),
        ("theirs", document(task(1, "theirs title"))),
    ):
        path = tmp_path / name
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1], paths[2]


def test_a_symlinked_reports_folder_leading_outside_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / ".taskmaster").mkdir(parents=True)
    outside.mkdir()
    os.symlink(outside, root / ".taskmaster" / "reports")
    base, ours, theirs = _conflicting_versions(tmp_path)
    before = ours.read_bytes()
    with pytest.raises(StoreError, match="outside the repository"):
        merge_driver(base, ours, theirs, str(TASKS), root)
    assert list(outside.iterdir()) == [] and ours.read_bytes() == before


def test_a_symlink_at_the_report_name_is_replaced_never_written_through(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside.json"
    (root / REPORT).parent.mkdir(parents=True)
    outside.write_text("keep me", encoding="utf-8")
    os.symlink(outside, root / REPORT)
    outcome = merge_driver(*_conflicting_versions(tmp_path), str(TASKS), root)
    assert outcome.report == root / REPORT and not (root / REPORT).is_symlink()
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert json.loads((root / REPORT).read_text(encoding="utf-8"))["conflicts"][0]["field"] == "title"


def test_fix_conflicts_with_a_symlinked_taskmaster_report_folder_writes_nothing(tmp_path: Path) -> None:
    from merge_helpers import Scenario

    base = document(task(1), task(2))
    ours, theirs = document(task(1, "A"), task(2)), document(task(1, "B"), task(2))
    clash = Scenario("title on both", base, ours, theirs, frozenset())
    root = conflicted_repo(tmp_path / "repo", clash, "diff3")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / ".taskmaster" / "reports")
    before = (root / TASKS).read_bytes()
    done = fix_conflicts(root)
    assert done.returncode == 1 and "outside the repository" in done.stderr
    assert (root / TASKS).read_bytes() == before and list(outside.iterdir()) == []
    shutil.rmtree(outside)


def test_fix_conflicts_writes_under_task_masters_lock_and_leaves_the_file_when_it_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskmaster_mcp.store import tmlock
    from taskmaster_mcp.store.merge_files import fix_conflicts as fix

    root = conflicted_repo(tmp_path / "repo", SCENARIOS["added on both sides"], "diff3")
    held = tmlock.lock_path(root / TASKS)
    held.write_text(json.dumps({"pid": os.getpid()}), encoding="utf-8")  # a live holder: Task Master mid-write
    monkeypatch.setattr(tmlock, "WAIT_SECONDS", 0.0)
    before = (root / TASKS).read_bytes()
    with pytest.raises(StoreError, match="lock"):
        fix(root / TASKS, root, str(TASKS))
    assert (root / TASKS).read_bytes() == before
    held.unlink()
    assert fix(root / TASKS, root, str(TASKS)).report is None and "<<<<<<<" not in (root / TASKS).read_text("utf-8")
