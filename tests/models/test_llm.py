"""The role router end to end: real SDKs, scripted server, real config files, real ledger in tmp_path."""

from __future__ import annotations

import asyncio
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from provider_server import CHAT, MESSAGES, ProviderServer, Reply, closed_port_url, write_config
from taskmaster_mcp.errors import AllProvidersFailed, BudgetExceeded, ConfigError
from taskmaster_mcp.models.ledger import Entry
from taskmaster_mcp.models.router import ModelRouter, extract_json
from taskmaster_mcp.store.config import load_config
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.settings import settings_from_config

ENV = {"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-openai-test"}
FAST = {"retries": {"perRole": 2, "baseDelaySeconds": 0, "maxDelaySeconds": 0.05}}
MAIN_MODEL = "claude-sonnet-4-20250514"
FALLBACK_MODEL = "gpt-4o"


class Plan(BaseModel):
    title: str
    steps: list[str]


def roles(server: ProviderServer, **overrides: dict[str, Any]) -> dict[str, Any]:
    models: dict[str, Any] = {
        "main": {"provider": "anthropic", "modelId": MAIN_MODEL, "maxTokens": 1000, "baseURL": server.url},
        "fallback": {"provider": "openai", "modelId": FALLBACK_MODEL, "maxTokens": 1000, "baseURL": server.url + "/v1"},
        "research": {"provider": "openai", "modelId": "o3", "maxTokens": 1000, "baseURL": server.url + "/v1"},
    }
    models.update(overrides)
    return models


def router(
    tmp_path: Path,
    server: ProviderServer,
    ours: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    **overrides: Any,
) -> ModelRouter:
    # These tests pin routing, so identical requests must reach the server: the response cache is off here
    # (tests/models/test_response_cache.py pins it).
    write_config(tmp_path, roles(server, **overrides), {**FAST, "cache": {"enabled": False}, **(ours or {})})
    return ModelRouter(Paths(tmp_path), ENV if env is None else env, data_dir=tmp_path / "data")


def ledger_lines(r: ModelRouter) -> list[Entry]:
    return r.ledger.entries()


async def test_main_role_answers_text_and_the_call_is_in_the_ledger(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(MESSAGES, Reply(text="hello", usage=(1000, 100, 0)))
    r = router(tmp_path, provider_server)
    text, usage = await r.generate_text(command="research", role="main", system="s", prompt="p")
    await r.aclose()
    assert text == "hello"
    assert (usage.role, usage.provider, usage.model, usage.fallbacks) == ("main", "anthropic", MAIN_MODEL, [])
    assert usage.cost_usd == pytest.approx((1000 * 3 + 100 * 15) / 1e6)
    [line] = ledger_lines(r)
    assert (line.command, line.role, line.outcome, line.fallback, line.attempt) == ("research", "main", "ok", False, 1)
    assert r.ledger.path.is_relative_to(tmp_path / "data")


async def test_usage_serializes_compactly_for_a_tool_result(tmp_path: Path, provider_server: ProviderServer) -> None:
    r = router(tmp_path, provider_server)
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    dumped = usage.model_dump(exclude_defaults=True)
    assert set(dumped) >= {"role", "provider", "model", "input_tokens", "output_tokens"}
    assert json.loads(usage.model_dump_json())["role"] == "main"


@pytest.mark.parametrize("status", [529, 429, 500])
async def test_retryable_errors_are_retried_on_the_same_role_then_fall_back(
    tmp_path: Path, provider_server: ProviderServer, status: int
) -> None:
    provider_server.script(MESSAGES, *[Reply(status=status, error_type="overloaded_error")] * 3)
    r = router(tmp_path, provider_server)
    text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert text == "ok" and usage.role == "fallback"
    assert len(provider_server.seen(MESSAGES)) == 3  # first try + perRole=2 retries
    assert len(provider_server.seen(CHAT)) == 1
    assert f"({status})" in usage.fallbacks[0] and usage.fallbacks[0].startswith(f"main anthropic/{MAIN_MODEL}")
    lines = ledger_lines(r)
    assert [(e.role, e.attempt, e.fallback) for e in lines] == [
        ("main", 1, False),
        ("main", 2, False),
        ("main", 3, False),
        ("fallback", 1, True),
    ]


async def test_a_retryable_error_that_clears_is_answered_by_the_same_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(MESSAGES, Reply(status=529), Reply(text="second time lucky"))
    r = router(tmp_path, provider_server)
    text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert (text, usage.role, usage.fallbacks) == ("second time lucky", "main", [])
    assert len(provider_server.seen(MESSAGES)) == 2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (400, "invalid_request_error"),
    ],
)
async def test_non_retryable_errors_go_straight_to_the_fallback_role(
    tmp_path: Path, provider_server: ProviderServer, status: int, error_type: str
) -> None:
    provider_server.script(MESSAGES, Reply(status=status, error_type=error_type, message="prompt is too long"))
    r = router(tmp_path, provider_server)
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback"
    assert len(provider_server.seen(MESSAGES)) == 1
    assert f"({status})" in usage.fallbacks[0]


