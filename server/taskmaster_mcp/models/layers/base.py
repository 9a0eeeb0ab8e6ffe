"""What every layer shares: :class:`Wrapper` (a Provider around another one, pydantic-ai's ``WrapperModel``), the
:class:`Turn` of one role in a call, and :class:`Lazy`, the wire adapter built on first use.

A layer adds one concern to the Provider it wraps and passes everything else through; the stack of one role is
built per call by ``routing/chain.py`` (cheap: a few small objects), so a layer may hold the call's state
(``usage.CallState``) and the role's :class:`Turn`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taskmaster_mcp.models.catalogue import ModelInfo
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.store.config import RoleConfig


class Wrapper:
    """A Provider that delegates to ``inner``; a layer overrides :meth:`complete`."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner

    @property
    def provider(self) -> str:
        return self.inner.provider

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def streams(self) -> bool:
        return self.inner.streams

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        return await self.inner.complete(request, on_chunk)


class Lazy:
    """The wire adapter of a role, built on its first request (an answer from the response cache needs no SDK)."""

    def __init__(self, provider: str, model: str, build: Callable[[], Provider]) -> None:
        self._provider, self._model, self._build = provider, model, build
        self._built: Provider | None = None

    @property
    def adapter(self) -> Provider:
        if self._built is None:
            self._built = self._build()
        return self._built

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def model(self) -> str:
        return self._model

    @property
    def streams(self) -> bool:
        return self.adapter.streams

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        return await self.adapter.complete(request, on_chunk)


@dataclass
class Turn:
    """One role's turn in a call: its model and prices, and the clock its retries run on."""

    role: str
    config: RoleConfig
    info: ModelInfo | None  # catalogue facts with the user's prices (spend.user_price)
    base_url: str | None
    fallback: bool  # a role before it failed
    escalation: str = ""  # why the call escalated to this role (for the ledger), when it did
    attempts: int = 0  # requests sent on this turn
    ends: float = 0.0  # monotonic: when the role's turn ends (shifted by time spent waiting for a slot)

    @property
    def label(self) -> str:
        return f"{self.role} {self.config.provider}/{self.config.model_id}"
