"""One real server process, two projects: a write on one waits (a lock, a hook) while the other is read.

Shared by ``tests/test_liveness.py`` (which asserts the order of events) and ``tests/bench/bench_liveness.py``
(which prints how long the other project's read took).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

KINDS = ("our project lock", "Task Master lock file", "Task Master lock directory", "slow commit hook")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=30)


def make_project(root: Path) -> Path:
    """A git repository holding a project with task 1 (three subtasks) and task 2."""
    subtasks: list[dict[str, Any]] = [
        {"id": n, "title": f"Step {n}", "description": "", "details": "", "status": "pending", "dependencies": []}
        for n in (1, 2, 3)
    ]
    tasks: list[dict[str, Any]] = [
        {"id": 1, "title": "Build it", "description": "d", "details": "", "testStrategy": "", "status": "pending",
         "dependencies": [], "priority": "high", "subtasks": subtasks},
        {"id": 2, "title": "Ship it", "description": "d", "details": "", "testStrategy": "", "status": "pending",
         "dependencies": [], "priority": "medium", "subtasks": []},
    ]  # fmt: skip
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    (root / "README.md").write_text("# app\n")
    _git(root, "init", "-q", "-b", "main")
    for setting in (("user.name", "T"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        _git(root, "config", *setting)
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    return root


def server_env(home: Path, ceiling: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")}
    return {
        **keep,
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(ceiling),
    }


def console_script() -> str:
    beside = Path(sys.executable).parent / "taskmaster-mcp"
    found = str(beside) if beside.exists() else shutil.which("taskmaster-mcp")
    assert found, "taskmaster-mcp is not installed; run the README's test command"
    return found


@asynccontextmanager
async def server(cwd: Path, env: dict[str, str]) -> AsyncGenerator[Client]:
    """A client of one real ``taskmaster-mcp`` process over stdio."""
    params = StdioServerParameters(command=console_script(), args=[], cwd=str(cwd), env=env)
    async with Client(params, read_timeout_seconds=120) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    text = getattr(result.content[0], "text", "") if result.content else ""
    assert not result.is_error, f"{tool} failed: {text}"
    return dict(result.structured_content or {})


# --- the four kinds of wait: each holds until ``release()`` -------------------------------------------------------


@contextlib.contextmanager
def our_lock(root: Path) -> Generator[Callable[[], None]]:
    fh = open(root / ".taskmaster" / ".taskmaster-mcp.lock", "a+b")  # noqa: SIM115 - released by the caller
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)

    def release() -> None:
        if not fh.closed:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    try:
        yield release
    finally:
        release()


@contextlib.contextmanager
def tm_lock_file(root: Path) -> Generator[Callable[[], None]]:
    path = root / ".taskmaster" / "tasks" / "tasks.json.lock"
    path.write_text(json.dumps({"pid": os.getpid(), "timestamp": int(time.time() * 1000)}))
    release = lambda: path.unlink(missing_ok=True)  # noqa: E731
    try:
        yield release
    finally:
        release()


@contextlib.contextmanager
def tm_lock_dir(root: Path) -> Generator[Callable[[], None]]:
    path = root / ".taskmaster" / "tasks" / "tasks.json.lock"
    path.mkdir()
    release = lambda: shutil.rmtree(path, ignore_errors=True)  # noqa: E731
    try:
        yield release
    finally:
        release()


@contextlib.contextmanager
def slow_hook(root: Path) -> Generator[Callable[[], None]]:
    gate = root.parent / f"{root.name}.release"
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f'#!/bin/sh\nwhile [ ! -f "{gate}" ]; do sleep 0.02; done\nexit 0\n')
    hook.chmod(0o755)
    release = lambda: gate.touch()  # noqa: E731
    try:
        yield release
    finally:
        release()


HOLDS = {
    "our project lock": our_lock,
    "Task Master lock file": tm_lock_file,
    "Task Master lock directory": tm_lock_dir,
    "slow commit hook": slow_hook,
}


async def prepare_commit(client: Client, root: Path) -> None:
    """Bring project ``root`` to autopilot's COMMIT phase with a change to commit."""
    await call(client, "autopilot_start", projectRoot=str(root), taskId="1")
    red = {"total": 1, "passed": 0, "failed": 1, "skipped": 0}
    green = {"total": 1, "passed": 1, "failed": 0, "skipped": 0}
    await call(client, "autopilot_complete_phase", projectRoot=str(root), testResults=red)
    await call(client, "autopilot_complete_phase", projectRoot=str(root), testResults=green)
    (root / "step1.py").write_text("VALUE = 1\n")


@dataclass
class Outcome:
    kind: str
    other_read_ms: float  # the other project's get_tasks, issued while the write waits
    writer_done_before_read: bool  # must be False: the write was still waiting when the read answered
    writer_ok: bool  # the write went through once the wait was released


async def one_wait(client: Client, kind: str, waiting: Path, other: Path) -> Outcome:
    """Start a write on ``waiting`` that waits on ``kind``, read ``other`` meanwhile, then release the wait."""
    if kind == "slow commit hook":
        await prepare_commit(client, waiting)
    elapsed, writer_done = 0.0, True
    with HOLDS[kind](waiting) as release:
        done = anyio.Event()
        results: list[dict[str, Any]] = []

        async def write() -> None:
            if kind == "slow commit hook":
                results.append(await call(client, "autopilot_commit", projectRoot=str(waiting)))
            else:
                results.append(await call(client, "set_task_status", projectRoot=str(waiting), id="2", status="done"))
            done.set()

        async with anyio.create_task_group() as group:
            group.start_soon(write)
            await _until_waiting(kind, waiting)
            start = time.perf_counter()
            page = await call(client, "get_tasks", projectRoot=str(other))
            elapsed = (time.perf_counter() - start) * 1000
            assert page["tasks"], "the other project's read came back empty"
            writer_done = done.is_set()
            release()
    return Outcome(kind, elapsed, writer_done, bool(results))


async def _until_waiting(kind: str, root: Path) -> None:
    """Return once the write has reached its wait (the hook runs / the server polls the lock); bounded."""
    if kind == "slow commit hook":
        for _ in range(2000):  # the hook has started when git has written its index lock
            if (root / ".git" / "index.lock").exists():
                return
            await anyio.sleep(0.005)
        return
    await anyio.sleep(0.3)  # the write has been sent; the server is at the lock (never observable from outside)
