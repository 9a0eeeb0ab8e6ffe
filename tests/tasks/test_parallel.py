"""What can run at once: ready items that no dependency path joins and that touch different files."""

from __future__ import annotations

from rules_helpers import doc_of, sub, task
from taskmaster_mcp.tasks import parallel


def picked(doc, count: int = 5) -> list[str]:  # type: ignore[no-untyped-def]
    return parallel.ids(parallel.pick(doc.index("master"), count))


def test_scope_reads_paths_from_details_test_strategy_and_metadata_files() -> None:
    item = task(
        1,
        details="Edit src/api/routes.py and ./README.md; see https://x.io/a.py, e.g. v1.2 and 3.5 hours.",
        testStrategy="Run tests/api/ then docs/",
        metadata={"files": ["web/app.ts"]},
    )
    assert parallel.scope_of(item) == {"src/api/routes.py", "README.md", "tests/api/", "docs/", "web/app.ts"}


def test_a_folder_overlaps_the_files_inside_it() -> None:
    assert parallel.overlap(frozenset({"src/api/"}), frozenset({"src/api/routes.py"})) == "src/api/"
    assert parallel.overlap(frozenset({"src/a.py"}), frozenset({"src/b.py"})) is None


def test_count_returns_ready_items_in_next_task_order_without_shared_files() -> None:
    doc = doc_of(
        task(1, priority="high", details="Change src/db.py"),
        task(2, details="Change src/db.py too"),  # shares src/db.py with 1
        task(3, details="Write docs/guide.md"),
        task(4, deps_=[1]),  # not ready
        task(5),  # names no files
    )
    picks = parallel.pick(doc.index("master"), 5)
    assert parallel.ids(picks) == ["1", "3", "5"]
    assert "next_task offers first" in picks[0].reason and "docs/guide.md" in picks[1].reason
    assert "names no files" in picks[2].reason
    assert picked(doc, 2) == ["1", "3"]


def test_no_dependency_path_joins_two_picks_even_through_finished_items() -> None:
    # 2 is done but depends on 3, which is open: 3 and 1 (which needs 2) are joined through 2
    doc = doc_of(task(1, deps_=[2]), task(2, "done", deps_=[3]), task(3))
    assert picked(doc) in (["1"], ["3"])


def test_subtasks_of_one_in_progress_task_can_run_beside_each_other() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1), sub(2), sub(3, deps_=[1])]), task(2))
    assert picked(doc) == ["1.1", "1.2", "2"]


def test_waves_group_the_whole_plan_and_name_what_no_wave_reaches() -> None:
    doc = doc_of(
        task(1, details="src/a.py"),
        task(2, details="src/a.py"),
        task(3, deps_=[1]),
        task(4, "done"),
        task(5, deps_=[4]),
        task(6, deps_=[99]),
    )
    found, stuck = parallel.waves(doc.index("master"))
    assert [w.items for w in found] == [["1", "5"], ["2", "3"]]
    assert stuck == ["6"]
