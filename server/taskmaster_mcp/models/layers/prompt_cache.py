"""The prompt-cache layer: requests that mark the same stable prefix wait for the first of them to write it.

A provider's cache write lands only when the request that wrote it has been answered; requests sent before that
each pay the write (Anthropic bills 1.25x input) and read nothing. So when a batch (expand_all, analyze, update)
sends many requests with one marked prefix, the first goes alone and the others wait for it (until the call's
deadline; a failed first request releases them too, and the next one writes), then read the cached prefix. A
request with nothing marked (no prefix, or one under the model's minimum: ``layers/stack.for_role``) never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time

from taskmaster_mcp.models.layers.base import Wrapper
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request

MAX_GATES = 256  # prefixes remembered per router; the oldest landed ones are forgotten past it


class Warmed(Wrapper):
    """The first request of a marked prefix goes alone; the others wait for its write to land."""

    def __init__(self, inner: Provider, gates: dict[str, asyncio.Event], where: str, deadline: float) -> None:
        super().__init__(inner)
        self.gates, self.where, self.deadline = gates, where, deadline

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        if request.cache_prefix <= 0:
            return await self.inner.complete(request, on_chunk)
        shared = f"{self.where}\0{request.system}\0{request.prompt[: request.cache_prefix]}"
        key = hashlib.sha256(shared.encode()).hexdigest()
        gate = self.gates.get(key)
        if gate is None:
            if len(self.gates) >= MAX_GATES:
                for old in [k for k, g in self.gates.items() if g.is_set()]:
                    del self.gates[old]
            gate = self.gates[key] = asyncio.Event()
            try:
                return await self.inner.complete(request, on_chunk)
            finally:
                gate.set()  # landed, or failed (the next request writes it)
        if not gate.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                    await gate.wait()
        return await self.inner.complete(request, on_chunk)
