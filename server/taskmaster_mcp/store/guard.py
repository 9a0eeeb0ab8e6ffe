"""In-process exclusion of one project's cached documents while calls run on several threads at once.

The server runs each tool that asks no model in a worker thread (a wait for a lock, a git hook or a large read then
never stalls the event loop, so every other call goes on). The task store caches one parsed document per project
and a write changes it in place, so two calls on the same project in two threads must not overlap. Each project has
one :class:`Guard`:

- a call running in a worker thread (inside :func:`worker_unit`) takes it on its first read and holds it until the
  call ends;
- code on the event loop thread takes it on a read and holds it until the current step of the loop ends (tasks on
  the loop never overlap within a step, so the loop thread counts as one holder);
- any other thread (the CLI, a helper thread) does not take it, as before.

Every wait that may last (our project lock, Task Master's lock, a git subprocess) runs inside :func:`released`,
which lets the guard go for the wait and takes it back after, so a call that waits never holds up another call on
the same project, and no wait can deadlock against a holder of the guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Generator


class Guard:
    """A re-entrant lock that any thread may let go of on the owner's behalf only through :meth:`release_all`."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._count = 0

    def owned(self) -> bool:
        """Whether the calling thread holds it."""
        return self._owner == threading.get_ident()

    def acquire(self, count: int = 1) -> None:
        """Take it (blocking) ``count`` times."""
        me = threading.get_ident()
        with self._cond:
            while self._owner not in (None, me):
                self._cond.wait()
            self._owner = me
            self._count += count

    def release(self) -> None:
        """Let go once; a thread that does not hold it (any more) changes nothing."""
        with self._cond:
            if self._owner != threading.get_ident():
                return
            self._count -= 1
            if self._count <= 0:
                self._owner, self._count = None, 0
                self._cond.notify_all()

    def release_all(self) -> int:
        """Let go entirely (if held by the caller); return how many holds to restore with :meth:`acquire`."""
        with self._cond:
            if self._owner != threading.get_ident():
                return 0
            count, self._owner, self._count = self._count, None, 0
            self._cond.notify_all()
            return count


# Set when the server is asked to stop (SIGTERM, Ctrl-C): waits for locks and subprocesses give up at their next
# check instead of holding the exit for up to their bound.
stopping = threading.Event()
STOPPING_MESSAGE = "The server is shutting down; nothing was written. Retry once it is back."

_guards: dict[str, Guard] = {}
_guards_lock = threading.Lock()
_unit = threading.local()


def guard_for(key: str) -> Guard:
    """The one guard of ``key`` (a project's ``.taskmaster`` folder) in this process."""
    with _guards_lock:
        guard = _guards.get(key)
        if guard is None:
            guard = _guards[key] = Guard()
        return guard


@contextlib.contextmanager
def worker_unit() -> Generator[None]:
    """Mark the calling thread as running one call: guards taken inside are held until the block ends."""
    held: list[Guard] = []
    _unit.held = held
    try:
        yield
    finally:
        _unit.held = None
        for guard in held:
            guard.release_all()


def hold(key: str) -> None:
    """Hold ``key``'s guard until the end of the current unit of work (see the module docstring)."""
    guard = guard_for(key)
    if guard.owned():
        return
    held: list[Guard] | None = getattr(_unit, "held", None)
    if held is not None:
        guard.acquire()
        held.append(guard)
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # a thread that serves no call: nothing shares its documents
    guard.acquire()
    loop.call_soon(guard.release)


@contextlib.contextmanager
def released() -> Generator[None]:
    """Let go of every guard the calling thread holds for the duration of a wait, and take them back after."""
    with _guards_lock:
        guards = list(_guards.values())
    counts = [(guard, guard.release_all()) for guard in guards]
    try:
        yield
    finally:
        for guard, count in counts:
            if count:
                guard.acquire(count)
