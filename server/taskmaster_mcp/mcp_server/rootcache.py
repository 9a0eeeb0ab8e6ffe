"""Each session's roots, asked once and kept until the client says they changed (issue 23).

What the protocol allows, per era (read from the spec and the installed SDK, ``mcp`` 2.x):

- **2025-era sessions** (``initialize`` handshake; every editor today). The client's roots capability may declare
  ``listChanged``; such a client MUST send ``notifications/roots/list_changed`` when its roots change. So the roots
  of a session are asked once (``roots/list``) and kept; the notification drops them, and the next call asks again.
  A client that declares roots *without* ``listChanged`` promises no notification, so it is asked on every call, as
  before. An answer that arrives after a change notification is used for that call but not kept (a generation
  count per session), so a stale answer never outlives the notification that made it stale.
- **2026-07-28 sessions.** There is no session to keep anything on (each request carries its own capabilities), and
  the era removed ``notifications/roots/list_changed`` (SEP-2577 deprecates roots): nothing would tell us the roots
  changed, so no cache can be correct. A call asks for the roots (an input-required round trip) only when they can
  change the outcome: not when the server is pinned to one project, and not when ``TASK_MASTER_PROJECT_ROOT``
  picks the project and the call names no ``projectRoot``. ``docs/tools.md`` gives the measured cost.

The roots/list_changed handler runs before the next request of the same stream is handled (the SDK dispatches a
notification's handler ahead of the request that follows it), so confinement holds the moment the client changes
its roots: ``tests/mcp_server/test_roots_cache.py`` changes them mid-session and sees the next call refused.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("taskmaster_mcp")

Ask = Callable[[], Awaitable[list[Path] | None]]


def connection_of(session: Any) -> Any:
    """The connection a request's session belongs to: the SDK builds a ``ServerSession`` per request, around one
    ``Connection`` per client (``mcp`` 2.x keeps it as ``_connection``; tests/mcp_server/test_roots_cache.py notices
    a change)."""
    return getattr(session, "_connection", None) or session


class SessionRoots:
    """Roots per live 2025-era connection (held weakly: a closed connection's entry goes with it)."""

    def __init__(self) -> None:
        self._roots: weakref.WeakKeyDictionary[Any, list[Path] | None] = weakref.WeakKeyDictionary()
        self._generation: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        self.asked = 0  # roots/list requests sent (for tests and the benchmark)

    def forget(self, session: Any) -> None:
        """The client said its roots changed: drop them and make any answer in flight unkeepable."""
        session = connection_of(session)
        self._roots.pop(session, None)
        self._generation[session] = self._generation.get(session, 0) + 1

    async def get(self, session: Any, ask: Ask, *, keep: bool) -> list[Path] | None:
        """The session's roots: kept ones, else ``ask()`` (kept when ``keep`` and nothing changed meanwhile; an
        ``ask`` that raises keeps nothing)."""
        session = connection_of(session)
        if keep and session in self._roots:
            return self._roots[session]
        generation = self._generation.get(session, 0)
        self.asked += 1
        roots = await ask()
        if keep and self._generation.get(session, 0) == generation:
            self._roots[session] = roots
        return roots


def install(server: Any, cache_of: Callable[[Any], SessionRoots | None]) -> None:
    """Handle ``notifications/roots/list_changed`` on ``server`` (an MCPServer): forget that session's roots.

    ``cache_of`` maps the notification's lifespan context (our AppState) to its :class:`SessionRoots`.
    """
    import warnings

    from mcp.types import NotificationParams

    async def roots_changed(ctx: Any, _params: NotificationParams) -> None:
        cache = cache_of(ctx.lifespan_context)
        if cache is not None:
            cache.forget(ctx.session)

    with warnings.catch_warnings():  # roots are deprecated for 2026 sessions, still the 2025 way (see above)
        warnings.simplefilter("ignore")
        lowlevel = server._lowlevel_server  # pyright: ignore[reportPrivateUsage]
        lowlevel.add_notification_handler("notifications/roots/list_changed", NotificationParams, roots_changed)
    log.debug("roots/list_changed handler installed")
