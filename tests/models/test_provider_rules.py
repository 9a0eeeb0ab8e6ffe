"""Rules the model layer follows (issue 19 §2): what a wire sends shapes the response-cache key; one function
decides the route for the dry run and for a batch command's calls; ..."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from provider_server import MESSAGES, ProviderServer, Reply, write_config
from taskmaster_mcp.errors import BudgetExceeded, ProviderError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.concurrency import AdaptiveLimiter
from taskmaster_mcp.models.layers.base import Turn
from taskmaster_mcp.models.layers.limit import Limited
from taskmaster_mcp.models.layers.stack import for_role
from taskmaster_mcp.models.providers import ChunkFn, Completion, Request
from taskmaster_mcp.models.response_cache import request_key
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, policy_of
from taskmaster_mcp.models.usage import CallState
from taskmaster_mcp.models.wires.clients import sends_temperature
from taskmaster_mcp.store.config import Config, RoleConfig
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.settings import RouterSettings, settings_from_config

FAR = float("inf")
MAIN = "claude-sonnet-4-20250514"


def key(provider: str, model: str, temperature: float) -> str:
    ask = Request("system", "prompt", 1000, temperature=temperature)
    return request_key(provider, model, None, ask, None, False, sends_temperature(provider, model))


def test_a_temperature_the_wire_does_not_send_is_not_in_the_cache_key() -> None:
    assert key("anthropic", "claude-sonnet-4-5", 0.2) == key("anthropic", "claude-sonnet-4-5", 0.9)
    assert key("bedrock", "anthropic.claude-sonnet-4-5", 0.2) == key("bedrock", "anthropic.claude-sonnet-4-5", 0.9)
    assert key("claude-code", "sonnet", 0.2) == key("claude-code", "sonnet", 0.9)
    assert key("openai", "o3", 0.2) == key("openai", "o3", 0.9)  # reasoning models take no temperature


def test_a_temperature_the_wire_sends_is_in_the_cache_key() -> None:
    assert key("openai", "gpt-4o", 0.2) != key("openai", "gpt-4o", 0.9)
    assert key("ollama", "llama3.3", 0.2) != key("ollama", "llama3.3", 0.9)
    assert key("vertex", "gemini-2.5-flash", 0.2) != key("vertex", "gemini-2.5-flash", 0.9)


def test_a_rule_naming_the_per_item_command_routes_the_batch_commands_calls() -> None:
    fast = {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001"}
    rules = [{"command": "expand_task", "role": "fast"}, {"command": "update_task", "role": "fast"}]
    cfg = Config(raw={"models": {}, "taskmasterMcp": {"roles": {"fast": fast}, "routing": rules}})
    policy, roles, task = policy_of(cfg, settings_from_config(cfg)), cfg.role_names(), TaskFacts("1", 5, "code")
    dry_run = choose(policy, "expand_task", "main", task, roles)  # what `route` shows in its expand column
    batch = choose(policy, "expand_all", "main", task, roles)  # what expand_all's call for task 1 starts on
    assert dry_run.role == batch.role == "fast"
    assert batch.reason == "routing[0]: command expand_task (for expand_all) → fast"
    assert choose(policy, "update", "main", task, roles).role == "fast"
    assert choose(policy, "parse_prd", "main", None, roles).role == "main"


def provider_error(status: int) -> ProviderError:
    return ProviderError(f"status {status}", provider="anthropic", model="m", status=status, retryable=True)


async def test_a_529_from_a_model_that_answered_before_is_weather_and_keeps_the_limit() -> None:
    never = AdaptiveLimiter(limit=8.0, maximum=16)
    first = await never.acquire(FAR, "anthropic", "m")
    assert first.verdict(provider_error(529)) == "other"  # no answer yet: nothing says it is the provider's load
    limiter = AdaptiveLimiter(limit=8.0, maximum=16)
    for slot in [await limiter.acquire(FAR, "anthropic", "m") for _ in range(4)]:
        slot.succeeded()
    assert limiter.good == 4
    capacity = limiter.capacity
    slots = [await limiter.acquire(FAR, "anthropic", "m") for _ in range(8)]
    assert [slot.verdict(provider_error(529)) for slot in slots[2:]] == ["weather"] * 6
    assert slots[1].verdict(provider_error(503)) == "weather"
    assert limiter.capacity == capacity and limiter.decreases == 0 and limiter.paused_until == 0.0
    assert slots[0].verdict(provider_error(429)) == "other"  # nothing else of ours in flight any more
    assert limiter.decreases == 1


async def test_a_429_that_tracks_our_concurrency_still_halves_the_limit() -> None:
    limiter = AdaptiveLimiter(limit=8.0, maximum=16)
    slots = [await limiter.acquire(FAR, "anthropic", "m") for _ in range(8)]
    assert slots[7].verdict(provider_error(429)) == "ours"
    assert limiter.capacity == 4 and limiter.decreases == 1
    for slot in slots[:7]:
        slot.abandon()


async def test_a_request_refused_by_weather_backs_off_and_is_retried_within_its_turn() -> None:
    limiter = AdaptiveLimiter(limit=4.0, maximum=8, good=4)
    settings = RouterSettings(base_delay=0.01, max_delay=0.02)
    run = CallState("expand_all", settings, time.monotonic() + 30.0, None)
    rc = RoleConfig("main", "anthropic", "m", 1000, None, None)
    turn = Turn("main", rc, None, None, fallback=False, ends=time.monotonic() + 30.0)

    class Busy:
        provider, model, streams = "anthropic", "m", True
        sent = 0

        async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
            self.sent += 1
            if self.sent <= 3:
                raise provider_error(529)
            return Completion("ok", "m")

    busy = Busy()
    answer = await Limited(busy, limiter, run, turn).complete(Request("s", "p", 10))
    assert answer.text == "ok" and busy.sent == 4 and limiter.decreases == 0 and limiter.capacity == 5  # kept, grew


async def test_a_budget_is_a_hard_limit_under_concurrency(tmp_path: Path, provider_server: ProviderServer) -> None:
    cap, one = 0.05, 0.018  # claude-sonnet-4 at $3 / $15 per 1M: 1,000 in + 1,000 out = $0.018 a call
    provider_server.defaults[MESSAGES] = Reply(text="ok", usage=(1000, 1000, 0), delay=0.3)
    main = {"provider": "anthropic", "modelId": MAIN, "maxTokens": 1000, "baseURL": provider_server.url}
    write_config(tmp_path, {"main": main}, {"budgets": {"dailyUsd": cap}, "cache": {"enabled": False}})
    router = ModelRouter(Paths(tmp_path), {"ANTHROPIC_API_KEY": "sk-test"}, data_dir=tmp_path / "data")

    async def call(n: int) -> str:
        try:
            prompt = f"task {n}: " + "x" * 3000  # ~1,000 tokens, as the scripted usage says
            await router.generate_text(command="expand_all", role="main", system="s", prompt=prompt)
        except BudgetExceeded as err:
            return str(err)
        return "answered"

    outcomes = await asyncio.gather(*(call(n) for n in range(16)))
    await router.aclose()
    spent = sum(e.cost_usd or 0.0 for e in router.ledger.entries())
    assert spent <= cap + one  # all 16 passed the old check at once: $0.288 against a $0.05 cap
    assert 2 <= outcomes.count("answered") <= 3 and len(provider_server.seen(MESSAGES)) == outcomes.count("answered")
    refused = [o for o in outcomes if o != "answered"]
    assert refused and all("reserved by requests under way" in o or "budget reached" in o for o in refused)


def role_turn(model: str) -> Turn:
    return Turn("main", RoleConfig("main", "anthropic", model, 1000, None, None), None, None, fallback=False)


def test_a_stable_prefix_is_marked_only_when_it_reaches_the_models_minimum() -> None:
    def marked(model: str, prefix_chars: int) -> int:
        ask = Request("system prompt", "p" * prefix_chars + " the task", 0, cache_prefix=prefix_chars)
        return for_role(ask, role_turn(model)).cache_prefix

    assert catalogue.min_cache_tokens("claude-sonnet-4-5-20250929") == 1024
    assert catalogue.min_cache_tokens("claude-haiku-4-5-20251001") == 4096
    assert catalogue.min_cache_tokens("us.anthropic.claude-opus-4-5-20251101-v1:0") == 4096
    assert catalogue.min_cache_tokens("claude-sonnet-4-6") == 2048
    assert marked("claude-sonnet-4-5-20250929", 2000) == 0  # ~500 tokens: Anthropic would cache nothing
    assert marked("claude-sonnet-4-5-20250929", 5000) == 5000
    assert marked("claude-haiku-4-5-20251001", 5000) == 0
    assert marked("claude-haiku-4-5-20251001", 17000) == 17000


async def test_random_529s_fail_no_call_and_keep_the_limit(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.defaults[MESSAGES] = Reply(text="ok", delay=0.05)
    main = {"provider": "anthropic", "modelId": MAIN, "maxTokens": 100, "baseURL": provider_server.url}
    ours = {"cache": {"enabled": False}, "retries": {"baseDelaySeconds": 0.02, "maxDelaySeconds": 0.05}}
    write_config(tmp_path, {"main": main}, ours)
    router = ModelRouter(Paths(tmp_path), {"ANTHROPIC_API_KEY": "sk-test"}, data_dir=tmp_path / "data")
    await router.generate_text(command="expand_all", role="main", system="s", prompt="warm up")
    provider_server.weather.set(0.3)
    calls = [router.generate_text(command="expand_all", role="main", system="s", prompt=f"p{n}") for n in range(20)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    await router.aclose()
    [limiter] = router.limiters.all().values()
    assert not [r for r in results if isinstance(r, BaseException)]
    assert provider_server.weather.refused > 0 and limiter.decreases == 0
    assert all(usage.role == "main" for _, usage in (r for r in results if not isinstance(r, BaseException)))
