"""The retries layers: the circuit breaker, retries with back-off within the role's turn, and each request's
timeouts. The rules (defaults and why) are ``models/attempts.py``'s.

- :class:`Breaking` counts the role's outcome (after its re-ask) toward the model's circuit: a success closes
  it, a provider error or invalid output counts a failure. A :class:`SlotTimeout` (no request was sent: the queue
  was ours) and an answer from the response cache (outside this layer) count nothing.
- :class:`Retrying` starts the role's turn (``timeouts.roleSeconds``; the clock restarts for the re-ask) and
  retries retryable errors with exponential back-off honouring ``retry-after``, while the turn and the call's
  deadline allow; the last error says how many attempts it ended.
- :class:`Bounded` runs one request under its first-byte and whole-request limits (``policy.bounded``) and
  reports streamed progress.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from taskmaster_mcp.errors import InvalidModelOutput, ProviderError
from taskmaster_mcp.models.attempts import AttemptLimits, CircuitBreaker, attempted, bounded, retry_delay
from taskmaster_mcp.models.concurrency import SlotTimeout
from taskmaster_mcp.models.layers.base import Turn, Wrapper
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.usage import CallState


def deadline_passed(run: CallState, provider: str, model: str) -> ProviderError:
    """The error of a request not started because the call's total deadline has passed."""
    return ProviderError(
        f"gave up: total deadline of {run.settings.total_seconds:g}s reached (timeouts.totalSeconds)",
        provider=provider,
        model=model,
    )


class Breaking(Wrapper):
    """The role's outcome counted toward its model's circuit breaker."""

    def __init__(self, inner: Provider, breaker: CircuitBreaker) -> None:
        super().__init__(inner)
        self.breaker = breaker

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        try:
            completion = await self.inner.complete(request, on_chunk)
        except (ProviderError, InvalidModelOutput) as err:
            if not isinstance(err, SlotTimeout):
                self.breaker.failure(self.provider, self.model, err)
            raise
        self.breaker.success(self.provider, self.model)
        return completion


class Retrying(Wrapper):
    """Retryable errors retried on the same role within its turn (``retries``, ``timeouts.roleSeconds``)."""

    def __init__(self, inner: Provider, run: CallState, turn: Turn) -> None:
        super().__init__(inner)
        self.run, self.turn = run, turn

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, turn, settings = self.run, self.turn, self.run.settings
        retries, _ = 0, self.streams  # builds the wire adapter first: our own set-up is not the role's time
        turn.ends = time.monotonic() + settings.role_seconds  # this request's turn on the role, retries included
        while True:
            if run.deadline - time.monotonic() <= 0:
                raise deadline_passed(run, self.provider, self.model)
            try:
                return await self.inner.complete(request, on_chunk)
            except ProviderError as err:
                if isinstance(err, SlotTimeout):
                    raise
                delay = retry_delay(settings, err, retries, min(turn.ends, run.deadline))
                if delay is None:
                    raise attempted(err, retries + 1) from None
                retries += 1
                await run.say(0, f"{turn.label}: {err}; retry {retries} in {delay:.1f}s")
                await asyncio.sleep(delay)


class Bounded(Wrapper):
    """One request under the policy's limits; a timeout is a retryable ProviderError naming the setting."""

    def __init__(self, inner: Provider, run: CallState, turn: Turn) -> None:
        super().__init__(inner)
        self.run, self.turn = run, turn

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, turn = self.run, self.turn
        turn.attempts += 1
        streamed = False
        limits = AttemptLimits.of(run.settings, run.deadline, turn.ends, self.streams)

        async def on_text(received: int) -> None:
            nonlocal streamed
            await run.say(received, f"{turn.label}: received {received} characters", force=not streamed)
            streamed = True

        return await bounded(
            lambda timeout, on_event: self.inner.complete(replace(request, timeout=timeout), on_event),
            limits,
            on_text,
            self.provider,
            self.model,
        )
