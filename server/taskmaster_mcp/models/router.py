"""The role router: chooses the route of a call and composes the chain that answers it.

Roles (``main``, ``research``, ``fallback``) come from ``models`` in ``.taskmaster/config.json``, extra roles from
``taskmasterMcp.roles``; config.json is read once per call, so ``models`` changes apply at once, and its settings
are parsed once per call (``CallState``). Which role a call starts on is the routing policy's answer
(``routing/rules.py``: pins, ``routing`` rules, ``commandRoles``, the default); the roles tried after it are
``fallbackOrder`` (Task Master's order by default); a weak answer may move up once to a stronger role
(``routing/escalation.py``). The chain (``routing/chain.py``) tries the roles; each role is a stack of layers over
its wire adapter (``layers/stack.py``: response cache, validation and the re-ask, breaker and retries, the
concurrency limit, metering, recording); the adapters are ``wires/``, the provider facts ``registry.py``.

Budgets (``spend.py``) are checked before the call; per-command caps, warnings past ``budgets.warnAt`` and user
prices too. Usage and cost accounting is ``usage.py``; every ledger entry carries the caller's ``prompt_version``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.concurrency import Limiters
from taskmaster_mcp.models.layers.stack import Parts
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.probe import RoleTestResult, probe_roles
from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.registry import resolve_base_url, resolve_key
from taskmaster_mcp.models.routing.chain import FallbackChain
from taskmaster_mcp.models.routing.escalation import Climb
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, policy_of
from taskmaster_mcp.models.structured import extract_json
from taskmaster_mcp.models.usage import CallState, ProgressFn, Usage
from taskmaster_mcp.store.config import ROLES, Config, ConfigSource
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.secrets import safe_url
from taskmaster_mcp.store.settings import (
    RouterSettings,
    cache_settings,
    cost_controls,
    extra_chain,
    settings_from_config,
)

__all__ = ["ModelRouter", "ProgressFn", "RoleTestResult", "RouterSettings", "Sampler", "Usage", "extract_json"]
__all__ += ["settings_from_config"]

T = TypeVar("T", bound=BaseModel)
Sampler = Callable[[str, str, int], Awaitable[tuple[str, str]]]
LIST_MODELS_TIMEOUT = 5.0


@dataclass(frozen=True)
class Call:
    """What a caller asks of the router (the arguments of :meth:`ModelRouter.generate_object`)."""

    command: str
    role: str
    system: str
    prompt: str
    progress: ProgressFn | None
    sampler: Sampler | None
    prompt_version: str
    fresh: bool
    prefix: str
    task: TaskFacts | None


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
        self.limiters = limiters or Limiters()  # the server shares one registry across its routers
        self.parts = Parts.of(paths, self.env, self.ledger, self.limiters)
        self._clients = self.parts.clients
        self._guard = self.parts.guard

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

        ``role`` is the command's default role; the routing policy may start the call elsewhere, from ``command``
        and ``task`` (see routing/rules.py). ``prompt_version`` names the templates (``name@version``) for the
        ledger; ``fresh`` skips the response cache (a new answer is still stored); ``prefix`` is the stable start
        of the prompt, shared by many calls, sent before ``prompt`` and marked for the provider's prompt cache.
        """
        call = Call(command, role, system, prompt, progress, sampler, prompt_version, fresh, prefix, task)
        value, usage = await self._route(call, schema)
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
        call = Call(command, role, system, prompt, progress, sampler, prompt_version, fresh, prefix, task)
        value, usage = await self._route(call, None)
        return value, usage

    async def aclose(self) -> None:
        """Close the cached SDK clients."""
        await self.parts.clients.aclose()

    async def list_endpoint_models(
        self, provider: str, base_url: str | None, timeout: float = LIST_MODELS_TIMEOUT
    ) -> list[str]:
        """Model ids an OpenAI-compatible endpoint serves (ollama, lmstudio, openrouter), with a short timeout."""
        url = resolve_base_url(provider, base_url, self.env, self._config().global_settings)
        if url is None:
            raise ConfigError(f"provider '{provider}' has no endpoint to list models from.")
        key = resolve_key(provider, self.env, self.paths)
        try:
            async with asyncio.timeout(timeout):
                return await self.parts.clients.list_models(provider, url, key.value)
        except TimeoutError:
            raise ProviderError(
                f"{safe_url(url)} did not answer within {timeout:g}s; is the server running?",
                provider=provider,
                model="*",
                retryable=True,
            ) from None

    async def _route(self, call: Call, schema: type[Any] | None) -> tuple[Any, Usage]:
        config = self._config()
        settings, controls = settings_from_config(config), cost_controls(config)  # parsed once per call
        policy = policy_of(config, settings)
        command, sampler, system = call.command, call.sampler, call.system
        route = choose(policy, command, call.role, call.task, config.role_names())
        if route.role not in ROLES:  # a broken extra role is the user's config to fix, not a model to fall back from
            config.role(route.role)  # ConfigError naming the key (Task Master's roles keep their run-time fallback)
        self._guard.check(command, settings.budgets, controls)  # daily/monthly budgets, per-command caps (spend.py)
        language = str(config.global_settings.get("responseLanguage") or "English").strip()
        if language.lower() not in ("english", "en"):
            system = f"{system}\n\nRespond in {language}."
        deadline = time.monotonic() + settings.total_seconds
        run = CallState(command, settings, deadline, call.progress, prompt_version=call.prompt_version)
        run.cache, run.fresh, run.controls = cache_settings(config), call.fresh, controls
        request = Request(system, call.prefix + call.prompt, 0, output=schema, cache_prefix=len(call.prefix))
        roles = settings.fallback_order.get(route.role) or extra_chain(route.role)
        climb = Climb.of(config, policy, route.role, roles)
        value, usage = await FallbackChain(self.parts, run, config, roles, sampler, climb).ask(request)
        if climb is not None:

            async def stronger(to: str, why: str) -> tuple[Any, Usage]:
                chain = FallbackChain(self.parts, run, config, (to,), sampler, None, why)
                return await chain.ask(request)

            value, usage = await climb.settle(value, usage, run.deadline, stronger)
        usage.route = route.reason
        usage.warnings = self._guard.warnings(command, settings.budgets, controls, usage)
        return value, usage

    async def test_roles(self, sampler: Sampler | None = None) -> list[RoleTestResult]:
        """Send a tiny request to each configured role (no retries, no fallback) and report ok/error + latency."""
        return await probe_roles(self.parts, self._config(), sampler)
