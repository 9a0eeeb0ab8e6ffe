"""Adaptive concurrency: how many requests go to one provider/model at once (AIMD, as TCP paces a connection).

Decisions:

- One :class:`AdaptiveLimiter` per (provider, model, base URL): rate limits are per model and account, and two
  endpoints of one provider are two servers. The :class:`Limiters` registry is owned by the server (``AppState``)
  and handed to every router it builds, so expand_all, analyze and update share what one of them learned in one
  server process; a router built alone gets its own registry (no module globals: tests stay independent).
- The limit starts at ``concurrency.start`` (default 8; Task Master configs of ours that set ``expandAll`` keep it
  as the start). Until the first overload it grows by one per success (slow start: it doubles every round trip),
  afterwards by ``1/limit`` per success (one per round trip). A 429 or 529 halves it (floor 1), once per round:
  only a request admitted after the last decrease can decrease it again, so eight requests rejected together halve
  the limit once, not eight times. It never exceeds ``concurrency.max`` (default 16).
- A ``retry-after`` on the overload pauses admission of new requests until it has passed: the provider said when.
  Without one, admission pauses for ``retries.baseDelaySeconds`` so that a provider in trouble is not hammered by
  the requests that were queued behind the rejected ones.
- An overload answered while other requests of ours were in flight (when it was admitted, or when it was refused)
  is our own doing, not the model's: the router
  retries it after the limiter has slowed down, without spending the role's retries or counting toward its
  circuit breaker, bounded by the call's deadline. Once the limit is down to one request, a 429 is the provider's
  and takes the normal retry path, so this cannot loop.
- Overload is not always congestion. We never send more than the limit, so a 529 or 503 from a model that has
  answered us before (:attr:`AdaptiveLimiter.good` > 0) comes while we are under the last good limit: it is the
  provider's weather. That request backs off with jitter and is retried (``layers/limit.py``, a few times, within
  the role's turn) and the limit is kept. Only a 429 with other requests of ours in flight halves the limit. (A
  provider that 529s 30% of requests at random used to halve the limit on every 529 and hold it at 1-2.)
- ``concurrency.adaptive: false`` keeps the limit fixed at ``start`` and 429s take the normal retry path (the
  behaviour before adaptive concurrency, kept for providers that dislike probing and for benchmarks). CLI agents
  and MCP sampling are not HTTP APIs with rate limits of their own (they run on this machine or in the editor),
  so their limit is fixed at ``start`` too.
- The batch runners (expand_all, analyze, update) start up to :func:`launch_width` jobs and let the limiter pace
  their requests. Time spent waiting for a slot is not a request's time: its timeouts start when it is admitted
  (the router shifts the role's turn by :attr:`Slot.waited`); only the call's total deadline bounds the wait.
  A call that waited until its deadline without a slot fails with :class:`SlotTimeout`, which the router does not
  count toward the model's circuit breaker: no request was sent, the queue was ours.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.store.settings import RouterSettings


class SlotTimeout(ProviderError):
    """No request slot came free before the call's deadline: nothing was sent, so it is not the model's failure."""


OVERLOAD_STATUSES = frozenset({429, 529})
WEATHER_STATUSES = frozenset({503, 529})  # the provider's own load, when it comes under the last good level
Verdict = Literal["ours", "weather", "other"]
FIXED_WIRES = frozenset({"agent", "sampling"})


def launch_width(settings: RouterSettings) -> int:
    """How many jobs a batch runner starts at once: up to ``max`` when the limiter paces them, else ``start``."""
    return settings.concurrency_max if settings.adaptive else settings.concurrency_start


@dataclass
class Slot:
    """One admitted request: released once, as a success, an overload or neither."""

    limiter: AdaptiveLimiter
    epoch: int
    others: int  # requests of ours already in flight when this one was admitted
    waited: float  # seconds spent queueing for the slot
    released: bool = False

    def succeeded(self) -> None:
        """The provider answered: grow the limit."""
        self._release("ok")

    def failed(self, err: ProviderError) -> bool:
        """The request failed; True when it was an overload caused by our own concurrency, to retry for free."""
        overload = err.retryable and err.status in OVERLOAD_STATUSES
        # Ours when other requests of ours were in flight when it was admitted or are still in flight now: which of
        # several concurrent requests the provider refuses depends on arrival order, not on admission order (the
        # first admitted may arrive last, e.g. while its SDK client is still being built).
        others = self.others > 0 or self.limiter.in_flight > 1
        ours = overload and others and self.limiter.adaptive and not self.released
        self._release("overload" if overload else "other", err.retry_after)
        return ours

    def verdict(self, err: ProviderError) -> Verdict:
        """Release the slot after ``err`` and say whose it was: ``ours`` (a 429 our own concurrency caused: the
        limit slowed down, retry at no cost), ``weather`` (a 529 or 503 from a model that has answered us under
        this limit: the provider's load, not ours; the limit is kept and the request backs off with jitter) or
        ``other`` (the normal retry path: e.g. a model that never answered, so its 529 says nothing of load)."""
        weather = err.retryable and err.status in WEATHER_STATUSES and self.limiter.good > 0
        if weather and not self.released:
            self._release("weather")
            return "weather"
        return "ours" if self.failed(err) else "other"

    def abandon(self) -> None:
        """Cancelled or failed outside the provider: free the slot, learn nothing (no-op once released)."""
        self._release("other")

    def _release(self, outcome: str, retry_after: float | None = None) -> None:
        if not self.released:
            self.released = True
            self.limiter.release(self, outcome, retry_after)


@dataclass
class AdaptiveLimiter:
    """The concurrency limit of one provider/model, and its queue of waiting requests."""

    limit: float
    maximum: int
    adaptive: bool = True
    in_flight: int = 0
    peak: int = 0  # the most requests in flight at once
    decreases: int = 0
    slow_start: bool = True
    paused_until: float = 0.0
    backoff: float = 0.0  # pause after an overload without retry-after (retries.baseDelaySeconds)
    good: int = 0  # the most requests in flight (at admission) of a request that succeeded: the last good level
    _epoch: int = 0
    _waiters: deque[asyncio.Future[None]] = field(default_factory=lambda: deque())

    @property
    def capacity(self) -> int:
        """Requests admitted at once now."""
        return max(1, min(self.maximum, int(self.limit)))

    def configure(self, start: int, maximum: int, adaptive: bool) -> None:
        """Apply the settings of the call at hand (config.json is re-read per call)."""
        self.maximum, self.adaptive = maximum, adaptive
        self.limit = float(min(start, maximum)) if not adaptive else min(self.limit, float(maximum))
        self._wake()

    async def acquire(self, deadline: float, provider: str, model: str) -> Slot:
        """Wait for a free slot (FIFO-ish) until ``deadline`` (monotonic); a ProviderError if none came in time."""
        asked = time.monotonic()
        loop = asyncio.get_running_loop()
        while True:
            now = time.monotonic()
            pause = self.paused_until - now
            if pause <= 0 and self.in_flight < self.capacity:
                break
            if now >= deadline:
                raise SlotTimeout(
                    f"gave up waiting {now - asked:.0f}s for one of {self.capacity} request slot(s) "
                    "(timeouts.totalSeconds); call again, or lower the work per call",
                    provider=provider,
                    model=model,
                    retryable=False,
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(min(deadline - now, pause) if pause > 0 else deadline - now):
                    await waiter
            except TimeoutError:
                pass
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return Slot(self, self._epoch, self.in_flight - 1, time.monotonic() - asked)

    def release(self, slot: Slot, outcome: str, retry_after: float | None = None) -> None:
        """Free ``slot`` and adapt: grow on ``ok``, halve on ``overload`` (once per round), pause on retry-after."""
        self.in_flight -= 1
        if outcome == "ok":
            self.good = max(self.good, slot.others + 1)
        if self.adaptive and outcome == "ok" and self.limit < self.maximum:
            self.limit = min(float(self.maximum), self.limit + (1.0 if self.slow_start else 1.0 / self.limit))
        elif self.adaptive and outcome == "overload":
            if slot.epoch == self._epoch:
                self.limit = max(1.0, self.limit / 2)
                self.good = min(self.good, self.capacity)
                self.slow_start = False
                self.decreases += 1
                self._epoch += 1
            pause = self.backoff if retry_after is None else retry_after
            if pause > 0:
                self.paused_until = max(self.paused_until, time.monotonic() + pause)
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)


class Limiters:
    """The limiters of one server process, by (provider, model, base URL)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str | None], AdaptiveLimiter] = {}

    def get(
        self, provider: str, model: str, base_url: str | None, settings: RouterSettings, wire: str = ""
    ) -> AdaptiveLimiter:
        """The limiter of ``provider``/``model`` at ``base_url``, configured by this call's settings."""
        adaptive = settings.adaptive and wire not in FIXED_WIRES
        limiter = self._by_key.get((provider, model, base_url))
        if limiter is None:
            limiter = self._by_key[(provider, model, base_url)] = AdaptiveLimiter(
                float(min(settings.concurrency_start, settings.concurrency_max)), settings.concurrency_max, adaptive
            )
        limiter.configure(settings.concurrency_start, settings.concurrency_max, adaptive)
        limiter.backoff = settings.base_delay
        return limiter

    def all(self) -> dict[tuple[str, str, str | None], AdaptiveLimiter]:
        """Every limiter so far (for tests and diagnostics)."""
        return dict(self._by_key)
