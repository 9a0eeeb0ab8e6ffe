"""Claims through the merge driver: a task done (or cancelled, deferred) on either side has no claim after the merge,
a claim on one side survives, two claims keep the later one and the dropped one is reported; pure rules and one real
``git merge`` through the registered driver."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from git_helpers import git, isolated_git  # noqa: F401  (autouse fixture: no user git config)
from servers import console_script
from taskmaster_mcp.setup.skeleton import GITATTRIBUTES_LINE
from taskmaster_mcp.store.merge_files import merge_driver
from taskmaster_mcp.tasks.merge import merge_documents

TASKS = Path(".taskmaster/tasks/tasks.json")
EARLY = {"agent": "docs", "claimedAt": "2026-12-07T20:00:00.000Z", "until": "2026-12-07T20:30:00.000Z"}
LATE = {"agent": "architect", "claimedAt": "2026-12-07T21:00:00.000Z", "until": "2026-12-07T21:30:00.000Z"}
RENEWED = {**EARLY, "until": "2026-12-07T20:50:00.000Z"}


def task(n: int, status: str = "pending", claim: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": n, "title": f"Task {n}", "status": status, "dependencies": [], "subtasks": []}
    item.update(fields)
    if claim is not None:
        metadata = item.get("metadata", {})
        item["metadata"] = {**metadata, "taskmasterMcp": {**metadata.get("taskmasterMcp", {}), "claim": claim}}
    return item


def doc(*tasks: dict[str, Any]) -> dict[str, Any]:
    return {"master": {"tasks": list(tasks), "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}


def merged_task(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    result = merge_documents(doc(base), doc(ours), doc(theirs))
    assert result.conflicts == []
    return result.data["master"]["tasks"][0], result.dropped_claims


IN_PROGRESS = "in-progress"
CASES = [
    # name, base, ours, theirs -> the merged task's metadata (None: no metadata key)
    ("done on theirs releases ours' claim", task(1), task(1, IN_PROGRESS, EARLY), task(1, "done"), None),
    (
        "done on ours releases theirs' renewal",
        task(1, IN_PROGRESS, EARLY),
        task(1, "done"),
        task(1, IN_PROGRESS, RENEWED),
        None,
    ),
    (
        "cancelled on ours loses the status but still releases",
        task(1, IN_PROGRESS, EARLY),
        task(1, "cancelled"),
        task(1, IN_PROGRESS, LATE),
        None,
    ),
    ("deferred on theirs releases", task(1), task(1, IN_PROGRESS, EARLY), task(1, "deferred"), None),
    (
        "a claim on ours only survives",
        task(1),
        task(1, IN_PROGRESS, EARLY),
        task(1, title="x"),
        {"taskmasterMcp": {"claim": EARLY}},
    ),
    (
        "a claim on theirs only survives",
        task(1),
        task(1, description="d"),
        task(1, IN_PROGRESS, LATE),
        {"taskmasterMcp": {"claim": LATE}},
    ),
    (
        "a release on one side and nothing on the other",
        task(1, IN_PROGRESS, EARLY),
        task(1, IN_PROGRESS),
        task(1, IN_PROGRESS, EARLY),
        None,
    ),
    (
        "a release on one side, a new claim on the other: the claim",
        task(1, IN_PROGRESS, EARLY),
        task(1, IN_PROGRESS),
        task(1, IN_PROGRESS, LATE),
        {"taskmasterMcp": {"claim": LATE}},
    ),
    (
        "renewed on one side",
        task(1, IN_PROGRESS, EARLY),
        task(1, IN_PROGRESS, RENEWED),
        task(1, IN_PROGRESS, EARLY),
        {"taskmasterMcp": {"claim": RENEWED}},
    ),
    (
        "a deferred base with a claim nobody touched keeps it",
        task(1, "deferred", EARLY),
        task(1, "deferred", EARLY, title="a"),
        task(1, "deferred", EARLY, description="b"),
        {"taskmasterMcp": {"claim": EARLY}},
    ),
]


@pytest.mark.parametrize(("name", "base", "ours", "theirs", "metadata"), CASES, ids=[c[0] for c in CASES])
def test_a_claim_merges_as_one_value_and_a_finished_item_has_none(
    name: str, base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], metadata: Any
) -> None:
    merged, dropped = merged_task(base, ours, theirs)
    assert merged.get("metadata") == metadata and dropped == []


def test_two_claims_keep_the_later_one_whole_and_report_the_other_without_a_conflict() -> None:
    base = task(1, metadata={"owner": "ana"})
    ours = task(1, IN_PROGRESS, EARLY, metadata={"owner": "ana", "sprint": 3})
    theirs = task(1, IN_PROGRESS, LATE, metadata={"owner": "ana"})
    for o, t in ((ours, theirs), (theirs, ours)):
        merged, dropped = merged_task(base, o, t)
        assert merged["metadata"] == {"owner": "ana", "sprint": 3, "taskmasterMcp": {"claim": LATE}}
        assert [(d.task, d.agents(), d.dropped) for d in dropped] == [("1", ("architect", "docs"), EARLY)]
    # one agent renewed on both branches: the later lease, never a mix of the two claims' fields
    later_lease = {**EARLY, "until": "2026-12-07T21:10:00.000Z"}
    merged, dropped = merged_task(
        task(1, IN_PROGRESS, EARLY), task(1, IN_PROGRESS, RENEWED), task(1, IN_PROGRESS, later_lease)
    )
    assert merged["metadata"]["taskmasterMcp"]["claim"] == later_lease and dropped[0].dropped == RENEWED


def test_our_other_keys_and_a_subtask_s_claim_follow_the_same_rules() -> None:
    sub = {"id": 1, "title": "s", "status": "pending", "dependencies": []}
    pinned = {"taskmasterMcp": {"role": "fast"}}
    base = task(1, IN_PROGRESS, subtasks=[sub], metadata=pinned)
    ours = task(
        1,
        IN_PROGRESS,
        subtasks=[{**sub, "status": IN_PROGRESS, "metadata": {"taskmasterMcp": {"claim": EARLY}}}],
        metadata=pinned,
    )
    theirs = task(1, IN_PROGRESS, LATE, subtasks=[{**sub, "status": "done"}], metadata=pinned)
    merged, dropped = merged_task(base, ours, theirs)
    assert merged["metadata"] == {"taskmasterMcp": {"role": "fast", "claim": LATE}}  # the pin kept beside the claim
    assert merged["subtasks"] == [{**sub, "status": "done"}] and dropped == []


# --- real git -------------------------------------------------------------------------------------------------------


def commit(root: Path, data: dict[str, Any], message: str) -> None:
    (root / TASKS).parent.mkdir(parents=True, exist_ok=True)
    (root / TASKS).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_git_merge_releases_a_task_done_on_the_other_branch_and_keeps_the_later_of_two_claims(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "merge.taskmaster-tasks.driver", f"{console_script()} merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text(GITATTRIBUTES_LINE + "\n", encoding="utf-8")
    commit(root, doc(task(1), task(2), task(3)), "base")
    git(root, "branch", "feature")
    commit(
        root, doc(task(1, IN_PROGRESS, EARLY), task(2, IN_PROGRESS, EARLY), task(3, "done")), "main: docs claims 1, 2"
    )
    git(root, "checkout", "-q", "feature")
    commit(
        root, doc(task(1, "done"), task(2, IN_PROGRESS, LATE), task(3, IN_PROGRESS, LATE)), "feature: 1 done, 2 claimed"
    )
    git(root, "checkout", "-q", "main")
    done = subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "merge", "--no-edit", "feature"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tasks = {t["id"]: t for t in json.loads((root / TASKS).read_text(encoding="utf-8"))["master"]["tasks"]}
    assert tasks[1]["status"] == "done" and "metadata" not in tasks[1]
    assert tasks[2]["metadata"] == {"taskmasterMcp": {"claim": LATE}}
    assert tasks[3]["status"] == "done" and "metadata" not in tasks[3]
    assert "item 2 in tag master was claimed on both sides; it stays with architect" in done.stderr
    assert "docs's claim was dropped" in done.stderr
    assert not (root / ".taskmaster/reports/merge-conflicts.json").exists()


def test_with_a_true_conflict_the_report_lists_the_dropped_claim_too(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files: dict[str, Path] = {}
    for side, data in (
        ("base", doc(task(1), task(2))),
        ("ours", doc(task(1, title="ours"), task(2, IN_PROGRESS, EARLY))),
        ("theirs", doc(task(1, title="theirs"), task(2, IN_PROGRESS, LATE))),
    ):
        files[side] = tmp_path / f"{side}.json"
        files[side].write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (root / ".taskmaster/tasks").mkdir(parents=True)
    outcome = merge_driver(files["base"], files["ours"], files["theirs"], str(TASKS), root)
    assert outcome.report is not None
    report = json.loads(outcome.report.read_text(encoding="utf-8"))
    assert [c["field"] for c in report["conflicts"]] == ["title"]
    assert report["droppedClaims"] == [{"tag": "master", "taskId": "2", "kept": LATE, "dropped": EARLY}]
    assert json.loads(files["ours"].read_text(encoding="utf-8"))["master"]["tasks"][1]["metadata"] == {
        "taskmasterMcp": {"claim": LATE}
    }
