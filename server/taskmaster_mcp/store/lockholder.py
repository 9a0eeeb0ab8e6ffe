"""Who holds our project lock: recorded in the lock file by its holder, read back by a waiter that gave up.

The lock itself is an OS advisory lock (see :func:`taskmaster_mcp.store.files.project_lock`), which the kernel
releases when its holder dies: a dead holder can never keep it. What a crashed holder may leave behind is only its
record; a waiter that times out says so rather than blaming a process that is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, cast

# How long a write waits for our project lock before it is refused. A holder keeps it for one read-modify-write
# (milliseconds) or, in the CLI, one command; 20 s outlasts any of those and still answers an agent in good time.
LOCK_WAIT_SECONDS = 20.0


def lock_wait_seconds() -> float:
    """The current wait bound (a function, so tests may shorten it)."""
    return LOCK_WAIT_SECONDS


def record_holder(fd: int) -> None:
    """Write who holds the lock (pid, host, command, since) into the locked file ``fd``; best effort."""
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:4]))[:200],
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode("utf-8"))


def read_holder(lock_path: Path) -> dict[str, Any] | None:
    """The holder record in ``lock_path`` (None when there is none or it cannot be read)."""
    try:
        data = json.loads(lock_path.read_bytes()[:4096] or b"null")
    except (OSError, ValueError):
        return None
    return cast(dict[str, Any], data) if isinstance(data, dict) else None


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no cheap probe; assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_message(lock_path: Path, fallback: str, waited: float) -> str:
    """The error of a wait that gave up: who holds the lock and what to do."""
    record = read_holder(lock_path)
    pid = record.get("pid") if record else None
    holder = fallback
    if record is not None and isinstance(pid, int):
        host = str(record.get("host") or "?")
        command = str(record.get("command") or "?")
        since = str(record.get("since") or "?")
        holder = f"process {pid} on {host} ({command}, since {since})"
        if host == socket.gethostname() and not _alive(pid):
            holder = f"{fallback} (the last recorded holder, process {pid}, has exited)"
    return (
        f"The project lock {lock_path} is held by {holder}; waited {waited:g} s. Let that command "
        "finish (or stop it) and retry. Nothing was written."
    )
