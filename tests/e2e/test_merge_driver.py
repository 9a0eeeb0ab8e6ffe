"""The tasks.json merge driver: the pure rules (tasks/merge.py), then real `git merge` and `git rebase` in tmp_path
with the installed console script registered as the driver, `fix-conflicts` on files git left with markers, and
`init`/`doctor` registering and checking the driver."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_helpers import git, isolated_git  # noqa: F401  (autouse fixture: no user git config)
from servers import console_script
from taskmaster_mcp.setup.skeleton import GITATTRIBUTES_LINE, InitResult, merge_driver_status, register_merge_driver
from taskmaster_mcp.tasks.document import parse_document
from taskmaster_mcp.tasks.merge import merge_documents

TASKS = Path(".taskmaster/tasks/tasks.json")
REPORT = Path(".taskmaster/reports/merge-conflicts.json")


def task(n: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": n,
        "title": f"Task {n}",
        "description": "d",
        "status": "pending",
        "dependencies": [],
        "priority": "medium",
        "subtasks": [],
        **fields,
    }


def doc(*tasks: dict[str, Any], tag: str = "master", **tags: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {tag: {"tasks": list(tasks), "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}
    for name, items in tags.items():
        data[name.replace("_", "-")] = {"tasks": items, "metadata": {"description": name}}
    return data


def by_id(data: dict[str, Any], tag: str = "master") -> dict[str, dict[str, Any]]:
    return {str(t["id"]): t for t in data[tag]["tasks"]}


# --- pure rules --------------------------------------------------------------------------------------------------


def test_changes_to_different_tasks_and_different_fields_of_one_task_both_apply() -> None:
    base = doc(task(1), task(2))
    ours = doc(task(1, title="ours title"), task(2))
    theirs = doc(task(1, priority="high"), task(2, details="theirs"))
    result = merge_documents(base, ours, theirs)
    assert result.conflicts == []
    assert by_id(result.data)["1"]["title"] == "ours title" and by_id(result.data)["1"]["priority"] == "high"
    assert by_id(result.data)["2"]["details"] == "theirs"


def test_subtasks_merge_by_id_field_by_field() -> None:
    sub = {"id": 1, "title": "s", "status": "pending", "dependencies": []}
    base = doc(task(1, subtasks=[sub]))
    ours = doc(task(1, subtasks=[{**sub, "title": "ours"}, {"id": 2, "title": "ours new", "dependencies": [1]}]))
    theirs = doc(
        task(1, subtasks=[{**sub, "details": "theirs"}, {"id": 2, "title": "theirs new", "dependencies": [1]}])
    )
    result = merge_documents(base, ours, theirs)
    subs = by_id(result.data)["1"]["subtasks"]
    assert result.conflicts == []
    assert subs[0] == {**sub, "title": "ours", "details": "theirs"}
    assert [(s["id"], s["title"]) for s in subs[1:]] == [(2, "ours new"), (3, "theirs new")]


def test_tasks_added_on_both_sides_keep_their_content_and_theirs_are_renumbered_with_their_references() -> None:
    base = doc(task(1), task(2))
    ours = doc(task(1), task(2), task(3, title="ours 3"))
    theirs = doc(
        task(1, dependencies=[3]),
        task(2),
        task(3, title="theirs 3"),
        task(4, title="theirs 4", dependencies=[3, "3"]),
        task("5", title="theirs 5", dependencies=["3.1"], subtasks=[{"id": 1, "dependencies": ["3.1", 2]}]),
    )
    result = merge_documents(base, ours, theirs)
    tasks = by_id(result.data)
    assert result.conflicts == []
    assert tasks["3"]["title"] == "ours 3"
    assert tasks["6"]["title"] == "theirs 3" and tasks["4"]["title"] == "theirs 4" and tasks["5"]["title"] == "theirs 5"
    assert tasks["1"]["dependencies"] == [6]  # a reference theirs added follows their task
    assert tasks["4"]["dependencies"] == [6, "6"]  # keeping each id's JSON type
    assert tasks["5"]["id"] == "5" and tasks["5"]["dependencies"] == ["6.1"]
    assert tasks["5"]["subtasks"][0]["dependencies"] == ["6.1", 2]
    assert result.renumbered == [("master", "3", "6")]


def test_tasks_added_on_both_sides_with_the_same_content_are_kept_once() -> None:
    result = merge_documents(doc(), doc(task(1)), doc(task(1)))
    assert [t["id"] for t in result.data["master"]["tasks"]] == [1] and result.renumbered == []


@pytest.mark.parametrize(
    ("ours", "theirs", "merged"),
    [
        ("done", "review", "done"),
        ("review", "done", "done"),
        ("in-progress", "review", "review"),
        ("pending", "in-progress", "in-progress"),
        ("cancelled", "in-progress", "in-progress"),
        ("review", "deferred", "review"),
        ("deferred", "pending", "pending"),
    ],
)
def test_a_status_changed_on_both_sides_takes_the_further_along_one(ours: str, theirs: str, merged: str) -> None:
    base = doc(task(1, status="blocked"))
    result = merge_documents(base, doc(task(1, status=ours)), doc(task(1, status=theirs)))
    assert by_id(result.data)["1"]["status"] == merged and result.conflicts == []


def test_cancelled_against_deferred_is_a_conflict_keeping_ours() -> None:
    result = merge_documents(doc(task(1)), doc(task(1, status="cancelled")), doc(task(1, status="deferred")))
    assert by_id(result.data)["1"]["status"] == "cancelled"
    assert [c.field for c in result.conflicts] == ["status"]


def test_the_same_field_changed_to_different_values_keeps_ours_and_is_reported() -> None:
    result = merge_documents(doc(task(1)), doc(task(1, title="ours")), doc(task(1, title="theirs")))
    assert by_id(result.data)["1"]["title"] == "ours"
    (conflict,) = result.conflicts
    assert conflict.as_json() == {
        "tag": "master",
        "taskId": "1",
        "field": "title",
        "kept": "ours",
        "base": "Task 1",
        "ours": "ours",
        "theirs": "theirs",
    }


def test_tags_added_and_removed_on_either_side_merge() -> None:
    base = doc(task(1), old=[task(1)], gone=[task(1)])
    ours = doc(task(1), old=[task(1)], mine=[task(1, title="mine")])  # removed "gone", added "mine"
    theirs = doc(task(1), gone=[task(1)], yours=[task(1, title="yours")])  # removed "old", added "yours"
    result = merge_documents(base, ours, theirs)
    assert list(result.data) == ["master", "mine", "yours"] and result.conflicts == []


def test_a_tag_deleted_on_one_side_and_changed_on_the_other_is_kept_and_reported() -> None:
    base = doc(task(1), feature=[task(1)])
    result = merge_documents(base, doc(task(1)), doc(task(1), feature=[task(1, status="done")]))
    assert result.data["feature"]["tasks"][0]["status"] == "done"
    assert [c.field for c in result.conflicts] == ["(tag deleted by ours)"]


def test_values_keep_their_json_types_and_unknown_fields_and_metadata_survive() -> None:
    base = {"master": {"tasks": [task("1", custom={"a": 1})], "metadata": {"x": 1}}, "notATag": {"k": True}}
    ours = copy.deepcopy(base)
    ours["master"]["tasks"][0]["dependencies"] = ["2"]
    theirs = copy.deepcopy(base)
    theirs["master"]["tasks"][0]["custom"] = {"a": 1.0}  # 1 -> 1.0 is a change in JSON
    theirs["master"]["metadata"]["y"] = "new"
    result = merge_documents(base, ours, theirs)
    merged = result.data["master"]
    assert merged["tasks"][0]["id"] == "1" and merged["tasks"][0]["dependencies"] == ["2"]
    assert json.dumps(merged["tasks"][0]["custom"]) == '{"a": 1.0}'
    assert merged["metadata"] == {"x": 1, "y": "new"} and result.data["notATag"] == {"k": True}


def test_dependencies_merge_as_sets() -> None:
    base = doc(task(1), task(2), task(3), task(4, dependencies=[1, 2]))
    ours = doc(task(1), task(2), task(3), task(4, dependencies=[2, 3]))  # -1 +3
    theirs = doc(task(1), task(2), task(3), task(4, dependencies=[1, 2, 5]))  # +5
    assert by_id(merge_documents(base, ours, theirs).data)["4"]["dependencies"] == [2, 3, 5]


def test_timestamps_changed_on_both_sides_take_the_later_one() -> None:
    base = doc(task(1, updatedAt="2026-01-01T00:00:00.000Z"))
    ours = doc(task(1, updatedAt="2026-02-01T00:00:00.000Z"))
    theirs = doc(task(1, updatedAt="2026-03-01T00:00:00.000Z"))
    result = merge_documents(base, ours, theirs)
    assert by_id(result.data)["1"]["updatedAt"] == "2026-03-01T00:00:00.000Z" and result.conflicts == []


# --- property: random divergent edits -----------------------------------------------------------------------------

EDIT = st.tuples(
    st.sampled_from(["status", "title", "add", "dep", "remove", "subtask"]),
    st.integers(1, 8),
    st.integers(1, 8),
    st.sampled_from(["pending", "in-progress", "review", "done", "cancelled"]),
)


def _apply(data: dict[str, Any], edits: list[tuple[str, int, int, str]], side: str) -> set[str]:
    """Apply edits in place; return the titles this side added (they must survive the merge)."""
    tasks: list[dict[str, Any]] = data["master"]["tasks"]
    base_top = max((t["id"] for t in tasks), default=0)
    for n, (kind, a, b, status) in enumerate(edits):
        ids = [t["id"] for t in tasks]
        target = next((t for t in tasks if t["id"] == a), None)
        if kind == "add":
            # ids are not reused after a removal: a reused id reads as an edit of the removed task (tasks/merge.py)
            fresh = max([*ids, base_top]) + 1
            tasks.append(task(fresh, title=f"{side} added {n}", dependencies=[b] if b in ids else []))
            base_top = fresh
        elif target is None:
            continue
        elif kind == "status":
            target["status"] = status
        elif kind == "title":
            target["title"] += f" ({side} {n})"
        elif kind == "dep" and b in ids and b != a and b not in target["dependencies"]:
            target["dependencies"].append(b)
        elif kind == "remove" and not any(a in t["dependencies"] for t in tasks):
            tasks.remove(target)
        elif kind == "subtask":
            target["subtasks"].append(
                {"id": len(target["subtasks"]) + 1, "title": f"{side} sub {n}", "dependencies": []}
            )
    return {t["title"] for t in tasks if t["title"].startswith(f"{side} added")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 6), st.lists(EDIT, max_size=8), st.lists(EDIT, max_size=8))
def test_merging_random_divergent_edits_loses_no_task_and_keeps_ids_unique_and_dependencies_resolved(
    size: int, ours_edits: list[tuple[str, int, int, str]], theirs_edits: list[tuple[str, int, int, str]]
) -> None:
    base = doc(*(task(n, dependencies=[n - 1] if n > 1 else []) for n in range(1, size + 1)))
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    added = _apply(ours, ours_edits, "ours") | _apply(theirs, theirs_edits, "theirs")
    result = merge_documents(base, ours, theirs)
    parse_document(json.loads(json.dumps(result.data)), Path("merged.json"))
    tasks = result.data["master"]["tasks"]
    ids = [str(t["id"]) for t in tasks]
    assert len(ids) == len(set(ids))
    assert added <= {t["title"] for t in tasks}
    for t in tasks:
        assert {str(d) for d in t["dependencies"]} <= set(ids)
        sub_ids = [s["id"] for s in t["subtasks"]]
        assert len(sub_ids) == len(set(sub_ids))


# --- real git -------------------------------------------------------------------------------------------------------


def write(root: Path, data: dict[str, Any]) -> None:
    (root / TASKS).parent.mkdir(parents=True, exist_ok=True)
    (root / TASKS).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(root: Path) -> dict[str, Any]:
    return json.loads((root / TASKS).read_text(encoding="utf-8"))


def commit(root: Path, data: dict[str, Any], message: str) -> None:
    write(root, data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the driver registered via git config, a base commit on main and a branch `feature`."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "merge.taskmaster-tasks.driver", f"{console_script()} merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text(GITATTRIBUTES_LINE + "\n", encoding="utf-8")
    commit(root, doc(task(1), task(2, dependencies=[1]), feature_x=[task(1)]), "base")
    git(root, "branch", "feature")
    return root


def merge(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_git_merge_applies_both_branches_renumbers_theirs_and_rewrites_their_dependencies(repo: Path) -> None:
    commit(
        repo,
        doc(task(1, status="done"), task(2, dependencies=[1]), task(3, title="main 3"), feature_x=[task(1)]),
        "main: 1 done, add 3",
    )
    git(repo, "checkout", "-q", "feature")
    commit(
        repo,
        doc(
            task(1, title="renamed"),
            task(2, dependencies=[1, 3]),
            task(3, title="feature 3"),
            task(4, title="feature 4", dependencies=[3]),
            feature_x=[task(1)],
            new_tag=[task(1)],
        ),
        "feature: rename 1, add 3 and 4, new tag",
    )
    git(repo, "checkout", "-q", "main")
    done = merge(repo, "merge", "--no-edit", "feature")
    assert done.returncode == 0, done.stdout + done.stderr
    tasks = by_id(read(repo))
    assert tasks["1"]["status"] == "done" and tasks["1"]["title"] == "renamed"
    assert tasks["3"]["title"] == "main 3" and tasks["5"]["title"] == "feature 3" and tasks["4"]["title"] == "feature 4"
    assert tasks["2"]["dependencies"] == [1, 5] and tasks["4"]["dependencies"] == [5]
    assert set(read(repo)) == {"master", "feature-x", "new-tag"}
    assert "<<<<<<<" not in (repo / TASKS).read_text(encoding="utf-8")
    assert not (repo / REPORT).exists()


def test_git_merge_with_a_true_conflict_stops_keeps_ours_writes_the_report_and_leaves_valid_json(repo: Path) -> None:
    commit(
        repo, doc(task(1, title="main title", status="review"), task(2, dependencies=[1]), feature_x=[task(1)]), "main"
    )
    git(repo, "checkout", "-q", "feature")
    commit(repo, doc(task(1, title="feature title", status="done"), task(2, dependencies=[1]), feature_x=[]), "feature")
    git(repo, "checkout", "-q", "main")
    done = merge(repo, "merge", "--no-edit", "feature")
    assert done.returncode != 0
    text = (repo / TASKS).read_text(encoding="utf-8")
    merged = json.loads(text)
    assert by_id(merged)["1"]["title"] == "main title" and by_id(merged)["1"]["status"] == "done"
    assert merged["feature-x"]["tasks"] == []
    report = json.loads((repo / REPORT).read_text(encoding="utf-8"))
    assert [(c["taskId"], c["field"], c["ours"], c["theirs"]) for c in report["conflicts"]] == [
        ("1", "title", "main title", "feature title")
    ]
    assert report["file"] == str(TASKS)
    assert "UU .taskmaster/tasks/tasks.json" in git(repo, "status", "--porcelain")


def test_git_rebase_replays_task_edits_through_the_driver(repo: Path) -> None:
    commit(repo, doc(task(1, status="in-progress"), task(2, dependencies=[1]), feature_x=[task(1)]), "main")
    git(repo, "checkout", "-q", "feature")
    commit(repo, doc(task(1), task(2, dependencies=[1], priority="high"), task(3), feature_x=[task(1)]), "f1")
    commit(
        repo,
        doc(task(1, details="notes"), task(2, dependencies=[1], priority="high"), task(3), feature_x=[task(1)]),
        "f2",
    )
    done = merge(repo, "rebase", "main")
    assert done.returncode == 0, done.stdout + done.stderr
    tasks = by_id(read(repo))
    assert tasks["1"]["status"] == "in-progress" and tasks["1"]["details"] == "notes"
    assert tasks["2"]["priority"] == "high" and "3" in tasks


def test_a_broken_input_leaves_ours_untouched_and_exits_non_zero(tmp_path: Path) -> None:
    good = json.dumps(doc(task(1)), indent=2)
    for name, text in (("base", good), ("ours", good), ("theirs", '{"master": {"tasks": [{"title": "no id"}]}}')):
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [console_script(), "merge-driver", "base", "ours", "theirs", str(TASKS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "theirs" in done.stderr and "id" in done.stderr
    assert (tmp_path / "ours").read_text(encoding="utf-8") == good and done.stdout == ""


@pytest.mark.parametrize("style", ["merge", "diff3"])
def test_fix_conflicts_repairs_a_file_git_left_with_markers(tmp_path: Path, style: str) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "merge.conflictStyle", style)
    commit(root, doc(task(1), task(2)), "base")
    git(root, "branch", "feature")
    commit(root, doc(task(1, status="done"), task(2), task(3, title="main 3")), "main")
    git(root, "checkout", "-q", "feature")
    commit(root, doc(task(1, status="review", details="x"), task(2, title="two"), task(3, title="feature 3")), "f")
    git(root, "checkout", "-q", "main")
    assert merge(root, "merge", "--no-edit", "feature").returncode != 0
    assert "<<<<<<<" in (root / TASKS).read_text(encoding="utf-8")
    done = subprocess.run(
        [console_script(), "fix-conflicts", "-C", str(root)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    text = (root / TASKS).read_text(encoding="utf-8")
    tasks = by_id(json.loads(text))
    assert "<<<<<<<" not in text and tasks["1"]["status"] == "done" and tasks["1"]["details"] == "x"
    assert tasks["2"]["title"] == "two"
    assert {tasks["3"]["title"], tasks["4"]["title"]} == {"main 3", "feature 3"}


def test_init_registers_the_driver_once_and_doctor_reports_it(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    before = merge_driver_status(tmp_path)
    assert before is not None and not before[0] and "merge=taskmaster-tasks" in before[1]
    first, again = InitResult(), InitResult()
    register_merge_driver(tmp_path, first)
    register_merge_driver(tmp_path, again)
    assert len(first.created) == 2 and again.created == []
    assert (tmp_path / ".gitattributes").read_text(encoding="utf-8") == GITATTRIBUTES_LINE + "\n"
    driver = git(tmp_path, "config", "--get", "merge.taskmaster-tasks.driver").strip()
    assert driver.endswith(" merge-driver %O %A %B %P") and driver.startswith("/")
    status = merge_driver_status(tmp_path)
    assert status is not None and status[0]


def test_init_outside_git_registers_nothing(tmp_path: Path) -> None:
    result = InitResult()
    register_merge_driver(tmp_path, result)
    assert result.created == [] and not (tmp_path / ".gitattributes").exists()


async def test_doctor_warns_about_an_unregistered_driver_and_names_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from taskmaster_mcp.cli.doctor import run_doctor
    from taskmaster_mcp.setup.skeleton import initialize

    initialize(tmp_path)  # not a repository yet: nothing registered
    git(tmp_path, "init", "-q")
    await run_doctor(tmp_path, as_json=True, env={"TASKMASTER_MCP_HOME": str(tmp_path / "home")})
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["git merge driver"]["warning"] and "taskmaster-mcp init" in checks["git merge driver"]["fix"]
    initialize(tmp_path)
    await run_doctor(tmp_path, as_json=True, env={"TASKMASTER_MCP_HOME": str(tmp_path / "home")})
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["git merge driver"]["ok"] and not checks["git merge driver"]["warning"]


def test_subtasks_added_on_both_sides_renumber_theirs_with_sibling_and_dotted_references() -> None:
    base = doc(task(1, subtasks=[{"id": 1, "title": "s1", "dependencies": []}]), task(2))
    ours = doc(
        task(
            1,
            subtasks=[{"id": 1, "title": "s1", "dependencies": []}, {"id": 2, "title": "ours s2", "dependencies": [1]}],
        ),
        task(2),
    )
    theirs = doc(
        task(
            1,
            subtasks=[
                {"id": 1, "title": "s1", "dependencies": []},
                {"id": 2, "title": "theirs s2", "dependencies": [1]},
                {"id": 3, "title": "theirs s3", "dependencies": [2]},
            ],
        ),
        task(2, dependencies=["1.2"]),
    )
    result = merge_documents(base, ours, theirs)
    subs = {s["title"]: s for s in by_id(result.data)["1"]["subtasks"]}
    assert subs["ours s2"]["id"] == 2 and subs["theirs s2"]["id"] == 4 and subs["theirs s3"]["id"] == 3
    assert subs["theirs s3"]["dependencies"] == [4] and subs["theirs s2"]["dependencies"] == [1]
    assert by_id(result.data)["2"]["dependencies"] == ["1.4"] and result.conflicts == []


def test_a_task_deleted_on_one_side_and_changed_on_the_other_is_kept_and_reported() -> None:
    result = merge_documents(doc(task(1), task(2)), doc(task(1)), doc(task(1), task(2, status="done")))
    assert by_id(result.data)["2"]["status"] == "done"
    assert [(c.task, c.field) for c in result.conflicts] == [("2", "(deleted by ours)")]


def test_a_dependency_on_a_task_the_other_side_removed_is_dropped() -> None:
    base = doc(task(1), task(2))
    ours = doc(task(1))  # removed task 2
    theirs = doc(task(1, dependencies=[2]), task(2), task(3, dependencies=[2, "2.1", 1]))
    result = merge_documents(base, ours, theirs)
    tasks = by_id(result.data)
    assert "2" not in tasks and tasks["1"]["dependencies"] == [] and tasks["3"]["dependencies"] == [1]
    assert result.conflicts == []


def test_legacy_documents_merge_as_the_master_tag() -> None:
    base = {"meta": {"projectName": "x"}, "tasks": [task(1)]}
    ours = {"meta": {"projectName": "x"}, "tasks": [task(1, status="done")]}
    theirs = {"meta": {"projectName": "x"}, "tasks": [task(1, title="t")]}
    result = merge_documents(base, ours, theirs, legacy=(True, True, True))
    assert result.data == {"master": {"tasks": [task(1, status="done", title="t")], "metadata": {"projectName": "x"}}}


def test_the_report_goes_next_to_the_tasks_folder_of_the_merged_path(tmp_path: Path) -> None:
    from taskmaster_mcp.store.merge_files import report_path

    assert report_path(tmp_path, "app/.taskmaster/tasks/tasks.json") == tmp_path / "app" / REPORT
    assert report_path(tmp_path, "tasks/tasks.json") == tmp_path / REPORT


def test_branches_that_both_create_tasks_json_merge_through_the_driver(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "merge.taskmaster-tasks.driver", f"{console_script()} merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text(GITATTRIBUTES_LINE + "\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    git(root, "branch", "feature")
    commit(root, doc(task(1, title="Café ☕")), "main: tasks")
    git(root, "checkout", "-q", "feature")
    commit(root, doc(task(1, title="feature one")), "feature: tasks")
    git(root, "checkout", "-q", "main")
    done = merge(root, "merge", "--no-edit", "feature")
    assert done.returncode == 0, done.stderr
    text = (root / TASKS).read_text(encoding="utf-8")
    assert "Café ☕" in text and text.endswith("}\n") and '\n  "master": {\n    "tasks": [' in text
    assert [t["title"] for t in read(root)["master"]["tasks"]] == ["Café ☕", "feature one"]


def test_fix_conflicts_refuses_a_file_without_markers_and_leaves_it(tmp_path: Path) -> None:
    write(tmp_path, doc(task(1)))
    before = (tmp_path / TASKS).read_bytes()
    done = subprocess.run(
        [console_script(), "fix-conflicts", "-C", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "no conflict markers" in done.stderr
    assert (tmp_path / TASKS).read_bytes() == before


def test_user_metadata_merges_key_by_key_and_names_a_conflict_by_its_path() -> None:
    base = doc(task(1, metadata={"owner": "a", "labels": ["x"]}))
    ours = doc(task(1, metadata={"owner": "b", "labels": ["x"]}))
    theirs = doc(task(1, metadata={"owner": "c", "labels": ["x", "y"], "sprint": 3}))
    result = merge_documents(base, ours, theirs)
    assert by_id(result.data)["1"]["metadata"] == {"owner": "b", "labels": ["x", "y"], "sprint": 3}
    assert [c.field for c in result.conflicts] == ["metadata.owner"]
