"""The concurrency layer: each request waits for a slot of its provider/model's limiter (``models/concurrency.py``).

Waiting for a slot is not the role's time: the turn is shifted by the wait. An overload that our own concurrency
caused (the limiter says so) is retried here at no cost to the role's retries, after the limiter slowed down,
bounded by the call's deadline; every other error goes up to the retries layer. An answer that fails validation
still counts as a success for the limiter (the provider answered).
"""

from __future__ import annotations

import time

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.models.concurrency import AdaptiveLimiter
from taskmaster_mcp.models.layers.base import Turn, Wrapper
from taskmaster_mcp.models.layers.retries import deadline_passed
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.structured import Invalid
from taskmaster_mcp.models.usage import CallState


class Limited(Wrapper):
    """One slot of ``limiter`` per request sent."""

    def __init__(self, inner: Provider, limiter: AdaptiveLimiter, run: CallState, turn: Turn) -> None:
        super().__init__(inner)
        self.limiter, self.run, self.turn = limiter, run, turn

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, turn = self.run, self.turn
        again = False
        while True:
            if again and run.deadline - time.monotonic() <= 0:
                raise deadline_passed(run, self.provider, self.model)
            slot = await self.limiter.acquire(run.deadline, self.provider, self.model)
            turn.ends += slot.waited  # queueing for a slot is not the role's time
            try:
                completion = await self.inner.complete(request, on_chunk)
            except Invalid:
                slot.succeeded()
                raise
            except ProviderError as err:
                if slot.failed(err):  # our own concurrency: the limiter slowed down; retry at no cost
                    await run.say(0, f"{turn.label}: {err}; sending fewer requests at once and retrying")
                    again = True
                    continue
                raise
            finally:
                slot.abandon()  # cancelled or not a provider error; no-op once released
            slot.succeeded()
            return completion
