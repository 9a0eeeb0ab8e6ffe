"""We share Task Master's lock on tasks.json: writers following its protocol and our server lose nothing together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crash_helpers import INITIALIZE
from servers import console_script
from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store import tmlock
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.store.tmlock import lock_path, taskmaster_lock
from taskmaster_mcp.tasks import edits

# A writer that follows Task Master 0.43's protocol (not its code): the scripts' exclusive-create lock file with
# {pid, timestamp}, or the core library's lock directory; stale after 10 s; read, modify, write to a temp file and
# rename; release. It retries for as long as it takes (Task Master gives up after 5 tries; we count lost writes, not
# its give-ups).
TASK_MASTER_WRITER = r"""
import json, os, sys, time
path, form, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lock = path + ".lock"
for n in range(count):
    while True:
        try:
            if form == "file":
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                os.write(fd, json.dumps({"pid": os.getpid(), "timestamp": int(time.time() * 1000)}).encode())
                os.close(fd)
            else:
                os.mkdir(lock)
            break
        except FileExistsError:
            time.sleep(0.005)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        tasks = data["master"]["tasks"]
        time.sleep(0.01)  # Task Master's read-modify-write is slow (a Node process, a big file): widen the window
        tasks.append({"id": max([t["id"] for t in tasks] + [0]) + 1, "title": f"{prefix}-{n}", "description": "tm",
                      "status": "pending", "dependencies": [], "priority": "medium", "subtasks": []})
        tmp = os.path.join(os.path.dirname(path), ".tasks.json.tm-writer")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2))
        os.replace(tmp, path)
    finally:
        if form == "file":
            os.unlink(lock)
        else:
            os.rmdir(lock)
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": []}}, indent=2))
    return root


def _our_server_writes(root: Path, count: int) -> subprocess.Popen[bytes]:
    lines = [json.dumps(INITIALIZE), '{"jsonrpc":"2.0","method":"notifications/initialized"}']
    lines += [
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": n,
                "method": "tools/call",
                "params": {"name": "add_task", "arguments": {"title": f"ours-{n}", "description": "ours"}},
            }
        )
        for n in range(1, count + 1)
    ]
    proc = subprocess.Popen(
        [console_script()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=root,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)},
    )
    assert proc.stdin is not None
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()
    return proc


def test_writers_following_task_masters_lock_and_our_server_lose_no_update(tmp_path: Path) -> None:
    root = _project(tmp_path)
    tasks_file = root / ".taskmaster/tasks/tasks.json"
    count = 40
    theirs = [
        subprocess.Popen([sys.executable, "-c", TASK_MASTER_WRITER, str(tasks_file), form, f"tm-{form}", str(count)])
        for form in ("file", "dir")
    ]
    ours = _our_server_writes(root, count)
    assert ours.stdout is not None
    answered = 0
    while answered < count + 1:  # initialize + every add_task (readline blocks until the next answer)
        line = ours.stdout.readline()
        assert line, "our server stopped answering"
        answered += 1
    ours.stdin.close()  # type: ignore[union-attr]
    ours.wait(timeout=60)
    ours.stdout.close()
    for proc in theirs:
        assert proc.wait(timeout=120) == 0
    titles = [t["title"] for t in json.loads(tasks_file.read_text())["master"]["tasks"]]
    expected = {f"ours-{n}" for n in range(1, count + 1)} | {
        f"tm-{f}-{n}" for f in ("file", "dir") for n in range(count)
    }
    assert set(titles) == expected and len(titles) == 3 * count
    assert not lock_path(tasks_file).exists()


def _set_status(root: Path) -> None:
    with TaskStore(Paths(root)).mutate() as doc:
        edits.add_task(doc, "master", title="locked write", description="d")


def test_a_lock_left_by_a_dead_process_is_taken_over_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    lock = lock_path(root / ".taskmaster/tasks/tasks.json")
    lock.write_text(json.dumps({"pid": int(dead.stdout), "timestamp": int(time.time() * 1000)}))
    monkeypatch.setattr(tmlock, "WAIT_SECONDS", 1.0)  # a fresh lock of a live owner would outlast this
    _set_status(root)
    assert not lock.exists()
    assert [t["title"] for t in json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]] == [
        "locked write"
    ]


def test_an_old_lock_directory_of_task_masters_core_is_taken_over(tmp_path: Path) -> None:
    root = _project(tmp_path)
    lock = lock_path(root / ".taskmaster/tasks/tasks.json")
    lock.mkdir()
    old = time.time() - 60
    os.utime(lock, (old, old))
    _set_status(root)
    assert not lock.exists()


@pytest.mark.parametrize("form", ["file", "dir"])
def test_a_live_task_master_lock_makes_the_write_wait_then_fail_clearly_leaving_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    root = _project(tmp_path)
    tasks_file = root / ".taskmaster/tasks/tasks.json"
    before = tasks_file.read_bytes()
    lock = lock_path(tasks_file)
    if form == "file":
        lock.write_text(json.dumps({"pid": os.getppid(), "timestamp": int(time.time() * 1000)}))  # alive
    else:
        lock.mkdir()
    monkeypatch.setattr(tmlock, "WAIT_SECONDS", 0.3)
    with pytest.raises(StoreError, match=r"Task Master.s lock .* is held by .*Nothing was written"):
        _set_status(root)
    assert tasks_file.read_bytes() == before and lock.exists()


def test_our_lock_is_reentrant_within_a_thread_and_released_after(tmp_path: Path) -> None:
    tasks_file = _project(tmp_path) / ".taskmaster/tasks/tasks.json"
    with taskmaster_lock(tasks_file), taskmaster_lock(tasks_file, wait=0.1):
        assert json.loads(lock_path(tasks_file).read_text())["pid"] == os.getpid()
    assert not lock_path(tasks_file).exists()


def test_a_read_during_task_masters_in_place_write_waits_for_its_lock_and_reads_the_whole_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    tasks_file = root / ".taskmaster/tasks/tasks.json"
    lock = lock_path(tasks_file)
    whole = json.dumps({"master": {"tasks": [{"id": 1, "title": "written whole", "status": "pending"}]}}, indent=2)
    tasks_file.write_text(whole[: len(whole) // 2])  # Task Master is half-way through writing it, holding its lock
    finisher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time, os; time.sleep(0.3); "
                "open(sys.argv[1], 'w').write(sys.argv[2]); os.unlink(sys.argv[3])"
            ),
            str(tasks_file),
            whole,
            str(lock),
        ]
    )
    lock.write_text(json.dumps({"pid": finisher.pid, "timestamp": int(time.time() * 1000)}))  # a live holder
    try:
        document = TaskStore(Paths(root)).read()
    finally:
        finisher.wait(timeout=30)
    assert [t["title"] for t in document.tasks("master")] == ["written whole"]


def test_a_lock_file_created_but_never_written_is_taken_over_after_two_seconds_not_ten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    lock = lock_path(root / ".taskmaster/tasks/tasks.json")
    lock.touch()
    old = time.time() - 3
    os.utime(lock, (old, old))
    monkeypatch.setattr(tmlock, "WAIT_SECONDS", 0.5)  # the 10 s age rule alone would refuse
    _set_status(root)
    assert not lock.exists()