async def test_an_exhausted_quota_is_not_retried(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(CHAT, Reply(status=429, error_type="insufficient_quota", message="quota"))
    r = router(tmp_path, provider_server)
    _, usage = await r.generate_text(command="c", role="fallback", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "main"
    assert len(provider_server.seen(CHAT)) == 1
    assert [e.outcome for e in ledger_lines(r)] == ["quota", "ok"]


async def test_a_missing_key_moves_on_and_names_the_variable(tmp_path: Path, provider_server: ProviderServer) -> None:
    r = router(tmp_path, provider_server, env={"OPENAI_API_KEY": "sk-openai-test"})
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback"
    assert "ANTHROPIC_API_KEY is not set" in usage.fallbacks[0]
    assert provider_server.seen(MESSAGES) == []


async def test_env_key_beats_dotenv_and_placeholders_count_as_missing(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv\nOPENAI_API_KEY=YOUR_OPENAI_API_KEY_HERE\n")
    r = router(tmp_path, provider_server, env={"ANTHROPIC_API_KEY": "from-env"})
    await r.generate_text(command="c", role="main", system="s", prompt="p")
    r2 = router(tmp_path, provider_server, env={})
    await r2.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    await r2.aclose()
    keys = [q.headers["authorization"] for q in provider_server.seen(MESSAGES)]
    assert keys == ["Bearer from-env", "Bearer from-dotenv"]
    r3 = router(tmp_path, provider_server, {"fallbackOrder": {"fallback": ["fallback"]}}, env={})
    with pytest.raises(AllProvidersFailed, match="OPENAI_API_KEY is not set"):
        await r3.generate_text(command="c", role="fallback", system="s", prompt="p")
    assert provider_server.seen(CHAT) == []


async def test_circuit_breaker_skips_a_failing_model_and_reports_the_skip(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(status=401, error_type="authentication_error")
    r = router(tmp_path, provider_server, {"circuitBreaker": {"failures": 2, "cooldownSeconds": 600}})
    for _ in range(2):
        await r.generate_text(command="c", role="main", system="s", prompt="p")
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert len(provider_server.seen(MESSAGES)) == 2
    assert usage.role == "fallback"
    assert "skipped (circuit open after 2 failures in a row (last: authentication failed (401)" in usage.fallbacks[0]


async def test_when_every_circuit_is_open_the_error_still_names_each_models_last_real_cause(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(status=529, error_type="overloaded_error", message="Overloaded")
    provider_server.defaults[CHAT] = Reply(status=401, error_type="invalid_api_key", message="bad key")
    r = router(tmp_path, provider_server, {"circuitBreaker": {"failures": 1, "cooldownSeconds": 600}})
    with pytest.raises(AllProvidersFailed):
        await r.generate_text(command="c", role="main", system="s", prompt="p")
    sent = len(provider_server.requests)
    with pytest.raises(AllProvidersFailed) as raised:
        await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert len(provider_server.requests) == sent
    lines = str(raised.value).splitlines()
    assert (
        lines[1].startswith("- main")
        and "skipped: circuit open after 1 failure in a row (last: overloaded "
        "(529): Overloaded (3 attempts)); retrying it in"
        in lines[1]
    )
    for line in lines[2:4]:
        assert "skipped: circuit open after 1 failure in a row (last: authentication failed (401): bad key)" in line


async def test_invalid_output_is_reasked_once_with_the_validation_errors(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(
        MESSAGES, Reply(text='{"title": "x"}'), Reply(text='Sure!\n```json\n{"title": "x", "steps": ["a", "b"]}\n```')
    )
    r = router(tmp_path, provider_server)
    plan, usage = await r.generate_object(command="c", role="main", system="s", prompt="p", schema=Plan)
    await r.aclose()
    assert plan == Plan(title="x", steps=["a", "b"]) and usage.role == "main"
    first, second = provider_server.seen(MESSAGES)
    assert "JSON Schema" in first.body["system"] and first.body["messages"][0]["content"] == "p"
    messages = second.body["messages"]
    assert messages[1] == {"role": "assistant", "content": '{"title": "x"}'}
    assert "steps: Field required" in messages[2]["content"]
    assert [e.outcome for e in ledger_lines(r)] == ["invalid_output", "ok"]
    assert usage.output_tokens == 14  # both calls are paid for


async def test_invalid_output_twice_moves_to_the_next_role(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(MESSAGES, Reply(text="not json"), Reply(text="{still not"))
    provider_server.script(CHAT, Reply(text='{"title": "t", "steps": []}'))
    r = router(tmp_path, provider_server)
    plan, usage = await r.generate_object(command="c", role="main", system="s", prompt="p", schema=Plan)
    await r.aclose()
    assert plan.title == "t" and usage.role == "fallback"
    assert "invalid output twice" in usage.fallbacks[0]
    # gpt-4o supports native structured output: the schema goes in response_format, not the prompt
    assert provider_server.seen(CHAT)[0].body["response_format"]["type"] == "json_schema"


async def test_every_role_failing_raises_one_error_listing_each_role_provider_and_model(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(status=404, error_type="not_found_error", message="no such model")
    provider_server.defaults[CHAT] = Reply(text="garbage")
    r = router(tmp_path, provider_server)
    with pytest.raises(AllProvidersFailed) as raised:
        await r.generate_object(command="c", role="main", system="s", prompt="p", schema=Plan)
    await r.aclose()
    message = str(raised.value)
    assert f"- main (anthropic/{MAIN_MODEL}): model not found (404)" in message
    assert f"- fallback (openai/{FALLBACK_MODEL}): invalid output twice" in message
    assert "- research (openai/o3): invalid output twice" in message
    assert [role for role, _ in raised.value.failures] == ["main", "fallback", "research"]


async def test_budget_refusal_sends_no_request(tmp_path: Path, provider_server: ProviderServer) -> None:
    r = router(tmp_path, provider_server, {"budgets": {"dailyUsd": 0.5}})
    await r.generate_text(command="c", role="main", system="s", prompt="p")
    r.ledger.record(
        Entry(
            ts=r.ledger.entries()[0].ts,
            command="c",
            role="main",
            provider="anthropic",
            model=MAIN_MODEL,
            input_tokens=0,
            output_tokens=0,
            cached_tokens=0,
            cost_usd=0.6,
            latency_ms=1,
            outcome="ok",
            fallback=False,
            attempt=1,
        )
    )
    before = len(provider_server.requests)
    with pytest.raises(BudgetExceeded, match="dailyUsd"):
        await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert len(provider_server.requests) == before


async def test_progress_is_reported_while_streaming(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(MESSAGES, Reply(text="x" * 300, chunks=30))
    reports: list[tuple[float, float | None, str]] = []

    async def progress(done: float, total: float | None, message: str) -> None:
        reports.append((done, total, message))

    r = router(tmp_path, provider_server)
    await r.generate_text(command="c", role="main", system="s", prompt="p", progress=progress)
    await r.aclose()
    assert reports[0][2] == f"asking main anthropic/{MAIN_MODEL}"
    streamed = [rep for rep in reports if "received" in rep[2]]
    assert streamed and 0 < len(streamed) < 30  # reported, but throttled rather than per chunk


async def test_command_roles_and_fallback_order_come_from_config(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    r = router(
        tmp_path,
        provider_server,
        {"commandRoles": {"analyze_project_complexity": "research"}, "fallbackOrder": {"research": ["research"]}},
    )
    _, usage = await r.generate_text(command="analyze_project_complexity", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "research" and provider_server.seen(CHAT, model="o3")


@pytest.mark.parametrize(
    ("ours", "named"),
    [
        ({"retries": {"perRole": -1}}, "taskmasterMcp.retries.perRole"),
        ({"timeouts": {"requestSeconds": "soon"}}, "taskmasterMcp.timeouts.requestSeconds"),
        ({"timeouts": {"firstByteSeconds": 0}}, "taskmasterMcp.timeouts.firstByteSeconds"),
        ({"timeouts": {"roleSeconds": True}}, "taskmasterMcp.timeouts.roleSeconds"),
        ({"fallbackOrder": {"main": ["main", "backup"]}}, "main, research, fallback"),
        ({"commandRoles": {"parse_prd": "best"}}, "taskmasterMcp.commandRoles.parse_prd"),
        ({"budgets": []}, "taskmasterMcp.budgets"),
    ],
)
async def test_invalid_settings_raise_a_config_error_naming_the_key(
    tmp_path: Path, provider_server: ProviderServer, ours: dict[str, Any], named: str
) -> None:
    r = router(tmp_path, provider_server, ours)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        await r.generate_text(command="parse_prd", role="main", system="s", prompt="p")
    assert provider_server.requests == []


async def test_config_changes_apply_on_the_next_call(tmp_path: Path, provider_server: ProviderServer) -> None:
    r = router(tmp_path, provider_server)
    await r.generate_text(command="c", role="main", system="s", prompt="p")
    write_config(
        tmp_path,
        roles(
            provider_server, main={"provider": "openai", "modelId": "gpt-4.1", "baseURL": provider_server.url + "/v1"}
        ),
        FAST,
    )
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert (usage.provider, usage.model) == ("openai", "gpt-4.1")


async def test_response_language_is_added_to_the_system_prompt(tmp_path: Path, provider_server: ProviderServer) -> None:
    write_config(tmp_path, roles(provider_server), FAST, {"responseLanguage": "French"})
    r = ModelRouter(Paths(tmp_path), ENV, data_dir=tmp_path / "data")
    await r.generate_text(command="c", role="main", system="Be brief.", prompt="p")
    await r.aclose()
    assert provider_server.seen(MESSAGES)[0].body["system"] == "Be brief.\n\nRespond in French."


async def test_a_slow_request_times_out_and_falls_back(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(MESSAGES, Reply(delay=5))
    r = router(tmp_path, provider_server, {"timeouts": {"requestSeconds": 0.3}, "retries": {"perRole": 0}})
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback" and "timed out" in usage.fallbacks[0]


def test_a_bad_timeout_names_the_key_what_it_accepts_and_the_file(tmp_path: Path) -> None:
    write_config(tmp_path, {}, {"timeouts": {"firstByteSeconds": -1}})
    with pytest.raises(ConfigError) as raised:
        settings_from_config(load_config(Paths(tmp_path)))
    assert str(raised.value) == (
        "taskmasterMcp.timeouts.firstByteSeconds in .taskmaster/config.json must be a number >= 0.001, got -1."
    )


def test_default_timeouts_hand_a_hung_role_over_well_inside_a_60s_client_timeout(tmp_path: Path) -> None:
    write_config(tmp_path, {})
    settings = settings_from_config(load_config(Paths(tmp_path)))
    # A hung role hands over after roleSeconds at most; the fallback keeps the rest of the ~60 s window, and a
    # hung request still gets one retry inside the role's turn.
    assert (settings.first_byte_seconds, settings.role_seconds) == (15, 25)
    assert settings.first_byte_seconds < settings.role_seconds <= 60 - 35


async def test_a_hung_main_falls_back_once_its_turn_is_over(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.defaults[MESSAGES] = Reply(hang=True)
    r = router(tmp_path, provider_server, {"timeouts": {"firstByteSeconds": 0.2, "roleSeconds": 0.3}})
    async with asyncio.timeout(10):
        _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback"
    # how many tries fit in the role's 0.3 s depends on the machine's load; that the turn ends and hands over does not
    assert "timed out: no response within" in usage.fallbacks[0] and "attempt" in usage.fallbacks[0]
    assert provider_server.seen(MESSAGES) and len(provider_server.seen(CHAT)) == 1


async def test_a_slow_stream_that_keeps_making_progress_is_not_cut(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # 13 events 0.05 s apart: the answer takes ~0.6 s, twice the role's turn and thrice the first-byte limit.
    provider_server.script(MESSAGES, Reply(text="slow but steady", chunks=8, interval=0.05))
    r = router(
        tmp_path, provider_server, {"timeouts": {"firstByteSeconds": 0.2, "roleSeconds": 0.3, "requestSeconds": 10}}
    )
    async with asyncio.timeout(10):
        text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert (text, usage.role, usage.fallbacks) == ("slow but steady", "main", [])
    assert len(provider_server.seen(MESSAGES)) == 1


async def test_a_stream_that_stalls_is_still_bounded_by_request_seconds(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(MESSAGES, Reply(text="never finishes", chunks=4, interval=5))
    r = router(
        tmp_path,
        provider_server,
        {"timeouts": {"firstByteSeconds": 0.2, "requestSeconds": 0.4}, "retries": {"perRole": 0}},
    )
    async with asyncio.timeout(10):
        _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback"
    assert "timed out while streaming after 0.4s (timeouts.requestSeconds)" in usage.fallbacks[0]


async def test_roles_left_when_the_deadline_has_passed_are_not_tried_and_not_blamed(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(hang=True)
    # The SDKs are imported when a role is first asked; import them now, so that the 0.2 s deadlines below time
    # the requests, not a first import on a busy machine.
    importlib.import_module("anthropic")
    importlib.import_module("openai")
    r = router(
        tmp_path,
        provider_server,
        {"timeouts": {"firstByteSeconds": 0.2, "totalSeconds": 0.2}, "circuitBreaker": {"failures": 1}},
    )
    with pytest.raises(AllProvidersFailed) as raised:
        async with asyncio.timeout(10):
            await r.generate_text(command="c", role="main", system="s", prompt="p")
    assert "- fallback (openai/gpt-4o): skipped: the call's deadline (timeouts.totalSeconds = 0.2s) had passed" in str(
        raised.value
    )
    assert provider_server.seen(CHAT) == []
    # main's circuit is open now, but fallback's is not: it was never tried, so it answers the next call
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback" and "circuit open" in usage.fallbacks[0]


async def test_a_retry_wait_longer_than_the_roles_turn_hands_over_at_once(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(status=529, headers={"retry-after-ms": "30000"})
    r = router(
        tmp_path,
        provider_server,
        {"timeouts": {"roleSeconds": 0.5}, "retries": {"perRole": 2, "baseDelaySeconds": 1, "maxDelaySeconds": 8}},
    )
    async with asyncio.timeout(5):  # an 8 s wait for main would blow this bound
        _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback" and len(provider_server.seen(MESSAGES)) == 1


async def test_a_main_that_refuses_connections_falls_back(tmp_path: Path, provider_server: ProviderServer) -> None:
    main = {"provider": "anthropic", "modelId": MAIN_MODEL, "maxTokens": 1000, "baseURL": closed_port_url()}
    r = router(tmp_path, provider_server, main=main)
    async with asyncio.timeout(10):
        _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback" and "connection failed" in usage.fallbacks[0]
    assert [e.outcome for e in ledger_lines(r)] == ["network", "network", "network", "ok"]


async def test_a_200_that_is_not_an_event_stream_moves_on_without_retrying(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.defaults[MESSAGES] = Reply(raw="<html>Welcome to nginx</html>")
    r = router(tmp_path, provider_server)
    text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert (text, usage.role) == ("ok", "fallback")
    assert "malformed response" in usage.fallbacks[0] and len(provider_server.seen(MESSAGES)) == 1


async def test_a_stream_cut_off_is_retried_on_the_same_role(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(MESSAGES, Reply(text="partial answer", truncate=5), Reply(text="whole answer"))
    r = router(tmp_path, provider_server)
    text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert (text, usage.role) == ("whole answer", "main")
    assert len(provider_server.seen(MESSAGES)) == 2


async def test_a_sampled_answer_is_not_held_to_the_first_byte_limit(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # Sampling answers arrive whole: a slow client model is bounded by requestSeconds only.
    async def sampler(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
        await asyncio.sleep(0.3)  # the client's model thinking
        return "sampled", "client-model"

    r = router(
        tmp_path,
        provider_server,
        {"timeouts": {"firstByteSeconds": 0.05, "roleSeconds": 0.1}},
        main={"provider": "mcp", "modelId": "mcp-sampling"},
    )
    async with asyncio.timeout(10):
        text, usage = await r.generate_text(command="c", role="main", system="s", prompt="p", sampler=sampler)
    await r.aclose()
    assert (text, usage.role) == ("sampled", "main")


async def test_mcp_sampling_role_uses_the_sampler_at_no_cost(tmp_path: Path, provider_server: ProviderServer) -> None:
    async def sampler(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
        return '{"title": "sampled", "steps": ["one"]}', "client-model"

    r = router(tmp_path, provider_server, main={"provider": "mcp", "modelId": "mcp-sampling"})
    plan, usage = await r.generate_object(
        command="c", role="main", system="s", prompt="p", schema=Plan, sampler=sampler
    )
    await r.aclose()
    assert plan.title == "sampled"
    assert (usage.provider, usage.model, usage.cost_usd) == ("mcp", "client-model", 0)


async def test_mcp_sampling_without_a_sampler_falls_back_with_a_clear_reason(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    r = router(tmp_path, provider_server, main={"provider": "mcp", "modelId": "mcp-sampling"})
    _, usage = await r.generate_text(command="c", role="main", system="s", prompt="p")
    await r.aclose()
    assert usage.role == "fallback"
    assert "does not support sampling; choose another provider with the models tool" in usage.fallbacks[0]


async def test_test_roles_reports_each_configured_role(tmp_path: Path, provider_server: ProviderServer) -> None:
    provider_server.script(CHAT, Reply(status=401, error_type="invalid_api_key"), model="o3")
    r = router(tmp_path, provider_server)
    results = {res.role: res for res in await r.test_roles()}
    await r.aclose()
    assert results["main"].ok and results["fallback"].ok and results["main"].latency_ms is not None
    assert not results["research"].ok and "(401)" in (results["research"].error or "")


def test_extract_json_strips_fences_and_prose() -> None:
    assert extract_json('Here you go:\n```json\n{"a": {"b": 1}}\n```\nDone.') == '{"a": {"b": 1}}'
    assert extract_json('{"a": 1}') == '{"a": 1}'
