"""What a tool function reads from the SDK's ``Context``, for a call the CLI makes in this process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskmaster_mcp.mcp_server.state import AppState

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


class _Request:
    def __init__(self, state: AppState) -> None:
        self.lifespan_context = state


class CallContext:
    """What a tool function reads from the SDK's ``Context``, for a call made in this process: the server's state,
    the client's capabilities (none: like the SDK's in-memory client, the CLI offers no roots and no sampling), and
    progress, reported to the command's bar."""

    client_capabilities: None = None

    def __init__(self, state: AppState, progress: Progress | None) -> None:
        self.request_context = _Request(state)
        self._progress = progress

    async def report_progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if self._progress is not None:
            await self._progress(progress, total, message)
