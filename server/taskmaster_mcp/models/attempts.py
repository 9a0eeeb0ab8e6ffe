"""Attempt policy: how long a request and a role may take, when to retry, and when to skip a failing model.

The router (``router.py``) decides *which* role to ask; this module decides *how long* and *how often*.

Timeouts. A streamed request must deliver its first event within ``firstByteSeconds``, or it is abandoned as a
retryable timeout. Once events flow, only ``requestSeconds`` and ``totalSeconds`` bound it: a slow answer that is
making progress is never cut. Each role gets ``roleSeconds`` to start answering a request, retries and back-off
included (the clock restarts for the re-ask after invalid output). When that runs out, no retry starts, no retry
wait that would end past it is taken, and the next role takes over. (Answers that arrive whole, from sampling and
from the CLI agents that print their answer at the end, are bounded by ``requestSeconds`` only.) The defaults, and
why:

- Clients cancel tool calls at about 60 s (Claude Desktop), and the fallback needs most of that window to write
  its answer. So a role that is not answering hands over after ``roleSeconds`` = 25 s at most, leaving >= 35 s.
- ``firstByteSeconds`` = 15: both APIs normally send their first event within 1-3 s, about 10 s for very long
  prompts. 15 s is past that, and still leaves a hung request one retry within the role's turn (9 s, on a fresh
  connection: a dead pooled connection is the usual cause of a hang). Models that think silently before their
  first token (OpenAI o-series at high reasoning effort) may need more: raise it for them.
- ``requestSeconds`` = 120 and ``totalSeconds`` = 300 bound an answer that is streaming: 8k tokens at ~60 tokens/s
  take about 2 min, and clients that restart their timeout on progress notifications let such a call finish.
- A main that refuses connections or answers 5xx fails in milliseconds; with back-off of 1 s then 2 s the fallback
  starts within ~3 s. With long ``retry-after`` values (capped at 8 s) it starts within ``roleSeconds``.

Retries. Retryable errors (429, 408, 409, 5xx, 529, timeouts, connection errors, a stream cut off) are retried on
the same role with exponential backoff that honours ``retry-after`` (capped at ``maxDelaySeconds``), within the
role's turn. Other errors move on at once.

Circuit breaker. A provider/model that failed ``circuitBreaker.failures`` calls in a row is skipped for
``cooldownSeconds``; the skip is reported with the last real error, since that is all the user then sees of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from taskmaster_mcp.errors import ProviderError, TaskmasterError
from taskmaster_mcp.models.providers import ChunkFn, Completion
from taskmaster_mcp.store.settings import RouterSettings

Limit = tuple[float, str]  # seconds, and the setting that set them (named in the timeout message)


def _secs(seconds: float) -> str:
    return f"{round(seconds, 2):g}"


def retry_delay(settings: RouterSettings, err: ProviderError, retries: int, until: float) -> float | None:
    """Seconds to wait before retrying ``err`` on the same role, or None to move on: not retryable, out of
    retries, or the wait would end past ``until`` (the role's turn or the call's deadline)."""
    if not err.retryable or retries >= settings.retries_per_role:
        return None
    backoff = settings.base_delay * 2**retries if err.retry_after is None else err.retry_after
    delay = min(settings.max_delay, backoff)
    return None if time.monotonic() + delay >= until else delay


def attempted(err: ProviderError, attempts: int) -> ProviderError:
    """``err`` saying how many attempts it ended (the last error alone can mislead: "no response within 9s"
    after a first wait of 15s)."""
    if attempts == 1:
        return err
    return ProviderError(
        f"{err} ({attempts} attempts)",
        provider=err.provider,
        model=err.model,
        status=err.status,
        retryable=err.retryable,
        retry_after=err.retry_after,
    )


@dataclass(frozen=True)
class AttemptLimits:
    """How long one request may wait for its first event, and how long it may take in all."""

    first: Limit
    whole: Limit

    @classmethod
    def of(cls, settings: RouterSettings, deadline: float, turn_ends: float, streams: bool) -> AttemptLimits:
        """The limits of a request started now, on a role whose turn ends at ``turn_ends`` (monotonic clock)."""
        now = time.monotonic()
        whole = min((settings.request_seconds, "timeouts.requestSeconds"), (deadline - now, "timeouts.totalSeconds"))
        if not streams:
            return cls(whole, whole)
        first = min(
            (settings.first_byte_seconds, "timeouts.firstByteSeconds"), (turn_ends - now, "timeouts.roleSeconds"), whole
        )
        return cls(first, whole)


async def bounded(
    complete: Callable[[float, ChunkFn], Awaitable[Completion]],
    limits: AttemptLimits,
    on_text: Callable[[int], Awaitable[None]],
    provider: str,
    model: str,
) -> Completion:
    """Run one request under ``limits``: ``complete(timeout, on_event)`` is the adapter call. Its first event
    lifts the first-byte limit (a progressing stream is never cut early); a timeout is a retryable ProviderError
    naming the setting that ran out."""
    whole_ends = asyncio.get_running_loop().time() + limits.whole[0]
    opened = False

    async def on_event(received: int) -> None:
        nonlocal opened
        if not opened:
            opened = True
            scope.reschedule(whole_ends)
        if received:
            await on_text(received)

    try:
        async with asyncio.timeout(limits.first[0]) as scope:
            return await complete(limits.whole[0], on_event)
    except TimeoutError:
        seconds, limit = limits.whole if opened else limits.first
        what = "timed out while streaming after" if opened else "timed out: no response within"
        raise ProviderError(
            f"{what} {_secs(seconds)}s ({limit})", provider=provider, model=model, retryable=True
        ) from None


@dataclass(frozen=True)
class _Trip:
    """Failures in a row of one provider/model."""

    count: int
    last: float  # time.monotonic() of the latest failure
    cause: str  # the latest real error, shown while the circuit skips the model


class CircuitBreaker:
    """Failures in a row per (provider, model), kept for the life of one router."""

    def __init__(self) -> None:
        self._trips: dict[tuple[str, str], _Trip] = {}

    def open_reason(self, provider: str, model: str, settings: RouterSettings) -> str | None:
        """Why the model is skipped now (its circuit is open), or None to try it."""
        trip = self._trips.get((provider, model))
        if trip is None:
            return None
        waited = time.monotonic() - trip.last
        if trip.count >= settings.breaker_failures and waited < settings.breaker_cooldown:
            return (
                f"circuit open after {trip.count} failure{'s' if trip.count > 1 else ''} in a row "
                f"(last: {trip.cause}); retrying it in {settings.breaker_cooldown - waited:.0f}s"
            )
        return None

    def failure(self, provider: str, model: str, err: TaskmasterError) -> None:
        """Count one failed call, keeping its first line as the cause to show."""
        trip = self._trips.get((provider, model))
        cause = str(err).split("\n", 1)[0][:200]
        self._trips[(provider, model)] = _Trip(trip.count + 1 if trip else 1, time.monotonic(), cause)

    def success(self, provider: str, model: str) -> None:
        """Close the circuit: the model answered."""
        self._trips.pop((provider, model), None)
