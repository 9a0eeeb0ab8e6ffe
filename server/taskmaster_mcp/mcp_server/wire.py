"""Lines on stdin that are not JSON-RPC messages get an answer, not silence.

A line that is not a JSON-RPC message (not JSON, a lone UTF-16 surrogate, nesting too deep to parse, or valid JSON of
the wrong shape) is answered at once with a JSON-RPC error (-32700 parse error, or -32600 invalid request), carrying
the request's id when the line is readable enough to have one, so the client does not wait for its own timeout. The
SDK's stdio transport only logs such lines.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self, cast

from mcp.shared.message import SessionMessage
from mcp.types import ErrorData, JSONRPCError
from pydantic import ValidationError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def _request_id(line: Any) -> str | int | None:
    """The id of a request line that the standard library can still read (it accepts lone surrogates)."""
    if not isinstance(line, str):
        return None
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict):
        found = cast(dict[str, Any], value).get("id")
        if isinstance(found, str | int) and not isinstance(found, bool):
            return found
    return None


def error_reply(problem: Exception) -> SessionMessage:
    """The JSON-RPC error answering one unreadable line."""
    line: Any = None
    code, what = INVALID_REQUEST, "Invalid request: not a JSON-RPC 2.0 message"
    if isinstance(problem, ValidationError):
        details = problem.errors(include_url=False)
        line = details[0].get("input") if details else None
        if any(d.get("type") == "json_invalid" for d in details):
            code, what = PARSE_ERROR, f"Parse error: {details[0].get('msg', 'invalid JSON')}"
    message = f"{what}. Send one JSON-RPC 2.0 message per line, as UTF-8 JSON."
    error = JSONRPCError(jsonrpc="2.0", id=_request_id(line), error=ErrorData(code=code, message=message))
    return SessionMessage(error)  # pyright: ignore[reportArgumentType]


class AnswerUnreadableLines:
    """A read stream that answers the transport's unreadable lines itself and passes every message on."""

    def __init__(self, inner: Any, write: Any) -> None:
        self._inner = inner
        self._write = write

    async def _next(self, take: Any) -> Any:
        while True:
            item = await take()
            if not isinstance(item, Exception):
                return item
            await self._write.send(error_reply(item))

    async def receive(self) -> Any:
        return await self._next(self._inner.receive)

    async def __anext__(self) -> Any:
        return await self._next(self._inner.__anext__)

    def __aiter__(self) -> Self:
        return self

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> bool | None:
        await self.aclose()
        return None
