"""Safe file primitives: JSON in Task Master's format, atomic replace, and the project-wide lock.

Every byte this package writes into a project goes through :func:`write_atomic`, and every read-modify-write runs
inside :func:`project_lock`. The lock is an OS advisory lock (``flock`` / ``msvcrt.locking``) on
``.taskmaster/.taskmaster-mcp.lock``, so two servers, the CLI and a test's worker processes serialise on it, and a
crashed holder releases it automatically. Writes of tasks.json also take Task Master's own lock
(:mod:`taskmaster_mcp.store.tmlock`), so both tools can run against one project at the same moment.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import orjson

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.guard import STOPPING_MESSAGE, released, stopping
from taskmaster_mcp.store.lockholder import holder_message, lock_wait_seconds, record_holder
from taskmaster_mcp.store.reentry import Reentry
from taskmaster_mcp.tasks.jsonvalues import depth_exceeds

LOCK_NAME = ".taskmaster-mcp.lock"

# One in-process lock per lock file: flock is per open file description, so two threads of one process that each
# open the file would not exclude each other without this.
_thread_locks: dict[str, threading.RLock] = {}
_thread_locks_guard = threading.Lock()

# JSON.stringify writes a lone UTF-16 surrogate as a lower-case \uXXXX escape; json.loads gives it back as one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# Deepest nesting read or written. Task Master's own format makes depth expensive: with 2-space indentation a value
# 5,000 levels deep writes 50 MB (3 s here), 20,000 levels 720 MB. 8,000 keeps a hostile file from turning one write
# into gigabytes while every plausible document (and the 5,000-level case we test) reads and writes.
MAX_DEPTH = 8_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024  # reserved address space for the worker thread; pages are used on demand


def _deep(work: Callable[[Any], Any], value: Any) -> Any:
    """Run the standard library's recursive JSON ``work`` on ``value`` where deep nesting cannot overflow.

    Python's recursion limit (1,000) stops ``json`` long before a deep but valid document ends, and simply raising it
    on this thread could overflow the C stack. So the work runs on a short-lived thread with a large stack and a
    recursion limit sized for :data:`MAX_DEPTH`. The limit is process-wide while it is raised; the caller's thread
    waits meanwhile, and no code of ours recurses that deep elsewhere.
    """
    outcome: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work(value))
        except BaseException as exc:  # handed to the calling thread below
            failure.append(exc)

    with _deep_guard:
        try:
            previous_stack = threading.stack_size(_DEEP_STACK_BYTES)
        except ValueError:  # a platform with a lower ceiling: the deepest documents then fail with the clear error
            previous_stack = threading.stack_size(64 * 1024 * 1024)
        previous_limit = sys.getrecursionlimit()
        try:
            worker = threading.Thread(target=run, name="taskmaster-deep-json")
            sys.setrecursionlimit(max(previous_limit, MAX_DEPTH * 3 + 200))
            worker.start()
            worker.join()
        finally:
            sys.setrecursionlimit(previous_limit)
            threading.stack_size(previous_stack)
    if failure:
        raise failure[0]
    return outcome[0]


_deep_guard = threading.Lock()


def dumps(data: Any, *, trailing_newline: bool = False) -> str:
    """Serialise like Task Master (``JSON.stringify(data, null, 2)``): 2-space indent, non-ASCII kept as is.

    orjson writes the same bytes as ``json.dumps(indent=2, ensure_ascii=False)`` about ten times faster (0.08 s
    instead of 0.8 s for a 57 MB file); integers beyond 64 bits fall back to the standard library.
    """
    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):  # lone surrogates, huge integers, or deeper than 254 levels
        if depth_exceeds(data, MAX_DEPTH):
            raise StoreError(f"A value nests more than {MAX_DEPTH:,} levels deep; nothing was written.") from None
        text = _deep(lambda value: json.dumps(value, indent=2, ensure_ascii=False), data)
    if _LONE_SURROGATE.search(text):  # a JS string cut mid-emoji; raw, it could not be written as UTF-8
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n" if trailing_newline else text


def dumps_bytes(data: Any, *, trailing_newline: bool = False) -> bytes:
    """:func:`dumps` as UTF-8 bytes, for large files: orjson's bytes are used as they are (no decode, no scan).

    orjson refuses lone surrogates and integers beyond 64 bits; only then is the slower :func:`dumps` path taken.
    """
    try:
        raw = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except (TypeError, orjson.JSONEncodeError):
        return dumps(data, trailing_newline=trailing_newline).encode("utf-8")
    return raw + b"\n" if trailing_newline else raw


def load_json(path: Path) -> tuple[Any, bytes]:
    """Read and parse ``path``; return the value and the raw bytes.

    A file that is not valid JSON raises :class:`StoreError` with the path and the parse position, and is left
    exactly as it is. Values nested deeper than orjson's limit (1,024 levels) are parsed by :func:`_deep`.
    """
    raw = path.read_bytes()
    try:
        return orjson.loads(raw), raw
    except orjson.JSONDecodeError:
        pass  # re-parse with the standard library for its precise message (and its tolerance of NaN)
    try:
        value = _deep(json.loads, raw)
        if depth_exceeds(value, MAX_DEPTH):
            raise RecursionError
        return value, raw
    except UnicodeDecodeError as exc:
        raise StoreError(
            f"{path} is not UTF-8 text (byte {exc.start}). Fix or restore the file; it was not changed."
        ) from None
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path} is not valid JSON: {exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno} "
            f"(char {exc.pos}). "
            "Fix the file by hand or restore it from git; nothing will be written to it until it parses."
        ) from None
    except RecursionError:
        raise StoreError(
            f"{path} nests values more than {MAX_DEPTH:,} levels deep. Flatten that value by hand (or restore the "
            "file from git); it was not changed."
        ) from None


def write_atomic(path: Path, text: str | bytes, *, sweep: bool = False) -> None:
    """Replace ``path`` with ``text`` (str as UTF-8, or bytes) atomically: temp file in the same directory, fsync,
    ``os.replace``.

    A reader sees either the old or the new file, never a torn one. The original file's permission bits are kept.
    ``sweep`` (for callers holding the project lock) first removes temp files that earlier writes of this same file
    left behind when their process was killed (see :func:`sweep_stale_temps`).
    """
    if sweep:
        sweep_stale_temps(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode: int | None = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


# mkstemp's names: ".<file name>.<8 random characters>.tmp" (see write_atomic).
_TEMP_SUFFIX = re.compile(r"\.[A-Za-z0-9_]{8}\.tmp")
# Every write of our own files runs under the project lock, so while a caller holds it any temp file of that file is
# a dead writer's: no age needs to pass. (The parameter stays for callers that sweep without the lock.)
STALE_SECONDS = 0.0


def sweep_stale_temps(path: Path, *, older_than: float = STALE_SECONDS) -> int:
    """Remove the temp files of ``path`` that a killed writer left (ours only; return how many).

    Only names write_atomic makes for this very file are touched, and only when older than ``older_than`` seconds.
    Callers hold the project lock, under which no write of this file can be in progress.
    """
    prefix = f".{path.name}"
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(path.parent))
    except FileNotFoundError:
        return 0
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not _TEMP_SUFFIX.fullmatch(name[len(prefix) :]):
            continue
        with contextlib.suppress(FileNotFoundError):
            if now - entry.stat(follow_symlinks=False).st_mtime >= older_than and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
    return removed


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def project_lock(taskmaster_dir: Path, *, wait: float | None = None) -> Generator[None, None, None]:
    """Hold the project's inter-process write lock (re-entrant within one thread).

    The wait is bounded: after ``wait`` seconds (default :data:`LOCK_WAIT_SECONDS`) it raises :class:`StoreError`
    naming the holder recorded in the lock file (pid, host, command, since when). Guards of :mod:`.guard` are let
    go while waiting, so a call that waits here holds up no other call.
    """
    taskmaster_dir.mkdir(parents=True, exist_ok=True)
    lock_path = taskmaster_dir / LOCK_NAME
    key = str(lock_path.resolve())
    with _thread_locks_guard:
        tlock = _thread_locks.setdefault(key, threading.RLock())
    if _held.held(key):
        with _held.again(key):
            yield
        return
    limit = lock_wait_seconds() if wait is None else wait
    deadline = time.monotonic() + limit
    with released():
        if not tlock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise StoreError(holder_message(lock_path, "another call of this server", limit))
    try:
        with open(lock_path, "a+b") as fh:
            with released():
                _wait_os_lock(fh.fileno(), lock_path, deadline, limit)
            try:
                with _held.outermost(key):
                    record_holder(fh.fileno())
                    yield
            finally:
                with contextlib.suppress(OSError):
                    os.ftruncate(fh.fileno(), 0)
                _os_unlock(fh.fileno())
    finally:
        tlock.release()


def _wait_os_lock(fd: int, lock_path: Path, deadline: float, limit: float) -> None:
    pause = 0.005
    while not _os_try_lock(fd):
        if stopping.is_set():
            raise StoreError(STOPPING_MESSAGE)
        left = deadline - time.monotonic()
        if left <= 0:
            raise StoreError(holder_message(lock_path, "another process", limit))
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.1)


_held = Reentry()


if sys.platform == "win32":  # pragma: no cover - exercised only on Windows
    import msvcrt

    def _os_try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _os_unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

else:
    import fcntl

    def _os_try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _os_unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
