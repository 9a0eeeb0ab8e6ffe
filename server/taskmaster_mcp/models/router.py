"""The role router: pick a model by role, retry, fall back, validate structured output, account for usage.

Roles (``main``, ``research``, ``fallback``) come from ``models`` in ``.taskmaster/config.json``, re-read on every
call so that ``models`` changes apply at once. API keys: the server's env, then ``<root>/.env`` (see config.py).

Our settings live in config.json under ``"taskmasterMcp"`` (every key optional; README's Configuration section
lists them all, including those read by the AI commands: ``timeouts.toolSeconds``, ``concurrency.update``,
``review.approveScore``, ``inputBudgetTokens``). The router's own::

    "fallbackOrder":  {"main": ["main", "fallback", "research"],       # role a call starts on -> roles to try
                       "research": ["research", "fallback", "main"],
                       "fallback": ["fallback", "main", "research"]},
    "commandRoles":   {"analyze_project_complexity": "fallback"},      # command -> role it starts on
    "timeouts":       {"firstByteSeconds": 15, "roleSeconds": 25,      # first streamed event / one role's turn
                       "requestSeconds": 120, "totalSeconds": 300},    # one request / one whole call
    "retries":        {"perRole": 2, "baseDelaySeconds": 1.0, "maxDelaySeconds": 8},
    "circuitBreaker": {"failures": 3, "cooldownSeconds": 60},          # skip a provider/model failing N times
    "budgets":        {"dailyUsd": 5, "monthlyUsd": 50},               # USD; absent = no limit
    "concurrency":    {"expandAll": 4}                                 # parallel model calls of expand_all

Retryable errors (429, 408, 409, 5xx, 529, timeouts, connection errors, a stream cut off) are retried on the same
role with exponential backoff that honours ``retry-after`` (capped at ``maxDelaySeconds``), within the role's turn.
Other errors (401, 403, 404, 400, exhausted quota, a malformed response), a missing key and invalid output move on
to the next role at once. Structured output is native where the catalogue says so, else JSON asked for in the
prompt; an answer that fails validation is re-asked once on the same model with the errors, then counts as that
role's failure. A model skipped by the circuit breaker is reported with the last error that tripped it; a role
still untried when ``totalSeconds`` has passed is reported as skipped and not counted against its circuit.

Timeouts. A streamed request must deliver its first event within ``firstByteSeconds``, or it is abandoned as a
retryable timeout. Once events flow, only ``requestSeconds`` and ``totalSeconds`` bound it: a slow answer that is
making progress is never cut. Each role gets ``roleSeconds`` to start answering a request, retries and back-off
included (the clock restarts for the re-ask after invalid output). When that runs out, no retry starts, no retry
wait that would end past it is taken, and the next role takes over. (Sampling answers arrive whole, so they are
bounded by ``requestSeconds`` only.) The defaults, and why:

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
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from taskmaster_mcp.errors import (
    AllProvidersFailed,
    ConfigError,
    InvalidModelOutput,
    MissingKey,
    ProviderError,
    TaskmasterError,
)
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.ledger import Entry, Ledger, error_kind
from taskmaster_mcp.models.providers import (
    ClientCache,
    Completion,
    Provider,
    Request,
    native_schema,
    provider_wire,
    resolve_base_url,
)
from taskmaster_mcp.store.config import ROLES, Config, ConfigSource, Role, RoleConfig, resolve_key
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.settings import RouterSettings, settings_from_config

__all__ = ["ModelRouter", "ProgressFn", "RoleTestResult", "RouterSettings", "Sampler", "Usage",
           "settings_from_config"]

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
Sampler = Callable[[str, str, int], Awaitable[tuple[str, str]]]
DEFAULT_MAX_TOKENS = 8192
PROGRESS_INTERVAL = 1.0
LIST_MODELS_TIMEOUT = 5.0


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


class RoleTestResult(BaseModel):
    """The outcome of a tiny request to one configured role."""

    role: str
    provider: str
    model: str
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


@dataclass
class _Run:
    """State of one router call across roles."""

    command: str
    settings: RouterSettings
    deadline: float
    progress: ProgressFn | None
    started: float = field(default_factory=time.perf_counter)
    tokens: list[int] = field(default_factory=lambda: [0, 0, 0])
    cost: float | None = 0.0
    last_report: float = float("-inf")
    streamed: bool = False  # the current attempt has reported a chunk

    def add(self, completion: Completion, cost: float | None) -> None:
        self.tokens[0] += completion.input_tokens
        self.tokens[1] += completion.output_tokens
        self.tokens[2] += completion.cached_tokens
        self.cost = None if cost is None or self.cost is None else self.cost + cost

    async def say(self, done: float, message: str, force: bool = True) -> None:
        now = time.monotonic()
        if self.progress is None or (not force and now - self.last_report < PROGRESS_INTERVAL):
            return
        self.last_report = now
        try:
            await self.progress(done, None, message)
        except Exception as exc:  # a client that stopped listening must not fail the model call
            log.debug("progress callback failed: %s", exc)


@dataclass(frozen=True)
class _Trip:
    """Failures in a row of one provider/model, for the circuit breaker."""

    count: int
    last: float  # time.monotonic() of the latest failure
    cause: str  # the latest real error, shown while the circuit skips the model


@dataclass
class _Target:
    """One role resolved to an adapter."""

    role: Role
    config: RoleConfig
    adapter: Provider
    info: catalogue.ModelInfo | None
    fallback: bool
    attempts: int = 0

    @property
    def label(self) -> str:
        return f"{self.role} {self.config.provider}/{self.config.model_id}"


def extract_json(text: str) -> str:
    """The JSON object inside a model's answer: code fences stripped, outermost ``{...}`` kept."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


