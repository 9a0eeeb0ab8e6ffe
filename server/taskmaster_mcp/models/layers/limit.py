"""The concurrency layer: each request waits for a slot of its provider/model's limiter (``models/concurrency.py``).

Waiting for a slot is not the role's time: the turn is shifted by the wait. An overload that our own concurrency
caused (the limiter says so) is retried here at no cost to the role's retries, after the limiter slowed down,
bounded by the call's deadline. A 529 or 503 under the last good level is the provider's weather: the request
backs off with jitter and is retried here (up to :data:`WEATHER_RETRIES` times, within the role's turn) while the
limit is kept. Every other error goes up to the retries layer. An answer that fails validation
still counts as a success for the limiter (the provider answered).
"""

from __future__ import annotations

import asyncio
import random
import time

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.models.concurrency import AdaptiveLimiter
from taskmaster_mcp.models.layers.base import Turn, Wrapper
from taskmaster_mcp.models.layers.retries import deadline_passed
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.structured import Invalid
from taskmaster_mcp.models.usage import CallState
from taskmaster_mcp.store.settings import RouterSettings

WEATHER_RETRIES = 3  # per request, before the error goes to the role's own retries


def weather_delay(settings: RouterSettings, err: ProviderError, tries: int) -> float | None:
    """The jittered back-off before retrying a request the provider's weather refused (None: no more tries)."""
    if tries >= WEATHER_RETRIES:
        return None
    backoff = settings.base_delay * 2**tries if err.retry_after is None else err.retry_after
    return min(settings.max_delay, backoff) * random.uniform(0.5, 1.5)  # jitter: concurrent requests spread out


class Limited(Wrapper):
    """One slot of ``limiter`` per request sent."""

    def __init__(self, inner: Provider, limiter: AdaptiveLimiter, run: CallState, turn: Turn) -> None:
        super().__init__(inner)
        self.limiter, self.run, self.turn = limiter, run, turn

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, turn = self.run, self.turn
        again, weather = False, 0
        while True:
            if again and run.deadline - time.monotonic() <= 0:
                raise deadline_passed(run, self.provider, self.model)
            slot = await self.limiter.acquire(run.deadline, self.provider, self.model)
            turn.ends += slot.waited  # queueing for a slot is not the role's time
            try:
                completion = await self.inner.complete(request, on_chunk)
                slot.succeeded()  # before ``finally`` abandons it
                return completion
            except Invalid:
                slot.succeeded()
                raise
            except ProviderError as err:
                verdict = slot.verdict(err)
                if verdict == "ours":  # our own concurrency: the limiter slowed down; retry at no cost
                    await run.say(0, f"{turn.label}: {err}; sending fewer requests at once and retrying")
                    again = True
                    continue
                delay = weather_delay(run.settings, err, weather) if verdict == "weather" else None
                if delay is None or time.monotonic() + delay >= min(turn.ends, run.deadline):
                    raise
                weather += 1  # the provider's load, not ours: keep the limit, back this request off
                await run.say(0, f"{turn.label}: {err}; the provider is busy, retrying in {delay:.1f}s")
                await asyncio.sleep(delay)
                again = True
                continue
            finally:
                slot.abandon()  # cancelled or not a provider error; no-op once released
