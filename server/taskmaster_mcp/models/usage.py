"""What a routed call used: its tokens and cost across every answer, the :class:`Usage` it reports, and progress.

Cost is the catalogue's price times the tokens used, or None (unknown) when a price is unknown; once any answer of
a call has an unknown cost, the call's total is unknown too (never an undercount). An answer's ``billing`` can
override the catalogue: ``subscription`` (a CLI agent on a flat-rate plan) costs 0 per call, ``unknown`` (a CLI
agent on an API key we cannot price) is None.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.prompt_cache import write_premium
from taskmaster_mcp.models.providers import Completion
from taskmaster_mcp.store.settings import CacheSettings, CostControls, RouterSettings

log = logging.getLogger(__name__)
ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
PROGRESS_INTERVAL = 1.0


class Usage(BaseModel):
    """What one router call used: the answering role/model, tokens and cost of every call made, roles given up."""

    role: str
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0
    fallbacks: list[str] = []
    cache_saved_at: str | None = None  # set when the answer came from the response cache: when it was stored
    warnings: list[str] = []  # budgets past budgets.warnAt, a cost that counts against no budget (spend.py)
    route: str = (
        ""  # why the call started on its role (models/routing/rules.py), e.g. "routing[1]: complexity 2 ≤ 3 → fast"
    )
    escalated: str | None = None  # why it moved up to a stronger role (models/escalation.py), when it did
    normalised: list[str] = []  # benign deviations of the answer that were mended (models/normalise.py)


def cost_of(info: catalogue.ModelInfo | None, completion: Completion) -> float | None:
    """USD cost of one answer: 0 on a flat-rate plan, None (unknown) when billed at rates we do not know."""
    if completion.billing == "subscription":
        return 0.0
    if completion.billing == "unknown":
        return None
    total = catalogue.cost(info, completion.input_tokens, completion.output_tokens, completion.cached_tokens)
    if total is None or info is None:
        return total
    return total + write_premium(info.input_price, completion.cache_write_tokens)


@dataclass
class CallState:
    """One routed call across roles: the tokens and cost of every answer so far, and its progress reports."""

    command: str
    settings: RouterSettings
    deadline: float
    progress: ProgressFn | None
    started: float = field(default_factory=time.perf_counter)
    tokens: list[int] = field(default_factory=lambda: [0, 0, 0])
    cost: float | None = 0.0
    last_report: float = float("-inf")
    prompt_version: str = ""  # the templates the prompt came from, for the ledger
    cache: CacheSettings | None = None  # the response cache's settings (None: not used)
    fresh: bool = False  # skip the response cache for this call
    controls: CostControls = field(default_factory=CostControls)  # budgets per command, user prices, warnAt

    def expired(self) -> bool:
        """The call's total deadline has passed."""
        return time.monotonic() >= self.deadline

    def add(self, completion: Completion, cost: float | None) -> None:
        """Count one answer's tokens and cost (an unknown cost makes the total unknown)."""
        self.tokens[0] += completion.input_tokens
        self.tokens[1] += completion.output_tokens
        self.tokens[2] += completion.cached_tokens
        self.cost = None if cost is None or self.cost is None else self.cost + cost

    async def say(self, done: float, message: str, force: bool = True) -> None:
        """Report progress; unforced reports at most once per PROGRESS_INTERVAL."""
        now = time.monotonic()
        if self.progress is None or (not force and now - self.last_report < PROGRESS_INTERVAL):
            return
        self.last_report = now
        try:
            await self.progress(done, None, message)
        except Exception as exc:  # a client that stopped listening must not fail the model call
            log.debug("progress callback failed: %s", exc)
