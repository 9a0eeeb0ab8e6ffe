"""One re-entrancy counter (store/reentry.py) for our project lock and Task Master's lock."""

from __future__ import annotations

import threading
from pathlib import Path

from taskmaster_mcp.store import files, tmlock
from taskmaster_mcp.store.reentry import Reentry


def test_inner_holds_are_counted_and_other_threads_do_not_see_them() -> None:
    held = Reentry()
    seen: list[bool] = []
    with held.outermost("k"):
        with held.again("k"):
            assert held.held("k")
            worker = threading.Thread(target=lambda: seen.append(held.held("k")))
            worker.start()
            worker.join()
        assert held.held("k")
    assert not held.held("k") and seen == [False]


def test_both_locks_use_it_and_re_enter_without_waiting(tmp_path: Path) -> None:
    assert isinstance(files._held, Reentry) and isinstance(tmlock._held, Reentry)  # pyright: ignore[reportPrivateUsage]
    tasks = tmp_path / ".taskmaster" / "tasks" / "tasks.json"
    tasks.parent.mkdir(parents=True)
    with files.project_lock(tmp_path / ".taskmaster", wait=0), files.project_lock(tmp_path / ".taskmaster", wait=0):
        with tmlock.taskmaster_lock(tasks, wait=0), tmlock.taskmaster_lock(tasks, wait=0):
            assert tmlock.lock_path(tasks).exists()
        assert not tmlock.lock_path(tasks).exists()