def _validation_summary(err: ValidationError) -> str:
    lines = [f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()[:20]]
    return "\n".join(lines)


def _secs(seconds: float) -> str:
    return f"{round(seconds, 2):g}"


def _retry_delay(settings: RouterSettings, err: ProviderError, retries: int, until: float) -> float | None:
    """Seconds to wait before retrying ``err`` on the same role, or None to move on: not retryable, out of
    retries, or the wait would end past ``until`` (the role's turn or the call's deadline)."""
    if not err.retryable or retries >= settings.retries_per_role:
        return None
    backoff = settings.base_delay * 2**retries if err.retry_after is None else err.retry_after
    delay = min(settings.max_delay, backoff)
    return None if time.monotonic() + delay >= until else delay


def _attempted(err: ProviderError, attempts: int) -> ProviderError:
    # The last error alone can mislead ("no response within 9s" after a first wait of 15s): say it was retried.
    if attempts == 1:
        return err
    return ProviderError(f"{err} ({attempts} attempts)", provider=err.provider, model=err.model, status=err.status,
                         retryable=err.retryable, retry_after=err.retry_after)


def _tag(err: TaskmasterError, provider: str, model: str) -> TaskmasterError:
    # AllProvidersFailed names provider/model of each failure; MissingKey and InvalidModelOutput lack a model.
    if not hasattr(err, "model"):
        setattr(err, "model", model)  # noqa: B010
    if not hasattr(err, "provider"):
        setattr(err, "provider", provider)  # noqa: B010
    return err


