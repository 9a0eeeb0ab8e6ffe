"""The metering layer: every request sent is priced, counted into the call's usage and written to the ledger.

Cost is ``usage.cost_of`` (the catalogue's or the user's price; 0 on a subscription, unknown when billed at rates
we do not know). An answer that failed validation was still billed: it is logged as ``invalid_output`` with its
cost. Budgets: the spend guard (``models/spend.py``) reserves each request's estimated cost before it is sent and
settles it on the answer (``reserve`` / ``settle``), so concurrent requests cannot all pass one budget check.
"""

from __future__ import annotations

import time

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.catalogue import ModelInfo
from taskmaster_mcp.models.layers.base import Turn, Wrapper
from taskmaster_mcp.models.layers.validation import InvalidAnswer
from taskmaster_mcp.models.ledger import Entry, Ledger, error_kind
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.spend import SpendGuard
from taskmaster_mcp.models.usage import CallState, cost_of


def ledger_entry(
    run: CallState, turn: Turn, completion: Completion | None, started: float, outcome: str, cost: float | None
) -> Entry:
    """The ledger line of one request (or of an answer from the response cache: ``cache_hit``, cost 0)."""
    done = completion or Completion("", turn.config.model_id)
    return Entry(
        ts=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        command=run.command,
        role=turn.role,
        provider=turn.config.provider,
        model=turn.config.model_id,
        input_tokens=done.input_tokens,
        output_tokens=done.output_tokens,
        cached_tokens=done.cached_tokens,
        cost_usd=None if cost is None else round(cost, 8),
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        outcome=outcome,
        fallback=turn.fallback,
        attempt=turn.attempts,
        prompt=run.prompt_version,
        escalation=turn.escalation,
    )


def estimate(info: ModelInfo | None, request: Request) -> float:
    """An upper bound of what ``request`` can cost: its text at 3 characters a token (tokenisers average about 4),
    the output at ``max_tokens``; 0 when the price is unknown (such a call counts against no budget)."""
    chars = len(request.system) + len(request.prompt) + sum(len(text) for text in request.followup or ())
    return catalogue.cost(info, chars // 3 + 1, request.max_tokens, 0) or 0.0


class Metered(Wrapper):
    """Each request's cost reserved before it is sent, then priced, counted and logged."""

    def __init__(self, inner: Provider, run: CallState, turn: Turn, ledger: Ledger, guard: SpendGuard) -> None:
        super().__init__(inner)
        self.run, self.turn, self.ledger, self.guard = run, turn, ledger, guard

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, turn = self.run, self.turn
        usd = estimate(turn.info, request)
        hold = await self.guard.reserve(run.command, run.settings.budgets, run.controls, usd, run.deadline)
        try:
            return await self._send(request, on_chunk)
        finally:
            self.guard.settle(hold)

    async def _send(self, request: Request, on_chunk: ChunkFn | None) -> Completion:
        run, turn = self.run, self.turn
        started = time.perf_counter()
        try:
            completion = await self.inner.complete(request, on_chunk)
        except ProviderError as err:
            self.ledger.record(ledger_entry(run, turn, None, started, error_kind(err), None))
            raise
        except InvalidAnswer as invalid:
            cost = cost_of(turn.info, invalid.completion)
            run.add(invalid.completion, cost)
            self.ledger.record(ledger_entry(run, turn, invalid.completion, started, "invalid_output", cost))
            raise
        cost = cost_of(turn.info, completion)
        run.add(completion, cost)
        self.ledger.record(ledger_entry(run, turn, completion, started, "ok", cost))
        return completion
