"""Escalation: a call that started on a weaker role moves up once to the next stronger role when its answer is weak.

Two triggers, both off unless ``taskmasterMcp.escalation`` is configured (without it, calls behave as before):

- Invalid output: the starting role's answer is still invalid after the re-ask. The next role tried is the stronger
  role (instead of the next in the fallback chain, which may be weaker); after it, the chain continues as usual.
- Low confidence: the starting role's answer is valid but its self-reported ``confidence`` (a field of the
  parse_prd, expand_task and analyze_project_complexity answers) is below ``escalation.minConfidence``. The stronger
  role is asked the same question once; its answer is used whatever its confidence. If it fails, or the call's
  deadline has passed, the first answer is kept and the usage block says why.

"Stronger" is defined in :func:`taskmaster_mcp.models.routing.rules.stronger_role`: the next role in
``escalation.order`` (weakest first) when set, else the first later role of the fallback chain whose model scores
higher in the catalogue. A call escalates at most once (per router call, i.e. per step of a command), within the
call's ``timeouts.totalSeconds``. Escalations are recorded in the ledger (``escalation`` on the entries of the
stronger role's calls) and in the result's usage block (``escalated``).

With the response cache (``response_cache.py``) each role's answer is stored under its own model's key: a
low-confidence answer served from the cache still escalates, and the stronger answer then usually comes from the
cache too, so a repeated call costs nothing. ``usage.cache_saved_at`` describes the answer kept (a cached weak answer
escalated to a live one is not a cache hit); ``fresh`` holds for the escalation as for the first ask.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.errors import AllProvidersFailed
from taskmaster_mcp.models.routing.rules import Policy, stronger_role
from taskmaster_mcp.models.usage import Usage
from taskmaster_mcp.store.config import Config

AskStronger = Callable[[str, str], Awaitable[tuple[Any, Usage]]]  # (role, why) -> the stronger role's answer


@dataclass(frozen=True)
class Climb:
    """Where a call may escalate to from its starting role, and the confidence bar."""

    start: str
    to: str
    min_confidence: float | None

    @classmethod
    def of(cls, config: Config, policy: Policy, start: str, chain: tuple[str, ...]) -> Climb | None:
        """The escalation open to a call starting on ``start``; None when escalation is off or none is stronger."""
        if policy.escalation is None:
            return None
        to = stronger_role(config, policy.escalation, start, chain)
        return None if to is None else cls(start, to, policy.escalation.min_confidence)

    def invalid_reason(self) -> str:
        """The note for an escalation after invalid output."""
        return f"invalid output after re-ask: {self.start} → {self.to}"

    def low_confidence(self, value: object) -> str | None:
        """The note when ``value`` reports a confidence under the bar, else None (no field, or no bar)."""
        if self.min_confidence is None or not isinstance(value, BaseModel):
            return None
        confidence = getattr(value, "confidence", None)
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            return None
        if confidence >= self.min_confidence:
            return None
        return f"confidence {confidence:g} < {self.min_confidence:g}: {self.start} → {self.to}"

    async def settle(self, value: Any, usage: Usage, deadline: float, ask: AskStronger) -> tuple[Any, Usage]:
        """The answer to keep: ``value``, or, when the starting role answered with low confidence, the stronger
        role's answer (asked once with ``ask``). Past the deadline, or if the stronger role fails, ``value`` stays
        and its usage says why."""
        low = self.low_confidence(value) if usage.role == self.start else None
        if low is None:
            return value, usage
        if time.monotonic() >= deadline:
            usage.fallbacks.append(f"not escalated ({low}): the call's deadline had passed")
            return value, usage
        try:
            return await ask(self.to, low)
        except AllProvidersFailed as err:
            usage.fallbacks.append(f"escalation failed ({low}); kept the first answer: {err}")
            return value, usage


def escalate_next(queue: list[str], position: int, to: str) -> None:
    """Make ``to`` the role tried right after ``position`` in ``queue`` (moved, never tried twice)."""
    rest = [name for name in queue[position + 1 :] if name != to]
    del queue[position + 1 :]
    queue.extend([to, *rest])
