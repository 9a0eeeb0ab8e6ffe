"""Tools that ask no model run in a worker thread, so no wait of theirs can stall the event loop.

A tool body calls the store synchronously: a write may wait for our project lock (held by the CLI, up to
:data:`taskmaster_mcp.store.lockholder.LOCK_WAIT_SECONDS`), for Task Master's lock (up to 15 s), or for a git hook
(up to 60 s), and a read of a large tasks.json takes a while. Run on the event loop, any of these froze every other
call of the server, for every project. Here the whole call runs on a worker thread of its own, in a private event
loop (these tools await nothing but their own helpers: the client's roots are resolved before the call), inside a
:func:`taskmaster_mcp.store.guard.worker_unit` so calls on the same project never overlap on its cached documents.

The tools that ask a model stay on the event loop (they stream, report progress and may sample the client's own
model, all tied to the loop); each of their store writes (a whole ``with store.mutate()`` block) and review's git
diff runs on a worker thread in a unit of its own (:meth:`taskmaster_mcp.ai.context.AIContext.write`).
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from taskmaster_mcp.store.guard import worker_unit

T = TypeVar("T")

# Worker threads for tool calls. Each call waits at most for the lock and subprocess bounds above, so this many
# calls can wait at once while the loop still answers; more queue here (not on the loop) until one finishes.
MAX_WORKERS = 64
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _capacity() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(MAX_WORKERS)
    return limiter


def _run(make: Callable[[], Awaitable[T]]) -> T:
    async def call() -> T:
        return await make()

    with worker_unit():
        return asyncio.run(call())


async def in_worker(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Await ``fn(*args, **kwargs)`` run to completion on a worker thread (context variables carried over)."""
    return await anyio.to_thread.run_sync(_run, functools.partial(fn, *args, **kwargs), limiter=_capacity())


def _run_sync(work: Callable[[], T]) -> T:
    with worker_unit():
        return work()


async def sync_in_worker(fn: Callable[..., T], *args: Any) -> T:
    """Await the plain function ``fn(*args)`` run on a worker thread (for the dashboard's data and card moves)."""
    return await anyio.to_thread.run_sync(_run_sync, functools.partial(fn, *args), limiter=_capacity())
