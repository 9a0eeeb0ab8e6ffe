"""The response-cache layer: an identical request is answered from disk (``models/response_cache.py``).

Checked before anything else of the role: a hit sends no request, takes no limiter slot and says nothing about
the model's health (its circuit is neither opened nor closed); ``fresh`` skips the lookup (the new answer is still
stored). The key is built by the caller from the request as the wire sends it (``request_key``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from taskmaster_mcp.models.layers.base import Wrapper
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.response_cache import ResponseCache
from taskmaster_mcp.store.settings import CacheSettings

HitFn = Callable[[float], None]  # told the start time (perf_counter) of a request answered from the cache


class Cached(Wrapper):
    """Answer from ``responses`` when it holds this request, else ask ``inner`` and store its validated answer."""

    def __init__(
        self,
        inner: Provider,
        responses: ResponseCache,
        settings: CacheSettings | None,
        key_of: Callable[[Request], str],
        *,
        fresh: bool = False,
        on_hit: HitFn | None = None,
    ) -> None:
        super().__init__(inner)
        self.responses, self.settings, self.key_of, self.fresh, self.on_hit = responses, settings, key_of, fresh, on_hit

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        settings = self.settings
        if settings is None or not settings.enabled:
            return await self.inner.complete(request, on_chunk)
        started = time.perf_counter()
        key = self.key_of(request)
        hit = None if self.fresh else self.responses.get(key, settings, request.output)
        if hit is not None:
            if self.on_hit is not None:
                self.on_hit(started)
            return Completion("", hit.model or self.model, value=hit.value, saved_at=hit.saved_at)  # costs 0
        completion = await self.inner.complete(request, on_chunk)
        self.responses.put(key, completion.value, completion, settings)
        return completion
