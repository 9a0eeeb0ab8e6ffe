"""``models`` with ``test``: a tiny request to each configured role, through its stack without the response cache,
validation, breaker or recording, with no retries and a 30 s bound; ok or the error, and the latency."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.layers.stack import Parts, for_role
from taskmaster_mcp.models.providers import Request, Sampler
from taskmaster_mcp.models.usage import CallState
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import cost_controls, settings_from_config

PROBE_SECONDS = 30.0


class RoleTestResult(BaseModel):
    """The outcome of a tiny request to one configured role."""

    role: str
    provider: str
    model: str
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


async def probe_roles(parts: Parts, config: Config, sampler: Sampler | None) -> list[RoleTestResult]:
    """Probe every configured role at once."""
    settings = settings_from_config(config)
    quick = replace(settings, retries_per_role=0, request_seconds=min(settings.request_seconds, PROBE_SECONDS))
    controls = cost_controls(config)

    async def probe(name: str) -> RoleTestResult | None:
        try:
            rc = config.role(name)
        except ConfigError as err:
            return RoleTestResult(role=name, provider="?", model="?", ok=False, error=str(err))
        if rc is None:
            return None
        run = CallState("test_roles", quick, time.monotonic() + PROBE_SECONDS, None, controls=controls)
        started = time.perf_counter()
        request = Request("This is a connectivity check.", "Reply with the word OK.", 16)
        try:
            turn = parts.turn(run, config, rc, sampler, fallback=False)
            stack = parts.stack(run, turn, parts.wire(config, turn, sampler), probe=True)
            await stack.complete(replace(for_role(request, turn), max_tokens=16))
        except (ProviderError, ConfigError) as err:
            return RoleTestResult(role=name, provider=rc.provider, model=rc.model_id, ok=False, error=str(err))
        latency = round((time.perf_counter() - started) * 1000, 1)
        return RoleTestResult(role=name, provider=rc.provider, model=rc.model_id, ok=True, latency_ms=latency)

    results = await asyncio.gather(*(probe(name) for name in config.role_names()))
    return [r for r in results if r is not None]
