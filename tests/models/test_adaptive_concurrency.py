"""Adaptive concurrency (models/concurrency.py): the AIMD limiter alone, then end to end through the router and
expand_all against a scripted provider that answers 429 when too many requests are in flight."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front so the first call does not pay for it

from ai_helpers import ai_env
from ai_samples import pending_project, plan, scores
from mcp_helpers import connected, ok
from provider_server import CHAT, MESSAGES, ProviderServer, Reply, write_config
from taskmaster_mcp.errors import AllProvidersFailed, ProviderError
from taskmaster_mcp.mcp_server.state import AppState
from taskmaster_mcp.models.concurrency import AdaptiveLimiter, Limiters, launch_width
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.store.config import load_config
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.settings import RouterSettings, settings_from_config

MODEL = "claude-sonnet-4-20250514"
FAR = float("inf")


def overload(retry_after: float | None = None) -> ProviderError:
    return ProviderError(
        "429 rate limited", provider="anthropic", model=MODEL, status=429, retryable=True, retry_after=retry_after
    )


async def admit(limiter: AdaptiveLimiter, count: int) -> list[Any]:
    return [await limiter.acquire(FAR, "anthropic", MODEL) for _ in range(count)]


async def test_the_limit_doubles_each_round_of_successes_until_the_maximum() -> None:
    limiter = AdaptiveLimiter(limit=4.0, maximum=10)
    for slot in await admit(limiter, 4):
        slot.succeeded()
    assert limiter.capacity == 8
    for slot in await admit(limiter, 8):
        slot.succeeded()
    assert limiter.capacity == 10 and limiter.peak == 8


async def test_requests_rejected_together_halve_the_limit_once_and_growth_then_slows() -> None:
    limiter = AdaptiveLimiter(limit=8.0, maximum=16)
    slots = await admit(limiter, 8)
    ours = [slot.failed(overload()) for slot in slots[6:]]
    assert ours == [True, True]  # other requests were in flight: our own doing
    assert limiter.capacity == 4 and limiter.decreases == 1
    for slot in slots[:6]:
        slot.succeeded()
    assert 5 <= limiter.limit < 6  # one per round trip now, not one per success
    assert limiter.in_flight == 0


async def test_the_limit_never_drops_below_one_and_a_lone_429_is_the_providers() -> None:
    limiter = AdaptiveLimiter(limit=2.0, maximum=16)
    for _ in range(3):
        [slot] = await admit(limiter, 1)
        assert slot.failed(overload()) is False  # nothing else in flight: the provider's limit, not ours
    assert limiter.capacity == 1 and limiter.decreases == 3


async def test_a_full_limiter_queues_requests_until_a_slot_is_released() -> None:
    limiter = AdaptiveLimiter(limit=1.0, maximum=1)
    [first] = await admit(limiter, 1)
    waiting = asyncio.create_task(limiter.acquire(FAR, "anthropic", MODEL))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done() and limiter.in_flight == 1
    first.abandon()
    second = await asyncio.wait_for(waiting, timeout=5)
    assert limiter.in_flight == 1 and second.others == 0
    second.abandon()
    second.succeeded()  # a slot is released once only
    assert limiter.in_flight == 0 and limiter.capacity == 1


async def test_retry_after_pauses_admission_and_the_wait_is_bounded_by_the_deadline() -> None:
    limiter = AdaptiveLimiter(limit=4.0, maximum=4)
    first, second = await admit(limiter, 2)
    second.failed(overload(retry_after=600))
    first.succeeded()
    assert limiter.paused_until > time.monotonic() + 500
    try:
        await limiter.acquire(time.monotonic() + 0.05, "anthropic", MODEL)
    except ProviderError as err:
        assert "gave up waiting" in str(err) and "timeouts.totalSeconds" in str(err)
    else:
        raise AssertionError("a paused limiter admitted a request")


async def test_an_overload_without_retry_after_pauses_admission_for_the_base_delay() -> None:
    limiter = AdaptiveLimiter(limit=4.0, maximum=4, backoff=600.0)
    first, second = await admit(limiter, 2)
    assert second.failed(overload()) is True
    first.succeeded()
    assert limiter.paused_until > time.monotonic() + 500


async def test_without_adaptation_the_limit_stays_fixed_and_429s_are_not_retried_for_free() -> None:
    limiter = AdaptiveLimiter(limit=3.0, maximum=16, adaptive=False)
    slots = await admit(limiter, 3)
    assert slots[2].failed(overload()) is False
    slots[0].succeeded()
    assert limiter.capacity == 3


def test_settings_start_at_expand_all_for_compatibility_and_cap_at_max(tmp_path: Path) -> None:
    def settings(concurrency: dict[str, Any]) -> RouterSettings:
        write_config(tmp_path, {}, {"concurrency": concurrency})
        return settings_from_config(load_config(Paths(tmp_path)))

    assert (settings({}).concurrency_start, settings({}).concurrency_max, settings({}).adaptive) == (8, 16, True)
    assert settings({"expandAll": 3}).concurrency_start == 3
    assert settings({"expandAll": 3, "start": 5}).concurrency_start == 5
    assert launch_width(settings({"max": 32})) == 32
    assert launch_width(settings({"adaptive": False, "start": 6})) == 6
    limiter = Limiters().get("anthropic", MODEL, None, settings({"start": 40, "max": 10}))
    assert limiter.capacity == 10


def busy_project(root: Path, server: ProviderServer, ours: dict[str, Any]) -> Path:
    write_config(
        root,
        {
            "main": {"provider": "anthropic", "modelId": MODEL, "maxTokens": 1000, "baseURL": server.url},
            "fallback": {"provider": "openai", "modelId": "gpt-4o", "maxTokens": 1000, "baseURL": server.url + "/v1"},
        },
        ours,
    )
    return root


async def test_the_router_retries_429s_caused_by_its_own_concurrency_without_spending_retries(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.max_in_flight = 2
    provider_server.defaults[MESSAGES] = Reply(text="fine", delay=0.2)
    root = busy_project(tmp_path, provider_server, {"retries": {"perRole": 0}, "concurrency": {"start": 8}})
    router = ModelRouter(Paths(root), {"ANTHROPIC_API_KEY": "k", "OPENAI_API_KEY": "k"}, data_dir=tmp_path / "d")
    try:
        answers = await asyncio.gather(
            *(router.generate_text(command="c", role="main", system="s", prompt=str(n)) for n in range(8))
        )
    finally:
        await router.aclose()
    assert [text for text, _ in answers] == ["fine"] * 8
    assert all(usage.role == "main" and not usage.fallbacks for _, usage in answers)
    assert provider_server.busy_rejections >= 1 and provider_server.peak_in_flight <= 2
    assert not provider_server.seen(CHAT)  # no call fell back, though no retries were allowed
    [limiter] = router.limiters.all().values()
    assert limiter.decreases >= 1 and limiter.limit < 8
    outcomes = {entry.outcome for entry in router.ledger.entries()}
    assert "ok" in outcomes and len(outcomes) == 2  # the 429s are in the ledger as what they were


async def test_a_429_with_nothing_else_in_flight_takes_the_normal_retry_path(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.max_in_flight = 0  # every request is refused
    root = busy_project(
        tmp_path, provider_server, {"retries": {"perRole": 1, "baseDelaySeconds": 0}, "concurrency": {"start": 1}}
    )
    router = ModelRouter(Paths(root), {"ANTHROPIC_API_KEY": "k", "OPENAI_API_KEY": "k"}, data_dir=tmp_path / "d")
    try:
        await router.generate_text(command="c", role="main", system="s", prompt="p")
    except AllProvidersFailed as err:
        assert "429" in str(err) or "rate" in str(err).lower()
    else:
        raise AssertionError("a provider refusing every request did not fail the call")
    finally:
        await router.aclose()
    assert len(provider_server.seen(MESSAGES)) == 2  # one try and one retry: perRole=1, nothing for free


async def test_routers_of_one_server_share_their_limiters(tmp_path: Path, provider_server: ProviderServer) -> None:
    roots = [busy_project(tmp_path / name, provider_server, {}) for name in ("a", "b")]
    state = AppState(env={"ANTHROPIC_API_KEY": "k"}, cwd=tmp_path)
    first, second = (state.router_for(state.project_at(root)) for root in roots)
    assert first is not second and first.limiters is second.limiters
    provider_server.max_in_flight = 1
    provider_server.defaults[MESSAGES] = Reply(text="fine", delay=0.2)
    try:
        await asyncio.gather(
            *(first.generate_text(command="c", role="main", system="s", prompt=str(n)) for n in range(4))
        )
        learned = dict(second.limiters.all())
        await second.generate_text(command="c", role="main", system="s", prompt="after")
    finally:
        await state.aclose()
    [limiter] = learned.values()
    assert limiter.decreases >= 1  # the second project's calls start from what the first learned
    assert list(second.limiters.all().values()) == [limiter]


async def test_expand_all_fails_no_task_when_the_provider_allows_only_three_requests_at_once(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = pending_project(
        tmp_path / "p", provider_server, 12, ours={"retries": {"perRole": 0}, "concurrency": {"start": 8, "max": 16}}
    )
    provider_server.max_in_flight = 3
    provider_server.defaults[MESSAGES] = Reply(text=plan((1, "Design it", []), (2, "Build it", [1])), delay=0.2)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_all")
    assert data["failed"] == [] and data["remaining"] == []
    assert sorted(int(item["id"]) for item in data["expanded"]) == list(range(1, 13))
    assert data["usage"]["models"] == [f"main anthropic/{MODEL}"] and not data["usage"].get("fallbacks")
    assert not provider_server.seen(CHAT)
    assert provider_server.busy_rejections >= 1 and provider_server.peak_in_flight == 3
    stored = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert all(len(task["subtasks"]) == 2 for task in stored)


async def test_analyze_fails_no_batch_when_the_provider_takes_one_request_at_a_time(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = pending_project(tmp_path / "p", provider_server, 30, ours={"retries": {"perRole": 0}})
    provider_server.max_in_flight = 1
    provider_server.defaults[MESSAGES] = Reply(text=scores(list(range(1, 31))), delay=0.2)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "analyze_project_complexity")
    assert data["analyzed"] == 30 and data["failed"] == [], data["failed"]
    assert provider_server.busy_rejections >= 1 and provider_server.peak_in_flight == 1
    assert not provider_server.seen(CHAT)


async def test_a_call_that_waited_for_a_slot_until_its_deadline_does_not_trip_the_models_circuit(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # one slot, held by someone else: the call gives up at its deadline without sending anything. That is our own
    # queue, not the model's failure, so with circuitBreaker.failures = 1 the model is still asked next time.
    root = tmp_path / "p"
    write_config(
        root,
        {"main": {"provider": "anthropic", "modelId": MODEL, "maxTokens": 1000, "baseURL": provider_server.url}},
        {
            "concurrency": {"start": 1, "max": 1},
            "circuitBreaker": {"failures": 1},
            "timeouts": {"totalSeconds": 2},
            "cache": {"enabled": False},
        },
    )
    provider_server.defaults[MESSAGES] = Reply(text="fine")
    router = ModelRouter(Paths(root), {"ANTHROPIC_API_KEY": "k"}, data_dir=tmp_path / "d")
    try:
        await router.generate_text(command="c", role="main", system="s", prompt="warm up")
        [limiter] = router.limiters.all().values()
        held = await limiter.acquire(FAR, "anthropic", MODEL)
        try:
            await router.generate_text(command="c", role="main", system="s", prompt="queued")
        except AllProvidersFailed as err:
            assert "request slot" in str(err)
        else:
            raise AssertionError("a call with no free slot answered")
        held.succeeded()
        text, usage = await router.generate_text(command="c", role="main", system="s", prompt="after")
    finally:
        await router.aclose()
    assert (text, usage.role) == ("fine", "main")
    assert len(provider_server.seen(MESSAGES)) == 2
