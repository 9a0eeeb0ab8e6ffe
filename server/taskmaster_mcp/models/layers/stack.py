"""One role's stack for one call: the wire adapter wrapped in every layer, outermost first::

    Recorded -> Cached -> Breaking -> Validated -> Retrying -> Warmed -> Limited -> Metered -> Parsed
    -> Bounded -> wire

So an answer from the response cache sends nothing and touches no circuit; the re-ask after invalid output gets
a fresh turn of retries; requests marking one prompt prefix wait for its first write; each retry waits for a
limiter slot; each request sent is metered (an invalid answer too); each request runs under its timeouts.
:class:`Parts` are the long-lived pieces a router owns (SDK clients, breaker, limiters, caches, ledger, the
prompt-cache gates), shared by every stack it builds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from taskmaster_mcp.errors import ConfigError, MissingKey
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.attempts import CircuitBreaker
from taskmaster_mcp.models.concurrency import Limiters
from taskmaster_mcp.models.credentials import provider_env
from taskmaster_mcp.models.layers.base import Lazy, Turn
from taskmaster_mcp.models.layers.limit import Limited
from taskmaster_mcp.models.layers.metering import Metered, ledger_entry
from taskmaster_mcp.models.layers.prompt_cache import Warmed
from taskmaster_mcp.models.layers.recording import Recorded
from taskmaster_mcp.models.layers.response_cache import Cached
from taskmaster_mcp.models.layers.retries import Bounded, Breaking, Retrying
from taskmaster_mcp.models.layers.validation import Parsed, Validated
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.providers import Provider, Request, Sampler
from taskmaster_mcp.models.recording import Recorder
from taskmaster_mcp.models.registry import provider_wire, resolve_base_url, resolve_key
from taskmaster_mcp.models.response_cache import ResponseCache, default_cache_dir, request_key
from taskmaster_mcp.models.spend import SpendGuard, user_price
from taskmaster_mcp.models.structured import SchemaCache
from taskmaster_mcp.models.usage import CallState
from taskmaster_mcp.models.wires.clients import ClientCache, ProviderSetup, sends_temperature
from taskmaster_mcp.store.config import Config, RoleConfig
from taskmaster_mcp.store.paths import Paths

DEFAULT_MAX_TOKENS = 8192
CHARS_PER_TOKEN = 4


@dataclass
class Parts:
    """What every stack of one router shares."""

    paths: Paths
    env: Mapping[str, str]
    ledger: Ledger
    limiters: Limiters
    responses: ResponseCache
    recorder: Recorder | None
    clients: ClientCache = field(default_factory=ClientCache)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    schemas: SchemaCache = field(default_factory=SchemaCache)
    guard: SpendGuard = field(init=False)
    gates: dict[str, asyncio.Event] = field(default_factory=lambda: {})  # marked prefixes written (prompt_cache)

    def __post_init__(self) -> None:
        self.guard = SpendGuard(self.ledger)  # one per router: its reservations cover every call it routes

    @classmethod
    def of(cls, paths: Paths, env: Mapping[str, str], ledger: Ledger, limiters: Limiters) -> Parts:
        """The parts of a router for ``paths`` (the response cache's folder and the recorder come from ``env``)."""
        return cls(paths, env, ledger, limiters, ResponseCache(default_cache_dir(env)), Recorder.from_env(env))

    def turn(self, run: CallState, config: Config, rc: RoleConfig, sampler: Sampler | None, fallback: bool) -> Turn:
        """The role resolved for this call: key and endpoint checked (ConfigError / MissingKey), prices known."""
        if provider_wire(rc.provider) == "sampling" and sampler is None:
            raise ConfigError(
                "the MCP client does not support sampling; choose another provider with the models "
                "tool (setMain / setFallback), e.g. anthropic with ANTHROPIC_API_KEY in the env block."
            )
        key = resolve_key(rc.provider, self.env, self.paths)
        if not key.present:
            raise MissingKey(rc.provider, key.variable or "API key")
        base_url = resolve_base_url(rc.provider, rc.base_url, self.env, config.global_settings)
        found = catalogue.lookup(rc.provider, rc.model_id)
        info = user_price(found, rc.provider, rc.model_id, rc.role, run.controls.prices)
        return Turn(rc.role, rc, info, base_url, fallback)

    def wire(self, config: Config, turn: Turn, sampler: Sampler | None) -> Provider:
        """The role's wire adapter, built on its first request."""
        rc, key = turn.config, resolve_key(turn.config.provider, self.env, self.paths).value
        setup = ProviderSetup(provider_env(self.env, self.paths), config.raw, str(self.paths.root))
        return Lazy(
            rc.provider,
            rc.model_id,
            lambda: self.clients.adapter(rc.provider, rc.model_id, turn.base_url, key, sampler, setup),
        )

    def stack(self, run: CallState, turn: Turn, wire: Provider, *, probe: bool = False) -> Provider:
        """``wire`` in every layer (``probe``: a connectivity check, without cache, validation, breaker, record)."""
        rc, info = turn.config, turn.info
        limiter = self.limiters.get(rc.provider, rc.model_id, turn.base_url, run.settings, provider_wire(rc.provider))
        model: Provider = Metered(Parsed(Bounded(wire, run, turn)), run, turn, self.ledger, self.guard)
        where = f"{rc.provider}\0{rc.model_id}\0{turn.base_url}"
        model = Retrying(Warmed(Limited(model, limiter, run, turn), self.gates, where, run.deadline), run, turn)
        if probe:
            return model
        model = Breaking(Validated(model, self.schemas, info), self.breaker)
        native, warm = self.schemas.native(rc.provider, info), sends_temperature(rc.provider, rc.model_id)
        model = Cached(
            model,
            self.responses,
            run.cache,
            lambda ask: request_key(rc.provider, rc.model_id, turn.base_url, ask, ask.output, native, warm),
            fresh=run.fresh,
            on_hit=lambda started: self.ledger.record(ledger_entry(run, turn, None, started, "cache_hit", 0.0)),
        )
        return model if self.recorder is None else Recorded(model, self.recorder, run, turn)


def for_role(request: Request, turn: Turn) -> Request:
    """``request`` with the role's limits (its maxTokens within the model's, its temperature) and its stable prefix
    marked for the prompt cache only when it reaches the model's minimum (``catalogue.min_cache_tokens``, at ~4
    characters a token): under it the provider caches nothing, so nothing is marked."""
    max_tokens = turn.config.max_tokens or DEFAULT_MAX_TOKENS
    if turn.info is not None and turn.info.max_output_tokens:
        max_tokens = min(max_tokens, turn.info.max_output_tokens)
    prefix = request.cache_prefix
    if prefix and (len(request.system) + prefix) // CHARS_PER_TOKEN < catalogue.min_cache_tokens(turn.config.model_id):
        prefix = 0
    return replace(request, max_tokens=max_tokens, temperature=turn.config.temperature, cache_prefix=prefix)
