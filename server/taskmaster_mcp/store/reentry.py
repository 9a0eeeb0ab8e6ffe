"""Re-entrancy of a lock within one thread: how many times the current thread holds each lock (by key).

Both our project lock (:mod:`taskmaster_mcp.store.files`) and Task Master's lock (:mod:`taskmaster_mcp.store.tmlock`)
are re-entrant within a thread: an operation that already holds one may call another that takes it again, and only
the outermost hold acquires and releases the real lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator


class Reentry:
    """Per-thread hold counts by key."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _depth(self) -> dict[str, int]:
        return self._local.__dict__.setdefault("depth", {})

    def held(self, key: str) -> bool:
        """Whether the current thread already holds ``key``."""
        return self._depth().get(key, 0) > 0

    @contextlib.contextmanager
    def again(self, key: str) -> Generator[None]:
        """An inner hold of a lock the thread holds already: counted, nothing acquired."""
        depth = self._depth()
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1

    @contextlib.contextmanager
    def outermost(self, key: str) -> Generator[None]:
        """The outermost hold, once the real lock is acquired: inner holds see it until the block ends."""
        depth = self._depth()
        depth[key] = 1
        try:
            yield
        finally:
            depth[key] = 0
