"""Task Master's own lock on tasks.json, taken around every read-modify-write of ours so both tools can run at once.

Task Master 0.43 guards tasks.json with ``tasks.json.lock`` next to it, in one of two forms that exclude each other:

- its scripts create it as a *file* with exclusive-create (``wx``) holding ``{"pid": ..., "timestamp": ...}``;
- its core library (proper-lockfile) creates it as a *directory* and refreshes its mtime while it holds it.

Both treat a lock whose mtime is more than 10 s old as stale and take it over. We create the file form (so Task
Master's scripts and core both see it), and wait for either form held by someone else, with these rules:

- a lock whose recorded pid is not running on this machine is stale at once: a process killed while holding it must
  not stall every later write for 10 s;
- otherwise Task Master's age rule applies (mtime older than :data:`STALE_SECONDS`);
- a stale lock is taken over by renaming it away first, as Task Master does, so two waiters cannot both remove a
  fresh lock; a directory lock is taken over the same way.

We hold it only around the read-modify-write itself (milliseconds), inside our own inter-process lock, so our own
processes never contend on it. If it cannot be had within :data:`WAIT_SECONDS`, the write is refused with a message
naming the holder, and nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.guard import STOPPING_MESSAGE, released, stopping
from taskmaster_mcp.store.reentry import Reentry

STALE_SECONDS = 10.0  # Task Master's staleLockAge / proper-lockfile's stale
WAIT_SECONDS = 15.0  # long enough for a live holder's stale lock to age out
UNWRITTEN_SECONDS = 2.0  # a lock file still without its pid this long after creation will never get one
_FIRST_PAUSE, _LONGEST_PAUSE = 0.02, 0.5


def lock_path(tasks_file: Path) -> Path:
    """Where Task Master's lock of ``tasks_file`` lives."""
    return tasks_file.with_name(tasks_file.name + ".lock")


def _owner(path: Path) -> int | None:
    """The pid recorded in a file lock (None for a directory lock or unreadable content)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = cast(dict[str, Any], data).get("pid") if isinstance(data, dict) else None
    return pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no cheap signal-0 probe; the age rule still applies
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _stale(path: Path) -> bool:
    """Whether the lock at ``path`` may be taken over (see the module docstring)."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False  # gone already: the next attempt simply creates it
    owner = _owner(path) if path.is_file() else None
    if owner is not None and owner != os.getpid() and not _pid_alive(owner):
        return True
    if path.is_file() and owner is None and age > UNWRITTEN_SECONDS:
        return True  # created but never written: its creator died between creating it and writing its pid
    return age > STALE_SECONDS


def _take_over(path: Path) -> None:
    """Move a stale lock out of the way atomically (only one waiter's rename succeeds), then remove it."""
    aside = path.with_name(f"{path.name}.stale.{os.getpid()}.{time.time_ns()}")
    try:
        os.rename(path, aside)
    except OSError:
        return  # someone else took it over, or its holder released it
    if aside.is_dir():
        shutil.rmtree(aside, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()


def _describe(path: Path) -> str:
    owner = _owner(path) if path.is_file() else None
    holder = f"process {owner}" if owner is not None else "another program"
    return (
        f"Task Master's lock {path} is held by {holder}. Wait for Task Master to finish and retry; if no Task "
        f"Master is running, delete {path.name} and retry. Nothing was written."
    )


_held = Reentry()


@contextlib.contextmanager
def taskmaster_lock(tasks_file: Path, *, wait: float | None = None) -> Generator[None]:
    """Hold Task Master's lock of ``tasks_file`` for the duration of the block (re-entrant within a thread)."""
    path = lock_path(tasks_file)
    key = str(path)
    if _held.held(key):
        with _held.again(key):
            yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
    pause = _FIRST_PAUSE
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if _stale(path):
                _take_over(path)
                continue
            if stopping.is_set():
                raise StoreError(STOPPING_MESSAGE) from None
            if time.monotonic() >= deadline:
                raise StoreError(_describe(path)) from None
            with released():  # let other calls on this project go on while this one waits
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, _LONGEST_PAUSE)
            continue
        break
    try:
        with _held.outermost(key):
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"pid": os.getpid(), "timestamp": int(time.time() * 1000)}))
            yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
