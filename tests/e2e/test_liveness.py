"""No single wait freezes the server (issue 18 §3).

Through one real server process over stdio: while a write on project A waits (our project lock held by another
process, Task Master's lock as a file or as a directory, a commit hook that has not finished), a read of project B
answers, and the write goes through once the wait ends. Asserted by order of events, not by time. Below, the
project lock's bound and holder message, and a timed-out git hook killed with every process it started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from liveness_helpers import KINDS, make_project, one_wait, server, server_env
from mcp_helpers import connected, ok
from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.files import project_lock
from taskmaster_mcp.store.git import run_bounded
from taskmaster_mcp.store.guard import hold, released, stopping, worker_unit

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock, process groups and sh hooks are POSIX")


@pytest.mark.parametrize("kind", KINDS)
async def test_another_project_is_read_while_a_write_waits(kind: str, tmp_path: Path) -> None:
    waiting, other = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    (tmp_path / "home").mkdir()
    async with server(tmp_path, server_env(tmp_path / "home", tmp_path)) as client:
        outcome = await one_wait(client, kind, waiting, other)
    assert not outcome.writer_done_before_read, f"the write behind the {kind} finished before the lock was released"
    assert outcome.writer_ok, f"the write behind the {kind} did not go through once released"


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from taskmaster_mcp.store.files import project_lock
    with project_lock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.read()
    """
)


def _holder(taskmaster: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(taskmaster)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_the_project_lock_gives_up_naming_its_holder_and_is_free_once_the_holder_dies(tmp_path: Path) -> None:
    taskmaster = tmp_path / ".taskmaster"
    taskmaster.mkdir()
    holder = _holder(taskmaster)
    try:
        with pytest.raises(StoreError) as refused, project_lock(taskmaster, wait=0.2):
            pass
        message = str(refused.value)
        assert f"process {holder.pid} on " in message and "-c" in message and "Nothing was written" in message
    finally:
        holder.kill()  # a holder killed mid-write: the kernel releases the lock with it
        holder.communicate()
    with project_lock(taskmaster, wait=5):
        pass


def test_a_refused_wait_leaves_the_lock_usable_in_this_process(tmp_path: Path) -> None:
    taskmaster = tmp_path / ".taskmaster"
    taskmaster.mkdir()
    holder = _holder(taskmaster)
    try:
        with pytest.raises(StoreError, match="is held by process"), project_lock(taskmaster, wait=0.05):
            pass
    finally:
        holder.communicate("")  # the holder finishes normally and releases
    with project_lock(taskmaster, wait=5):
        pass


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # killed, not yet reaped


def test_a_timed_out_hook_is_killed_with_every_process_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f'sleep 600 & echo $! > "{pid_file}"; wait'
    with pytest.raises(subprocess.TimeoutExpired):
        run_bounded(["sh", "-c", script], tmp_path, timeout=0.5)
    child = int(pid_file.read_text())
    for _ in range(500):  # the kill is sent before run_bounded returns; reaping by init may lag a moment
        if _gone(child):
            break
        time.sleep(0.01)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the hook's child process survived the timeout")


def test_a_server_asked_to_stop_gives_up_its_waits(tmp_path: Path) -> None:
    taskmaster = tmp_path / ".taskmaster"
    taskmaster.mkdir()
    holder = _holder(taskmaster)
    stopping.set()
    try:
        with pytest.raises(StoreError, match="shutting down"), project_lock(taskmaster, wait=600):
            pass
        with pytest.raises(subprocess.TimeoutExpired):
            run_bounded(["sh", "-c", "sleep 600"], tmp_path, timeout=600)
    finally:
        stopping.clear()
        holder.communicate("")


async def test_concurrent_calls_on_one_project_never_see_each_other_half_done(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    async with connected(project) as client:
        results: list[dict[str, Any]] = []

        async def add(n: int) -> None:
            results.append(await ok(client, "add_task", title=f"Added {n}", description="d"))

        async def read() -> None:
            page = await ok(client, "get_tasks", limit=500)
            assert page["stats"]["tasks"] == len(page["tasks"])  # a page and its stats from one version

        async with anyio.create_task_group() as group:
            for n in range(30):
                group.start_soon(add, n)
                group.start_soon(read)
    saved = json.loads((project / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert sorted(t["title"] for t in saved if t["title"].startswith("Added")) == sorted(
        f"Added {n}" for n in range(30)
    )
    assert len({t["id"] for t in saved}) == len(saved) == 32


def _in_unit(steps: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        with worker_unit():
            steps()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_calls_on_one_project_take_turns_and_a_waiting_call_lets_the_other_go_first() -> None:
    order: list[str] = []
    a_holds, go, a_waits = threading.Event(), threading.Event(), threading.Event()

    def a() -> None:
        hold("project")
        a_holds.set()
        go.wait()
        order.append("A done")

    def b() -> None:
        a_holds.wait()
        hold("project")  # waits for A's call to end
        order.append("B got it")

    threads = [_in_unit(a), _in_unit(b)]
    a_holds.wait()
    go.set()
    for thread in threads:
        thread.join()
    assert order == ["A done", "B got it"]

    order.clear()
    a_holds.clear()

    def waiting_a() -> None:
        hold("project")
        a_holds.set()
        with released():  # A waits for a lock: B may go meanwhile
            a_waits.wait()
        order.append("A resumed")

    def b_then_release() -> None:
        a_holds.wait()
        hold("project")
        order.append("B went")
        a_waits.set()  # B's call is still running: A takes its turn back only when B ends

    threads = [_in_unit(waiting_a), _in_unit(b_then_release)]
    for thread in threads:
        thread.join()
    assert order == ["B went", "A resumed"]
