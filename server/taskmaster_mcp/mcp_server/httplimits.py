"""Bounds of the HTTP server under hostile load: connections, header time, MCP sessions, and quiet refusals.

Measured before (issue 18 §4): 1,100 idle connections exhausted the process's file descriptors (a token did not
help: a connection that never sends a request is never asked for one) and asyncio then logged every failed accept,
105 MB of "Too many open files" on stderr; 10,000 abandoned MCP sessions (the SDK's cap) locked new clients out
with 503 for the 30 minutes of the SDK's idle timeout.

- **Connections**: at most :data:`MAX_CONNECTIONS` open (or half the descriptor limit, if lower). One more closes
  the connection idle the longest (open without a request in progress) to make room, so idle sockets cannot lock
  a real client out; only when every connection is serving a request is the new one closed at once. A
  connection gets :data:`HEADER_SECONDS` to send a complete request head, and
  an idle keep-alive connection closes after :data:`KEEP_ALIVE_SECONDS`, so half-open and slow-header sockets
  cannot pile up. The soft descriptor limit is raised to the hard one at start.
- **Refusals are logged once per** :data:`LOG_INTERVAL_SECONDS` with a count, never once per socket (the same for
  asyncio's own accept errors).
- Operators may change the caps: ``TASKMASTER_MCP_MAX_CONNECTIONS``, ``TASKMASTER_MCP_HEADER_SECONDS``,
  ``TASKMASTER_MCP_MAX_SESSIONS`` (see docs/limits.md).
- **MCP sessions**: at most :data:`MAX_SESSIONS`; when full, the least recently used session with no request in
  flight is closed to admit the new client (it gets 404 and re-initializes, as after an idle timeout). Idle
  sessions close after :data:`SESSION_IDLE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("taskmaster_mcp")

MAX_CONNECTIONS = 512
HEADER_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
MAX_SESSIONS = 256
SESSION_IDLE_SECONDS = 10 * 60.0
LOG_INTERVAL_SECONDS = 10.0


class Throttled:
    """Log one message at most once per interval, with how many were held back."""

    def __init__(self, interval: float = LOG_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._last = -float("inf")
        self._held = 0
        self._lock = threading.Lock()

    def note(self, message: str) -> bool:
        """Log ``message`` unless one was logged within the interval; return whether it was logged."""
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.interval:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        log.warning("%s%s", message, f" ({held} more since the last such message)" if held else "")
        return True


_cap_full, _cap_busy, _head_late = Throttled(), Throttled(), Throttled()  # one interval per kind of message


def connection_cap() -> int:
    """:data:`MAX_CONNECTIONS`, or half the soft descriptor limit if that is lower (the rest is for files)."""
    if sys.platform == "win32":  # pragma: no cover
        return MAX_CONNECTIONS
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else max(16, min(MAX_CONNECTIONS, soft // 2))


def raise_descriptor_limit() -> None:
    """Raise the soft descriptor limit to the hard one (best effort)."""
    if sys.platform == "win32":  # pragma: no cover
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap and a deadline for each request head."""

    cap = MAX_CONNECTIONS
    header_seconds = HEADER_SECONDS
    _head_timer: asyncio.TimerHandle | None = None
    _since = 0.0  # when the connection opened or last finished a response

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._since = time.monotonic()
        if len(self.connections) >= self.cap:
            ours: list[BoundedH11Protocol] = [c for c in self.connections if isinstance(c, BoundedH11Protocol)]
            victim = min((c for c in ours if c.idle()), key=BoundedH11Protocol.opened, default=None)
            if victim is None:  # every connection is serving a request: this one waits for none of them
                self.transport, self.flow = transport, FlowControl(transport)
                _cap_busy.note(f"HTTP connection cap ({self.cap}) reached, all busy: refusing new connections")
                transport.abort()
                return
            _cap_full.note(f"HTTP connection cap ({self.cap}) reached: closing the longest idle connections")
            self.connections.discard(victim)
            victim.transport.abort()
        super().connection_made(transport)
        self._arm()

    def opened(self) -> float:
        """When it opened or last finished a response (monotonic seconds)."""
        return self._since

    def idle(self) -> bool:
        """Open without a request in progress (before its first request, or between two)."""
        cycle: Any = self.cycle  # None until the first request arrives
        return (cycle is None or cycle.response_complete) and not self.transport.is_closing()

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.header_seconds, self._head_overdue)

    def _head_overdue(self) -> None:
        self._head_timer = None
        if self.idle():
            _head_late.note(f"HTTP connection closed: no complete request within {self.header_seconds:g} s")
            self.transport.close()

    def on_response_complete(self) -> None:
        self._since = time.monotonic()
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)


class _QuietAccept(logging.Filter):
    """asyncio logs every failed accept (EMFILE); let one through per interval."""

    def __init__(self) -> None:
        super().__init__()
        self.throttle = Throttled()

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if "accept" in text or "system resource" in text or "Too many open files" in text:
            self.throttle.note(f"asyncio: {record.getMessage()}")
            return False
        return True


def setting(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from ``env[name]`` (an operator's override), else ``default``."""
    try:
        value = float(env.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def uvicorn_limits(env: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.Config`` that bound connections (and the process setup they need)."""
    raise_descriptor_limit()
    BoundedH11Protocol.cap = int(setting(env, "TASKMASTER_MCP_MAX_CONNECTIONS", connection_cap()))
    BoundedH11Protocol.header_seconds = setting(env, "TASKMASTER_MCP_HEADER_SECONDS", HEADER_SECONDS)
    logging.getLogger("asyncio").addFilter(_QuietAccept())
    return {
        "http": BoundedH11Protocol,
        "limit_concurrency": BoundedH11Protocol.cap + 1,  # connections are capped above; this bounds tasks
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "backlog": 128,
    }


class SessionEvictor:
    """ASGI middleware before the SDK's session manager: a new session finds room by closing the least recently
    used idle one (see the module docstring)."""

    def __init__(self, app: Any, server: Any, limit: int = MAX_SESSIONS) -> None:
        self.app = app
        self.server = server
        self.limit = limit
        self.evicted = 0
        self._throttle = Throttled()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = dict(scope.get("headers") or [])
            if b"mcp-session-id" not in headers:
                await self.make_room()
        await self.app(scope, receive, send)

    async def make_room(self) -> None:
        """Close idle sessions, least recently used first, until one more fits under the limit."""
        manager = self.server.session_manager
        sessions: dict[str, Any] | None = getattr(manager, "_server_instances", None)
        discard = getattr(manager, "_discard_session", None)
        if sessions is None or discard is None:  # an SDK without these internals: its own cap (503) applies
            self._throttle.note("MCP session eviction unavailable with this SDK version; its session cap applies")
            return
        while len(sessions) >= self.limit:
            idle = [
                (getattr(t.idle_scope, "deadline", 0.0) if t.idle_scope is not None else 0.0, sid, t)
                for sid, t in sessions.items()
                if getattr(t, "_requests_in_flight", 0) == 0
            ]
            if not idle:
                return  # every session is busy: the SDK answers 503 until one finishes
            _, sid, transport = min(idle, key=lambda item: (item[0], item[1]))
            self.evicted += 1
            self._throttle.note(f"MCP session limit ({self.limit}) reached: closing the least recently used idle one")
            if transport.idle_scope is not None:
                transport.idle_scope.cancel()
            await discard(sid, transport)
