"""The role router: pick a model by role, retry, fall back, validate structured output, account for usage.

Roles (``main``, ``research``, ``fallback``) come from ``models`` in ``.taskmaster/config.json``, extra roles from
``taskmasterMcp.roles``; both are re-read on every call so that ``models`` changes apply at once. Which role a call
starts on is the routing policy's answer (``routing.py``: pins, ``routing`` rules, ``commandRoles``, the default);
a weak answer may move up once to a stronger role (``escalation.py``). API keys: the server's env, then
``<root>/.env`` (see config.py).

Our settings live in config.json under ``"taskmasterMcp"`` (every key optional, all listed in README's
Configuration section, validated in ``store/settings.py``). The router reads ``fallbackOrder`` (the roles to try,
by the role a call starts on; Task Master's order by default), ``commandRoles`` (a command that starts on another
role), ``budgets`` (USD per day/month, checked before a call), and hands ``timeouts``, ``retries`` and
``circuitBreaker`` to the policy.

Retries, timeouts and the circuit breaker are the routing policy, in ``policy.py`` (its docstring gives every
default and why). Errors that are not retryable (401, 403, 404, 400, exhausted quota, a malformed response), a
missing key or an unusable provider, and invalid output move on to the next role at once. Structured output is
native where the catalogue says so, else JSON asked for in the prompt; an answer that fails validation is re-asked
once on the same model with the errors, then counts as that role's failure. A model skipped by the circuit breaker
is reported with the last error that tripped it; a role still untried when ``totalSeconds`` has passed is reported
as skipped and not counted against its circuit.

Usage and cost accounting (subscription CLI agents cost 0 per call, unknown prices stay unknown) is in
``usage.py``; provider clients are built once per router (``clients.py``). Every ledger entry carries the caller's
``prompt_version`` (template ids); with ``TASKMASTER_MCP_RECORD`` in the env, each answered request and its validated
answer is also saved for offline replay (``recording.py``).

Cost: per-command caps, warnings past ``budgets.warnAt`` and user prices are ``spend.py``; an identical request is
answered from the response cache (``response_cache.py``, checked per role before any request, ``fresh`` skips it;
a hit takes no limiter slot and neither opens nor closes the model's circuit: no request was sent);
the stable prefix of a prompt is marked for the provider's prompt cache (``prompt_cache.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from taskmaster_mcp.errors import (
    AllProvidersFailed,
    ConfigError,
    InvalidModelOutput,
    MissingKey,
    ProviderError,
    TaskmasterError,
)
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.concurrency import AdaptiveLimiter, Limiters, SlotTimeout
from taskmaster_mcp.models.credentials import provider_env
from taskmaster_mcp.models.escalation import Climb, escalate_next
from taskmaster_mcp.models.ledger import Entry, Ledger, error_kind
from taskmaster_mcp.models.policy import AttemptLimits, CircuitBreaker, attempted, bounded, retry_delay
from taskmaster_mcp.models.providers import Completion, Provider, Request
from taskmaster_mcp.models.recording import Recorder, Recording
from taskmaster_mcp.models.registry import provider_wire, resolve_base_url, resolve_key
from taskmaster_mcp.models.response_cache import ResponseCache, default_cache_dir, request_key
from taskmaster_mcp.models.routing import TaskFacts, choose, policy_of
from taskmaster_mcp.models.spend import SpendGuard, user_price
from taskmaster_mcp.models.structured import Invalid, SchemaCache, correction, extract_json, parse, validation_summary
from taskmaster_mcp.models.usage import CallState, ProgressFn, Usage, cost_of
from taskmaster_mcp.models.wires.clients import ClientCache, ProviderSetup
from taskmaster_mcp.store.config import ROLES, Config, ConfigSource, RoleConfig
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.settings import (
    RouterSettings,
    cache_settings,
    cost_controls,
    extra_chain,
    settings_from_config,
)

__all__ = [
    "ModelRouter",
    "ProgressFn",
    "RoleTestResult",
    "RouterSettings",
    "Sampler",
    "Usage",
    "extract_json",
    "settings_from_config",
]

T = TypeVar("T", bound=BaseModel)
Sampler = Callable[[str, str, int], Awaitable[tuple[str, str]]]
DEFAULT_MAX_TOKENS = 8192
LIST_MODELS_TIMEOUT = 5.0


class RoleTestResult(BaseModel):
    """The outcome of a tiny request to one configured role."""

    role: str
    provider: str
    model: str
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


@dataclass
class _Target:
    """One role resolved to an adapter, built on first use (an answer from the response cache needs no SDK)."""

    role: str
    config: RoleConfig
    build: Callable[[], Provider]
    info: catalogue.ModelInfo | None
    fallback: bool
    attempts: int = 0
    limiter: AdaptiveLimiter | None = None  # paces requests to this provider/model (models/concurrency.py)
    base_url: str | None = None
    built: Provider | None = None

    @property
    def adapter(self) -> Provider:
        if self.built is None:
            self.built = self.build()
        return self.built

    escalation: str = ""  # why the call escalated to this role (for the ledger), when it did

    @property
    def label(self) -> str:
        return f"{self.role} {self.config.provider}/{self.config.model_id}"


def _tag(err: TaskmasterError, provider: str, model: str) -> TaskmasterError:
    # AllProvidersFailed names provider/model of each failure; MissingKey and InvalidModelOutput lack a model.
    if not hasattr(err, "model"):
        setattr(err, "model", model)  # noqa: B010
    if not hasattr(err, "provider"):
        setattr(err, "provider", provider)  # noqa: B010
    return err


class ModelRouter:
    """Routes AI commands to the configured roles with retries, fallback, validation and a usage ledger."""

    def __init__(
        self,
        paths: Paths,
        env: Mapping[str, str],
        *,
        ledger: Ledger | None = None,
        data_dir: Path | None = None,
        config: Callable[[], Config] | None = None,
        limiters: Limiters | None = None,
    ) -> None:
        self.paths = paths
        self._config = config or ConfigSource(paths).get
        self.env = dict(env)
        self.ledger = ledger or Ledger(paths.root, base_dir=data_dir, env=self.env)
        self._clients = ClientCache()
        self._breaker = CircuitBreaker()
        self._schemas = SchemaCache()
        self._recorder = Recorder.from_env(self.env)
        self.limiters = limiters or Limiters()  # the server shares one registry across its routers
        self._responses = ResponseCache(default_cache_dir(self.env))
        self._guard = SpendGuard(self.ledger)

    async def generate_object(
        self,
        *,
        command: str,
        role: str,
        system: str,
        prompt: str,
        schema: type[T],
        progress: ProgressFn | None = None,
        sampler: Sampler | None = None,
        prompt_version: str = "",
        fresh: bool = False,
        prefix: str = "",
        task: TaskFacts | None = None,
    ) -> tuple[T, Usage]:
        """Ask the role chain for an object validated against ``schema``; raise AllProvidersFailed if none can.

        ``role`` is the command's default role (any configured role name); the routing policy may start the call
        elsewhere, from ``command`` and ``task`` (the facts of the task the call is about, see models/routing.py).
        ``prompt_version`` names the templates (``name@version``) the prompt came from, for the ledger; ``fresh``
        skips the response cache (a new answer is still stored); ``prefix`` is the stable start of the prompt, shared
        by many calls, sent before ``prompt`` and marked for the provider's prompt cache (``prompt_cache.py``).
        """
        value, usage = await self._route(
            command, role, system, prompt, schema, progress, sampler, prompt_version, fresh, prefix, task
        )
        return value, usage

    async def generate_text(
        self,
        *,
        command: str,
        role: str,
        system: str,
        prompt: str,
        progress: ProgressFn | None = None,
        sampler: Sampler | None = None,
        prompt_version: str = "",
        fresh: bool = False,
        prefix: str = "",
        task: TaskFacts | None = None,
    ) -> tuple[str, Usage]:
        """Ask the role chain for free text; raise AllProvidersFailed if every role fails."""
        value, usage = await self._route(
            command, role, system, prompt, None, progress, sampler, prompt_version, fresh, prefix, task
        )
        return value, usage

    async def aclose(self) -> None:
        """Close the cached SDK clients."""
        await self._clients.aclose()

    async def list_endpoint_models(
        self, provider: str, base_url: str | None, timeout: float = LIST_MODELS_TIMEOUT
    ) -> list[str]:
        """Model ids an OpenAI-compatible endpoint serves (ollama, lmstudio, openrouter), with a short timeout."""
        config = self._config()
        url = resolve_base_url(provider, base_url, self.env, config.global_settings)
        if url is None:
            raise ConfigError(f"provider '{provider}' has no endpoint to list models from.")
        key = resolve_key(provider, self.env, self.paths)
        try:
            async with asyncio.timeout(timeout):
                return await self._clients.list_models(provider, url, key.value)
        except TimeoutError:
            raise ProviderError(
                f"{url} did not answer within {timeout:g}s; is the server running?",
                provider=provider,
                model="*",
                retryable=True,
            ) from None

    async def _route(
        self,
        command: str,
        role: str,
        system: str,
        prompt: str,
        schema: type[Any] | None,
        progress: ProgressFn | None,
        sampler: Sampler | None,
        prompt_version: str = "",
        fresh: bool = False,
        prefix: str = "",
        task: TaskFacts | None = None,
    ) -> tuple[Any, Usage]:
        config = self._config()
        settings = settings_from_config(config)
        controls = cost_controls(config)
        policy = policy_of(config, settings)
        route = choose(policy, command, role, task, config.role_names())
        if route.role not in ROLES:  # a broken extra role is the user's config to fix, not a model to fall back from
            config.role(route.role)  # ConfigError naming the key (Task Master's roles keep their run-time fallback)
        self._guard.check(command, settings.budgets, controls)  # daily/monthly budgets, per-command caps (spend.py)
        language = str(config.global_settings.get("responseLanguage") or "English").strip()
        if language.lower() not in ("english", "en"):
            system = f"{system}\n\nRespond in {language}."
        run = CallState(
            command, settings, time.monotonic() + settings.total_seconds, progress, prompt_version=prompt_version
        )
        run.cache, run.fresh, run.cache_prefix, prompt = cache_settings(config), fresh, len(prefix), prefix + prompt
        chain = settings.fallback_order.get(route.role) or extra_chain(route.role)
        climb = Climb.of(config, policy, route.role, chain)
        value, usage = await self._chain(run, config, chain, system, prompt, schema, sampler, climb)
        if climb is not None:
            value, usage = await climb.settle(
                value,
                usage,
                run.deadline,
                lambda to, why: self._chain(run, config, (to,), system, prompt, schema, sampler, None, why),
            )
        usage.route = route.reason
        usage.warnings = self._guard.warnings(command, settings.budgets, controls, usage)
        return value, usage

    async def _chain(
        self,
        run: CallState,
        config: Config,
        chain: tuple[str, ...],
        system: str,
        prompt: str,
        schema: type[Any] | None,
        sampler: Sampler | None,
        climb: Climb | None,
        escalation: str = "",
    ) -> tuple[Any, Usage]:
        """Try the roles of ``chain`` in order until one answers (escalating after invalid output per ``climb``).

        ``escalation`` marks every role of this chain as an escalation (the low-confidence second ask).
        """
        command, settings, prompt_version = run.command, run.settings, run.prompt_version
        failures: list[tuple[str, TaskmasterError]] = []
        notes: list[str] = []
        tried: dict[tuple[str, str, str | None], str] = {}  # provider, model, base URL -> the role that tried it
        queue = list(chain)
        escalated: dict[str, str] = dict.fromkeys(chain, escalation) if escalation else {}
        for position, name in enumerate(queue):  # escalate_next may reorder the roles after ``position``
            try:
                rc = config.role(name)
            except ConfigError as err:
                failures.append((name, err))
                notes.append(f"{name}: {err}")
                continue
            if rc is None:
                continue
            label = f"{name} {rc.provider}/{rc.model_id}"
            identity = (rc.provider, rc.model_id, rc.base_url)
            skip = (
                f"same model as the {tried[identity]} role, tried above"
                if identity in tried
                else self._breaker.open_reason(rc.provider, rc.model_id, settings)
            )
            if skip is None and time.monotonic() >= run.deadline:  # not the model's fault: no circuit failure
                skip = f"the call's deadline (timeouts.totalSeconds = {settings.total_seconds:g}s) had passed"
            if skip is not None:
                failures.append((name, ProviderError(f"skipped: {skip}", provider=rc.provider, model=rc.model_id)))
                notes.append(f"{label}: skipped ({skip})")
                continue
            tried[identity] = name
            try:
                target = self._target(rc, config, sampler, fallback=bool(failures))
                target.escalation = escalated.get(name, "")
                await run.say(0, f"asking {label}")
                run.cache_hit = None  # per answer: a cached weak answer escalated to a live one is not a hit
                value, answered = await self._try_role(run, target, system, prompt, schema)
            except (ProviderError, InvalidModelOutput, ConfigError) as err:
                if isinstance(err, ProviderError | InvalidModelOutput) and not isinstance(err, SlotTimeout):
                    self._breaker.failure(rc.provider, rc.model_id, err)
                failures.append((name, _tag(err, rc.provider, rc.model_id)))
                notes.append(f"{label}: {err}")
                if climb is not None and position == 0 and isinstance(err, InvalidModelOutput):
                    escalate_next(queue, position, climb.to)
                    escalated[climb.to] = climb.invalid_reason()
                await run.say(0, f"{label} failed; trying the next role")
                continue
            if run.cache_hit is None:  # a cached answer sent no request: it says nothing about the model's health
                self._breaker.success(rc.provider, rc.model_id)
            if self._recorder is not None:
                self._recorder.save(
                    Recording(
                        prompt_version,
                        command,
                        name,
                        rc.provider,
                        rc.model_id,
                        "" if schema is None else schema.__name__,
                        system,
                        prompt,
                        value if schema is None else value.model_dump(mode="json"),
                    )
                )
            usage = Usage(
                role=name,
                provider=rc.provider,
                model=answered.model,
                input_tokens=run.tokens[0],
                output_tokens=run.tokens[1],
                cached_tokens=run.tokens[2],
                cost_usd=None if run.cost is None else round(run.cost, 6),
                latency_ms=round((time.perf_counter() - run.started) * 1000, 1),
                fallbacks=notes,
                escalated=escalated.get(name) or None,
                cache_saved_at=run.cache_hit,
            )
            return value, usage
        raise AllProvidersFailed(failures)

    def _target(self, rc: RoleConfig, config: Config, sampler: Sampler | None, *, fallback: bool) -> _Target:
        wire = provider_wire(rc.provider)
        if wire == "sampling" and sampler is None:
            raise ConfigError(
                "the MCP client does not support sampling; choose another provider with the models "
                "tool (setMain / setFallback), e.g. anthropic with ANTHROPIC_API_KEY in the env block."
            )
        key = resolve_key(rc.provider, self.env, self.paths)
        if not key.present:
            raise MissingKey(rc.provider, key.variable or "API key")
        base_url = resolve_base_url(rc.provider, rc.base_url, self.env, config.global_settings)
        setup = ProviderSetup(provider_env(self.env, self.paths), config.raw, str(self.paths.root))

        def build() -> Provider:
            return self._clients.adapter(rc.provider, rc.model_id, base_url, key.value, sampler, setup)

        info = user_price(
            catalogue.lookup(rc.provider, rc.model_id), rc.provider, rc.model_id, rc.role, cost_controls(config).prices
        )
        limiter = self.limiters.get(rc.provider, rc.model_id, base_url, settings_from_config(config), wire)
        return _Target(rc.role, rc, build, info, fallback, base_url=base_url, limiter=limiter)

    async def _try_role(
        self, run: CallState, target: _Target, system: str, prompt: str, schema: type[BaseModel] | None
    ) -> tuple[Any, Completion]:
        """Answer from the response cache (``response_cache.py``) when it can, else ask the role and store."""
        rc, info, key, started = target.config, target.info, "", time.perf_counter()
        request = self._request(run, target, system, prompt)
        if run.cache is not None and run.cache.enabled:
            key = request_key(
                rc.provider, rc.model_id, target.base_url, request, schema, self._schemas.native(rc.provider, info)
            )
            hit = None if run.fresh else self._responses.get(key, run.cache, schema)
            if hit is not None:
                run.cache_hit = hit.saved_at
                self._record(run, target, None, started, "cache_hit", 0.0)
                return hit.value, Completion("", hit.model or rc.model_id)  # no tokens: the run costs 0
        if schema is not None:
            request = self._schemas.ask(request, rc.provider, info, schema)
        value, completion = await self._ask_role(run, target, request, schema)
        if key and run.cache is not None:
            self._responses.put(key, value, completion, run.cache)
        return value, completion

    def _request(self, run: CallState, target: _Target, system: str, prompt: str) -> Request:
        rc, info = target.config, target.info
        max_tokens = rc.max_tokens or DEFAULT_MAX_TOKENS
        if info is not None and info.max_output_tokens:
            max_tokens = min(max_tokens, info.max_output_tokens)
        return Request(
            system=system,
            prompt=prompt,
            max_tokens=max_tokens,
            temperature=rc.temperature,
            cache_prefix=run.cache_prefix,
        )

    async def _ask_role(
        self, run: CallState, target: _Target, request: Request, schema: type[BaseModel] | None
    ) -> tuple[Any, Completion]:
        if schema is None:
            return await self._call(run, target, request, None)
        try:
            return await self._call(run, target, request, schema)
        except Invalid as first:
            try:
                return await self._call(run, target, replace(request, followup=(first.text, correction(first))), schema)
            except Invalid as second:
                raise InvalidModelOutput(f"invalid output twice: {validation_summary(second.error)[:400]}") from None

    async def _call(
        self, run: CallState, target: _Target, request: Request, schema: type[BaseModel] | None
    ) -> tuple[Any, Completion]:
        settings, label = run.settings, target.label
        retries = 0
        turn_ends = time.monotonic() + settings.role_seconds  # this request's turn on the role, retries included
        while True:
            if run.deadline - time.monotonic() <= 0:
                raise ProviderError(
                    f"gave up: total deadline of {settings.total_seconds:g}s reached (timeouts.totalSeconds)",
                    provider=target.config.provider,
                    model=target.config.model_id,
                )
            slot = target.limiter and await target.limiter.acquire(
                run.deadline, target.config.provider, target.config.model_id
            )
            turn_ends += slot.waited if slot else 0.0  # queueing for a slot is not the role's time
            started = time.perf_counter()
            try:
                completion = await self._attempt(run, target, request, turn_ends)
                if slot:
                    slot.succeeded()
            except ProviderError as err:
                self._record(run, target, None, started, error_kind(err))
                if slot and slot.failed(err):  # our own concurrency: the limiter slowed down; retry at no cost
                    await run.say(0, f"{label}: {err}; sending fewer requests at once and retrying")
                    continue
                delay = retry_delay(settings, err, retries, min(turn_ends, run.deadline))
                if delay is None:
                    raise attempted(err, retries + 1) from None
                retries += 1
                await run.say(0, f"{label}: {err}; retry {retries} in {delay:.1f}s")
                await asyncio.sleep(delay)
                continue
            finally:
                if slot:
                    slot.abandon()  # cancelled or not a provider error; no-op once released
            cost = cost_of(target.info, completion)
            run.add(completion, cost)
            try:
                value = completion.text if schema is None else parse(schema, completion.text)
            except Invalid:
                self._record(run, target, completion, started, "invalid_output", cost)
                raise
            self._record(run, target, completion, started, "ok", cost)
            return value, completion

    async def _attempt(self, run: CallState, target: _Target, request: Request, turn_ends: float) -> Completion:
        """One request under the policy's limits (``policy.bounded``); a timeout is a retryable ProviderError."""
        target.attempts += 1
        run.streamed = False
        limits = AttemptLimits.of(run.settings, run.deadline, turn_ends, target.adapter.streams)

        async def on_text(received: int) -> None:
            await run.say(received, f"{target.label}: received {received} characters", force=not run.streamed)
            run.streamed = True

        return await bounded(
            lambda timeout, on_event: target.adapter.complete(replace(request, timeout=timeout), on_event),
            limits,
            on_text,
            target.config.provider,
            target.config.model_id,
        )

    def _record(
        self,
        run: CallState,
        target: _Target,
        completion: Completion | None,
        started: float,
        outcome: str,
        cost: float | None = None,
    ) -> None:
        done = completion or Completion("", target.config.model_id)
        self.ledger.record(
            Entry(
                ts=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                command=run.command,
                role=target.role,
                provider=target.config.provider,
                model=target.config.model_id,
                input_tokens=done.input_tokens,
                output_tokens=done.output_tokens,
                cached_tokens=done.cached_tokens,
                cost_usd=None if cost is None else round(cost, 8),
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                outcome=outcome,
                fallback=target.fallback,
                attempt=target.attempts,
                prompt=run.prompt_version,
                escalation=target.escalation,
            )
        )

    async def test_roles(self, sampler: Sampler | None = None) -> list[RoleTestResult]:
        """Send a tiny request to each configured role (no retries, no fallback) and report ok/error + latency."""
        config = self._config()
        settings = settings_from_config(config)

        async def probe(name: str) -> RoleTestResult | None:
            try:
                rc = config.role(name)
            except ConfigError as err:
                return RoleTestResult(role=name, provider="?", model="?", ok=False, error=str(err))
            if rc is None:
                return None
            run = CallState(
                "test_roles",
                replace(settings, retries_per_role=0, request_seconds=min(settings.request_seconds, 30.0)),
                time.monotonic() + 30.0,
                None,
            )
            started = time.perf_counter()
            try:
                target = self._target(rc, config, sampler, fallback=False)
                request = Request(
                    system="This is a connectivity check.",
                    prompt="Reply with the word OK.",
                    max_tokens=16,
                    temperature=rc.temperature,
                )
                await self._call(run, target, request, None)
            except (ProviderError, ConfigError) as err:
                return RoleTestResult(role=name, provider=rc.provider, model=rc.model_id, ok=False, error=str(err))
            return RoleTestResult(
                role=name,
                provider=rc.provider,
                model=rc.model_id,
                ok=True,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
            )

        results = await asyncio.gather(*(probe(name) for name in config.role_names()))
        return [r for r in results if r is not None]