class ModelRouter:
    """Routes AI commands to the configured roles with retries, fallback, validation and a usage ledger."""

    def __init__(self, paths: Paths, env: Mapping[str, str], *, ledger: Ledger | None = None,
                 data_dir: Path | None = None, config: Callable[[], Config] | None = None) -> None:
        self.paths = paths
        self._config = config or ConfigSource(paths).get
        self.env = dict(env)
        self.ledger = ledger or Ledger(paths.root, base_dir=data_dir, env=self.env)
        self._clients = ClientCache()
        self._failures: dict[tuple[str, str], _Trip] = {}  # (provider, model) -> its failures in a row
        self._schemas: dict[tuple[str, type[BaseModel]], dict[str, Any]] = {}

    async def generate_object(self, *, command: str, role: Role, system: str, prompt: str, schema: type[T],
                              progress: ProgressFn | None = None,
                              sampler: Sampler | None = None) -> tuple[T, Usage]:
        """Ask the role chain for an object validated against ``schema``; raise AllProvidersFailed if none can."""
        value, usage = await self._route(command, role, system, prompt, schema, progress, sampler)
        return value, usage

    async def generate_text(self, *, command: str, role: Role, system: str, prompt: str,
                            progress: ProgressFn | None = None, sampler: Sampler | None = None) -> tuple[str, Usage]:
        """Ask the role chain for free text; raise AllProvidersFailed if every role fails."""
        value, usage = await self._route(command, role, system, prompt, None, progress, sampler)
        return value, usage

    async def aclose(self) -> None:
        """Close the cached SDK clients."""
        await self._clients.aclose()

    async def list_endpoint_models(self, provider: str, base_url: str | None,
                                   timeout: float = LIST_MODELS_TIMEOUT) -> list[str]:
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
            raise ProviderError(f"{url} did not answer within {timeout:g}s; is the server running?",
                                provider=provider, model="*", retryable=True) from None

    async def _route(self, command: str, role: Role, system: str, prompt: str, schema: type[Any] | None,
                     progress: ProgressFn | None, sampler: Sampler | None) -> tuple[Any, Usage]:
        config = self._config()
        settings = settings_from_config(config)
        self.ledger.check_budget(settings.budgets)
        language = str(config.global_settings.get("responseLanguage") or "English").strip()
        if language.lower() not in ("english", "en"):
            system = f"{system}\n\nRespond in {language}."
        run = _Run(command, settings, time.monotonic() + settings.total_seconds, progress)
        failures: list[tuple[str, TaskmasterError]] = []
        notes: list[str] = []
        tried: dict[tuple[str, str, str | None], str] = {}  # provider, model, base URL -> the role that tried it
        for name in settings.fallback_order[settings.command_roles.get(command, role)]:
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
            skip = f"same model as the {tried[identity]} role, tried above" if identity in tried else \
                self._open_circuit(rc, settings)
            if skip is None and time.monotonic() >= run.deadline:  # not the model's fault: no circuit failure
                skip = f"the call's deadline (timeouts.totalSeconds = {settings.total_seconds:g}s) had passed"
            if skip is not None:
                failures.append((name, ProviderError(f"skipped: {skip}", provider=rc.provider, model=rc.model_id)))
                notes.append(f"{label}: skipped ({skip})")
                continue
            tried[identity] = name
            try:
                target = self._target(rc, config, sampler, fallback=bool(failures))
                await run.say(0, f"asking {label}")
                value, answered = await self._try_role(run, target, system, prompt, schema)
            except (ProviderError, InvalidModelOutput, ConfigError) as err:
                if isinstance(err, ProviderError | InvalidModelOutput):
                    self._circuit_failure(rc, err)
                failures.append((name, _tag(err, rc.provider, rc.model_id)))
                notes.append(f"{label}: {err}")
                await run.say(0, f"{label} failed; trying the next role")
                continue
            self._failures.pop((rc.provider, rc.model_id), None)
            usage = Usage(role=name, provider=rc.provider, model=answered.model, input_tokens=run.tokens[0],
                          output_tokens=run.tokens[1], cached_tokens=run.tokens[2],
                          cost_usd=None if run.cost is None else round(run.cost, 6),
                          latency_ms=round((time.perf_counter() - run.started) * 1000, 1), fallbacks=notes)
            return value, usage
        raise AllProvidersFailed(failures)

    def _target(self, rc: RoleConfig, config: Config, sampler: Sampler | None, *, fallback: bool) -> _Target:
        wire = provider_wire(rc.provider)
        if wire == "sampling" and sampler is None:
            raise ConfigError("the MCP client does not support sampling; choose another provider with the models "
                              "tool (setMain / setFallback), e.g. anthropic with ANTHROPIC_API_KEY in the env block.")
        key = resolve_key(rc.provider, self.env, self.paths)
        if not key.present:
            raise MissingKey(rc.provider, key.variable or "API key")
        base_url = resolve_base_url(rc.provider, rc.base_url, self.env, config.global_settings)
        adapter = self._clients.adapter(rc.provider, rc.model_id, base_url, key.value, sampler)
        info = catalogue.lookup(rc.provider, rc.model_id)
        return _Target(rc.role, rc, adapter, info, fallback)

    async def _try_role(self, run: _Run, target: _Target, system: str, prompt: str,
                        schema: type[BaseModel] | None) -> tuple[Any, Completion]:
        rc, info = target.config, target.info
        max_tokens = rc.max_tokens or DEFAULT_MAX_TOKENS
        if info is not None and info.max_output_tokens:
            max_tokens = min(max_tokens, info.max_output_tokens)
        request = Request(system=system, prompt=prompt, max_tokens=max_tokens, temperature=rc.temperature)
        if schema is None:
            return await self._call(run, target, request, None)
        wire = provider_wire(rc.provider)
        if info is not None and info.supports_structured_output and wire != "sampling":
            if (wire, schema) not in self._schemas:
                self._schemas[(wire, schema)] = native_schema(wire, schema)
            request = replace(request, json_schema=self._schemas[(wire, schema)], schema_name=schema.__name__)
        else:
            shape = json.dumps(schema.model_json_schema(), separators=(",", ":"))
            request = replace(request, prompt=f"{prompt}\n\nRespond with only a JSON object (no prose, no code "
                                              f"fences) that matches this JSON Schema:\n{shape}")
        try:
            return await self._call(run, target, request, schema)
        except _Invalid as first:
            correction = (f"That answer is not valid against the schema:\n{_validation_summary(first.error)}\n"
                          "Reply again with only the corrected JSON object.")
            try:
                return await self._call(run, target, replace(request, followup=(first.text, correction)), schema)
            except _Invalid as second:
                raise InvalidModelOutput(f"invalid output twice: {_validation_summary(second.error)[:400]}") from None

    async def _call(self, run: _Run, target: _Target, request: Request,
                    schema: type[BaseModel] | None) -> tuple[Any, Completion]:
        settings, label = run.settings, target.label
        retries = 0
        turn_ends = time.monotonic() + settings.role_seconds  # this request's turn on the role, retries included
        while True:
            if run.deadline - time.monotonic() <= 0:
                raise ProviderError(f"gave up: total deadline of {settings.total_seconds:g}s reached "
                                    "(timeouts.totalSeconds)", provider=target.config.provider,
                                    model=target.config.model_id)
            started = time.perf_counter()
            try:
                completion = await self._attempt(run, target, request, turn_ends)
            except ProviderError as err:
                self._record(run, target, None, started, error_kind(err))
                delay = _retry_delay(settings, err, retries, min(turn_ends, run.deadline))
                if delay is None:
                    raise _attempted(err, retries + 1) from None
                retries += 1
                await run.say(0, f"{label}: {err}; retry {retries} in {delay:.1f}s")
                await asyncio.sleep(delay)
                continue
            cost = catalogue.cost(target.info, completion.input_tokens, completion.output_tokens,
                                  completion.cached_tokens)
            run.add(completion, cost)
            if schema is None:
                self._record(run, target, completion, started, "ok", cost)
                return completion.text, completion
            try:
                value = schema.model_validate_json(extract_json(completion.text))
            except ValidationError as error:
                self._record(run, target, completion, started, "invalid_output", cost)
                raise _Invalid(completion.text, error) from None
            self._record(run, target, completion, started, "ok", cost)
            return value, completion

    async def _attempt(self, run: _Run, target: _Target, request: Request, turn_ends: float) -> Completion:
        """One request. Until its first streamed event it must answer within the first-byte limit and the role's
        turn; after that only the request and total limits apply. A timeout is a retryable ProviderError."""
        now, settings, label = time.monotonic(), run.settings, target.label
        whole = min((settings.request_seconds, "timeouts.requestSeconds"),
                    (run.deadline - now, "timeouts.totalSeconds"))
        first = whole if not target.adapter.streams else min(
            (settings.first_byte_seconds, "timeouts.firstByteSeconds"), (turn_ends - now, "timeouts.roleSeconds"),
            whole)
        whole_ends = asyncio.get_running_loop().time() + whole[0]
        target.attempts += 1
        run.streamed = False
        opened = False

        async def on_event(received: int) -> None:
            nonlocal opened
            if not opened:
                opened = True
                scope.reschedule(whole_ends)  # the answer is coming: a progressing stream is never cut early
            if received:
                await run.say(received, f"{label}: received {received} characters", force=not run.streamed)
                run.streamed = True

        try:
            async with asyncio.timeout(first[0]) as scope:
                return await target.adapter.complete(replace(request, timeout=whole[0]), on_event)
        except TimeoutError:
            seconds, limit = whole if opened else first
            what = "timed out while streaming after" if opened else "timed out: no response within"
            raise ProviderError(f"{what} {_secs(seconds)}s ({limit})", provider=target.config.provider,
                                model=target.config.model_id, retryable=True) from None

    def _record(self, run: _Run, target: _Target, completion: Completion | None, started: float, outcome: str,
                cost: float | None = None) -> None:
        done = completion or Completion("", target.config.model_id)
        self.ledger.record(Entry(
            ts=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), command=run.command, role=target.role,
            provider=target.config.provider, model=target.config.model_id, input_tokens=done.input_tokens,
            output_tokens=done.output_tokens, cached_tokens=done.cached_tokens,
            cost_usd=None if cost is None else round(cost, 8),
            latency_ms=round((time.perf_counter() - started) * 1000, 1), outcome=outcome,
            fallback=target.fallback, attempt=target.attempts))

    def _open_circuit(self, rc: RoleConfig, settings: RouterSettings) -> str | None:
        trip = self._failures.get((rc.provider, rc.model_id))
        if trip is None:
            return None
        waited = time.monotonic() - trip.last
        if trip.count >= settings.breaker_failures and waited < settings.breaker_cooldown:
            return (f"circuit open after {trip.count} failure{'s' if trip.count > 1 else ''} in a row "
                    f"(last: {trip.cause}); retrying it in {settings.breaker_cooldown - waited:.0f}s")
        return None

    def _circuit_failure(self, rc: RoleConfig, err: TaskmasterError) -> None:
        # Keep the real cause: once the circuit opens, the skip note is all the user sees of this model.
        trip = self._failures.get((rc.provider, rc.model_id))
        cause = str(err).split("\n", 1)[0][:200]
        self._failures[(rc.provider, rc.model_id)] = _Trip(trip.count + 1 if trip else 1, time.monotonic(), cause)

    async def test_roles(self, sampler: Sampler | None = None) -> list[RoleTestResult]:
        """Send a tiny request to each configured role (no retries, no fallback) and report ok/error + latency."""
        config = self._config()
        settings = settings_from_config(config)

        async def probe(name: Role) -> RoleTestResult | None:
            try:
                rc = config.role(name)
            except ConfigError as err:
                return RoleTestResult(role=name, provider="?", model="?", ok=False, error=str(err))
            if rc is None:
                return None
            run = _Run("test_roles", replace(settings, retries_per_role=0, request_seconds=min(
                settings.request_seconds, 30.0)), time.monotonic() + 30.0, None)
            started = time.perf_counter()
            try:
                target = self._target(rc, config, sampler, fallback=False)
                request = Request(system="This is a connectivity check.", prompt="Reply with the word OK.",
                                  max_tokens=16, temperature=rc.temperature)
                await self._call(run, target, request, None)
            except (ProviderError, ConfigError) as err:
                return RoleTestResult(role=name, provider=rc.provider, model=rc.model_id, ok=False, error=str(err))
            return RoleTestResult(role=name, provider=rc.provider, model=rc.model_id, ok=True,
                                  latency_ms=round((time.perf_counter() - started) * 1000, 1))

        results = await asyncio.gather(*(probe(name) for name in ROLES))
        return [r for r in results if r is not None]


class _Invalid(Exception):
    """An answer that failed schema validation (internal: triggers the one re-ask)."""

    def __init__(self, text: str, error: ValidationError) -> None:
        super().__init__(str(error))
        self.text = text
        self.error = error
