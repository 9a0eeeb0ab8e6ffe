"""The response cache, end to end: MCP client -> our server -> real SDKs -> scripted provider, and on disk.

An identical request (same model, prompt, schema and settings) is answered with the stored validated answer and no
model call; ``fresh`` asks again; entries expire after ``cache.ttlSeconds``; invalid output and errors are never
stored; entries hold no key, are private to the user, and the folder stays under its size bound.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front, as in the other AI tests
import pytest

from ai_helpers import ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.cli.parser import plan as cli_plan
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.providers import Completion, Request
from taskmaster_mcp.models.response_cache import ResponseCache, request_key
from taskmaster_mcp.store.settings import CacheSettings


def subtasks(*titles: str) -> str:
    """A model reply proposing one subtask per title."""
    return as_json(
        {
            "subtasks": [
                {
                    "id": i,
                    "title": t,
                    "description": f"{t}.",
                    "details": f"How to {t.lower()}.",
                    "testStrategy": "Unit test.",
                    "dependencies": [],
                }
                for i, t in enumerate(titles, 1)
            ]
        }
    )


def project(root: Path, server: ProviderServer, ours: dict[str, Any] | None = None) -> Path:
    """One pending task without subtasks."""
    ai_project(root, server, ours=ours)
    tasks: list[dict[str, Any]] = [
        {
            "id": 1,
            "title": "Build the importer",
            "description": "Import CSV files.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
        }
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    return root


def titles(data: dict[str, Any]) -> list[str]:
    return [c["title"] for c in data["created"]]


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "responses").glob("*.json"))


async def test_an_identical_expand_is_answered_from_the_cache_with_no_model_call_and_cost_zero(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=subtasks("Parse rows", "Validate rows"), usage=(900, 300, 0)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        first = await ok(client, "expand_task", id="1", force=True)
        second = await ok(client, "expand_task", id="1", force=True)
    assert len(provider_server.seen(MESSAGES)) == 1
    assert titles(first) == titles(second) == ["Parse rows", "Validate rows"]
    assert "cacheHits" not in first["usage"] and first["usage"]["costUsd"] > 0
    usage = second["usage"]
    assert usage["cacheHits"] == 1 and usage["costUsd"] == 0 and usage["inputTokens"] == 0
    assert usage["cache"].startswith("answered from the response cache (saved 20")
    assert "fresh: true (CLI --fresh)" in usage["cache"]
    ledger = Ledger(root, env=ai_env(tmp_path)).entries()
    assert [(e.outcome, e.cost_usd, e.input_tokens) for e in ledger] == [
        ("ok", ledger[0].cost_usd, 900),
        ("cache_hit", 0.0, 0),
    ]


async def test_fresh_asks_the_model_again_and_its_answer_replaces_the_stored_one(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, Reply(text=subtasks("Old plan")), Reply(text=subtasks("New plan")))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="1", force=True)
        fresh = await ok(client, "expand_task", id="1", force=True, fresh=True)
        again = await ok(client, "expand_task", id="1", force=True)
    assert len(provider_server.seen(MESSAGES)) == 2
    assert titles(fresh) == titles(again) == ["New plan"]
    assert "cacheHits" not in fresh["usage"] and again["usage"]["cacheHits"] == 1


async def test_an_entry_older_than_the_ttl_is_a_miss_and_the_model_is_asked(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, ours={"cache": {"ttlSeconds": 60}})
    provider_server.script(MESSAGES, Reply(text=subtasks("First answer")), Reply(text=subtasks("After expiry")))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="1", force=True)
        [entry] = entries(tmp_path)
        two_minutes_ago = time.time() - 120  # the entry's age is its mtime: no waiting in the test
        os.utime(entry, (two_minutes_ago, two_minutes_ago))
        expired = await ok(client, "expand_task", id="1", force=True)
    assert len(provider_server.seen(MESSAGES)) == 2
    assert titles(expired) == ["After expiry"] and "cacheHits" not in expired["usage"]


async def test_invalid_output_is_never_stored_and_a_corrected_answer_is(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    bad = Reply(text='{"subtasks": "not a list"}')
    provider_server.script(MESSAGES, bad, bad)
    provider_server.script(CHAT, bad, bad, bad, bad)  # the fallback and research roles
    async with connected(root, env=ai_env(tmp_path)) as client:
        failure = await error(client, "expand_task", id="1", force=True)
        assert "invalid output" in failure and entries(tmp_path) == []
        provider_server.script(MESSAGES, bad, Reply(text=subtasks("Corrected")))
        corrected = await ok(client, "expand_task", id="1", force=True)
        repeated = await ok(client, "expand_task", id="1", force=True)
    assert titles(corrected) == titles(repeated) == ["Corrected"]
    assert repeated["usage"]["cacheHits"] == 1
    assert len(provider_server.seen()) == 6 + 2  # three roles asked twice each, then main re-asked once


async def test_provider_errors_are_not_stored(tmp_path: Path, provider_server: ProviderServer) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.script(MESSAGES, *[Reply(status=401, error_type="authentication_error")])
    provider_server.script(CHAT, *[Reply(status=401, error_type="invalid_api_key")])
    async with connected(root, env=ai_env(tmp_path)) as client:
        await error(client, "expand_task", id="1", force=True)
    assert entries(tmp_path) == []


async def test_with_the_cache_disabled_every_call_reaches_the_model(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, ours={"cache": {"enabled": False}})
    provider_server.defaults[MESSAGES] = Reply(text=subtasks("Same"))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="1", force=True)
        second = await ok(client, "expand_task", id="1", force=True)
    assert len(provider_server.seen(MESSAGES)) == 2 and "cacheHits" not in second["usage"]
    assert entries(tmp_path) == []


@pytest.mark.parametrize(
    ("cache", "message"),
    [
        ({"enabled": "yes"}, "taskmasterMcp.cache.enabled in .taskmaster/config.json must be true or false"),
        (
            {"ttlHours": 2},
            "taskmasterMcp.cache.ttlHours in .taskmaster/config.json must be absent: cache accepts only "
            "enabled, ttlSeconds, maxMegabytes",
        ),
    ],
)
async def test_a_bad_cache_setting_is_refused_with_the_key_to_fix(
    tmp_path: Path, provider_server: ProviderServer, cache: dict[str, Any], message: str
) -> None:
    root = project(tmp_path / "p", provider_server, ours={"cache": cache})
    async with connected(root, env=ai_env(tmp_path)) as client:
        refused = await error(client, "expand_task", id="1", force=True)
    assert message in refused
    assert provider_server.seen() == []


async def test_entries_are_private_hold_no_key_and_a_changed_prompt_is_a_miss(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server)
    provider_server.defaults[MESSAGES] = Reply(text=subtasks("Step"))
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="1", force=True)
        await ok(client, "expand_task", id="1", force=True, prompt="Keep it small")
    assert len(provider_server.seen(MESSAGES)) == 2
    folder = tmp_path / "cache" / "responses"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for entry in entries(tmp_path):
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
        text = entry.read_text()
        assert "sk-ant-test" not in text and "sk-openai-test" not in text
    assert len(entries(tmp_path)) == 2


def request(prompt: str) -> Request:
    return Request(system="You plan work.", prompt=prompt, max_tokens=100)


def test_the_key_covers_model_prompt_settings_and_base_url_but_not_the_api_key() -> None:
    base = request_key("anthropic", "m", "http://a", request("p"), None)
    assert base == request_key("anthropic", "m", "http://a", request("p"), None)
    others = {
        request_key("anthropic", "m2", "http://a", request("p"), None),
        request_key("anthropic", "m", "http://b", request("p"), None),
        request_key("anthropic", "m", "http://a", request("q"), None),
        request_key("anthropic", "m", "http://a", Request("You plan work.", "p", 100, temperature=0.2), None),
        request_key("anthropic", "m", "http://a", Request("You plan work.", "p", 200), None),
        request_key("openai", "m", "http://a", request("p"), None),
    }
    assert base not in others and len(others) == 6


def test_a_corrupt_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("k", "an answer", Completion("an answer", "m"), CacheSettings())
    assert cache.get("k", CacheSettings(), None) is not None
    (tmp_path / "k.json").write_text("{not json")
    assert cache.get("k", CacheSettings(), None) is None
    assert not (tmp_path / "k.json").exists()


def test_the_folder_is_bounded_and_the_oldest_entries_go_first(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    small = CacheSettings(max_bytes=2500)
    for n in range(5):
        cache.put(f"k{n}", "x" * 900, Completion("", "m"), small)
        os.utime(tmp_path / f"k{n}.json", (1000 + n, 1000 + n))  # distinct ages, oldest first
    kept = sorted(p.stem for p in tmp_path.glob("*.json"))
    assert kept == ["k3", "k4"]


def test_cli_fresh_is_passed_to_every_ai_command_as_the_tools_fresh() -> None:
    assert cli_plan(["expand", "7", "--fresh"]).arguments == {"id": "7", "fresh": True}
    assert cli_plan(["expand", "--all", "--fresh"]).arguments["fresh"] is True
    assert cli_plan(["parse-prd", "docs/prd.md", "--fresh"]).arguments["fresh"] is True
    assert cli_plan(["add-task", "--prompt", "Login page", "--fresh"]).arguments["fresh"] is True
    assert "fresh" not in cli_plan(["research", "What changed?"]).arguments


async def test_a_hit_builds_no_provider_client(tmp_path: Path, provider_server: ProviderServer) -> None:
    """A new server process answering from the cache needs no SDK client (no import, no connection pool)."""
    from taskmaster_mcp.models.router import ModelRouter
    from taskmaster_mcp.store.paths import Paths

    root = project(tmp_path / "p", provider_server)
    provider_server.defaults[MESSAGES] = Reply(text="an answer")
    first = ModelRouter(Paths(root), ai_env(tmp_path))
    await first.generate_text(command="research", role="main", system="s", prompt="p")
    await first.aclose()
    second = ModelRouter(Paths(root), ai_env(tmp_path))
    text, usage = await second.generate_text(command="research", role="main", system="s", prompt="p")
    assert (text, usage.cache_saved_at is not None) == ("an answer", True)
    assert second._clients._clients == {}  # pyright: ignore[reportPrivateUsage]
    await second.aclose()
    assert len(provider_server.seen(MESSAGES)) == 1


async def test_a_cache_hit_says_nothing_about_the_models_health_and_leaves_its_circuit_alone(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    # circuitBreaker.failures = 2: two failures of the model open its circuit even with a cached answer served in
    # between (a hit sends no request, so it cannot count as the model answering)
    from provider_server import write_config
    from taskmaster_mcp.errors import AllProvidersFailed
    from taskmaster_mcp.models.router import ModelRouter
    from taskmaster_mcp.store.paths import Paths

    root = tmp_path / "p"
    write_config(
        root,
        {
            "main": {
                "provider": "anthropic",
                "modelId": "claude-sonnet-4-20250514",
                "maxTokens": 1000,
                "baseURL": provider_server.url,
            }
        },
        {"fallbackOrder": {"main": ["main"]}, "retries": {"perRole": 0}, "circuitBreaker": {"failures": 2}},
    )
    refused = Reply(status=400, error_type="invalid_request_error", message="overloaded upstream")
    provider_server.script(MESSAGES, Reply(text="stored"), refused, refused)
    router = ModelRouter(
        Paths(root),
        {"ANTHROPIC_API_KEY": "k", "TASKMASTER_MCP_CACHE_DIR": str(tmp_path / "c")},
        data_dir=tmp_path / "d",
    )
    errors: list[str] = []
    try:
        for prompt in ("A", "B", "A", "C", "D"):
            try:
                await router.generate_text(command="c", role="main", system="s", prompt=prompt)
            except AllProvidersFailed as err:
                errors.append(str(err))
    finally:
        await router.aclose()
    assert len(provider_server.seen(MESSAGES)) == 3  # A, B, C; D is not sent: the circuit is open
    assert len(errors) == 3 and "circuit open after 2 failures" in errors[-1]
