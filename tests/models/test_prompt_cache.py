"""Provider prompt caching, end to end: the stable part of each prompt comes first, is byte-identical from call to
call, is marked with ``cache_control`` for Anthropic, and the cached tokens providers report are recorded and priced
at the catalogue's cached price (Anthropic cache writes at 1.25x the input price).

The scripted provider server bills Messages requests as Anthropic's prompt cache would (``prompt_cache = True``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front, as in the other AI tests
import pytest

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json
from mcp_helpers import connected, ok
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.providers import Completion
from taskmaster_mcp.models.usage import cost_of

PLAN = as_json(
    {
        "subtasks": [
            {
                "id": 1,
                "title": "Do the work",
                "description": "Do it.",
                "details": "How.",
                "testStrategy": "Test.",
                "dependencies": [],
            }
        ]
    }
)


def coded_project(root: Path, server: ProviderServer, count: int) -> Path:
    """``count`` pending tasks in a project with some Python code (so prompts carry a codebase block)."""
    ai_project(root, server)
    tasks: list[dict[str, Any]] = [
        {
            "id": n,
            "title": f"Feature number {n}",
            "description": f"Build feature {n}.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [],
            "priority": "medium",
            "subtasks": [],
        }
        for n in range(1, count + 1)
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    # A manifest long enough that the shared prefix reaches the model's minimum cacheable prefix (1,024 tokens for
    # Sonnet 4): under it the provider caches nothing, and nothing is marked.
    dependencies = ", ".join(f'"shop-plugin-{n}>=1.{n}"' for n in range(160))
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "shop"\ndependencies = ["fastapi", "sqlalchemy", {dependencies}]\n'
    )
    (root / "shop").mkdir()
    for name in ("api", "models", "orders", "payments"):
        (root / "shop" / f"{name}.py").write_text(f'"""The {name} module."""\n')
    return root


def user_blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    content = body["messages"][0]["content"]
    assert isinstance(content, list), content
    return content


async def test_expand_all_marks_one_byte_identical_project_prefix_and_puts_each_task_after_it(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = coded_project(tmp_path / "p", provider_server, 5)
    provider_server.prompt_cache = True
    provider_server.defaults[MESSAGES] = Reply(text=PLAN)
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_all", prompt="Use pytest for every test.")
    bodies = [r.body for r in provider_server.seen(MESSAGES)]
    assert len(bodies) == 5 and len(data["expanded"]) == 5
    prefixes = {json.dumps(user_blocks(b)[0]) for b in bodies}
    [prefix] = [user_blocks(b)[0] for b in bodies[:1]]
    assert len(prefixes) == 1 and prefix["cache_control"] == {"type": "ephemeral"}
    assert prefix["text"].startswith("The project's code") and "shop/" in prefix["text"]
    assert "Use pytest for every test." in prefix["text"] and "<task>" not in prefix["text"]
    rests = [user_blocks(b)[1] for b in bodies]
    assert all("cache_control" not in block and block["text"].startswith("<task>\n") for block in rests)
    assert sorted(json.loads(b["text"].split("\n")[1])["id"] for b in rests) == [1, 2, 3, 4, 5]


async def test_cached_tokens_reach_the_usage_block_and_the_ledger_priced_at_the_cached_price(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = coded_project(tmp_path / "p", provider_server, 3)
    provider_server.prompt_cache = True
    provider_server.defaults[MESSAGES] = Reply(text=PLAN, usage=(0, 50, 0))
    async with connected(root, env={**ai_env(tmp_path)}) as client:
        first = await ok(client, "expand_task", id="1")
        second = await ok(client, "expand_task", id="2")
    assert first["usage"]["cachedTokens"] == 0  # the first use writes the prefix to the cache
    assert second["usage"]["cachedTokens"] > 0
    entries = Ledger(root, env=ai_env(tmp_path)).entries()
    assert [e.cached_tokens for e in entries] == [0, second["usage"]["cachedTokens"]]
    info = catalogue.lookup("anthropic", MAIN_MODEL)
    assert info is not None and info.cached_input_price is not None and info.input_price is not None
    read = entries[1]
    expected = (
        (read.input_tokens - read.cached_tokens) * info.input_price
        + read.cached_tokens * info.cached_input_price
        + read.output_tokens * (info.output_price or 0)
    ) / 1e6
    assert read.cost_usd == pytest.approx(expected, abs=1e-8)
    assert second["usage"]["costUsd"] < first["usage"]["costUsd"]


def test_anthropic_cache_writes_cost_a_quarter_more_than_input_and_reads_the_cached_price() -> None:
    info = catalogue.lookup("anthropic", MAIN_MODEL)
    assert info is not None and info.input_price == 3 and info.cached_input_price == 0.3
    plain = cost_of(info, Completion("", MAIN_MODEL, input_tokens=1_000_000))
    written = cost_of(info, Completion("", MAIN_MODEL, input_tokens=1_000_000, cache_write_tokens=1_000_000))
    read = cost_of(info, Completion("", MAIN_MODEL, input_tokens=1_000_000, cached_tokens=1_000_000))
    assert (plain, written, read) == (pytest.approx(3.0), pytest.approx(3.75), pytest.approx(0.3))


async def test_openai_gets_the_same_prefix_first_in_one_unmarked_string(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = coded_project(tmp_path / "p", provider_server, 2)
    provider_server.defaults[MESSAGES] = Reply(status=401, error_type="authentication_error")
    provider_server.defaults[CHAT] = Reply(text=PLAN)
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "expand_task", id="1")
        await ok(client, "expand_task", id="2")
    users = [r.body["messages"][1]["content"] for r in provider_server.seen(CHAT)]
    assert all(isinstance(u, str) for u in users)
    cut = users[0].index("<task>")
    assert cut > 0 and users[1][:cut] == users[0][:cut] and users[0][:cut].startswith("The project's code")


async def test_a_call_without_a_stable_prefix_marks_nothing(tmp_path: Path, provider_server: ProviderServer) -> None:
    root = coded_project(tmp_path / "p", provider_server, 1)
    provider_server.prompt_cache = True
    provider_server.defaults[MESSAGES] = Reply(
        text=as_json(
            {
                "title": "Add a health endpoint",
                "description": "GET /health.",
                "details": "Return 200.",
                "testStrategy": "Call it.",
                "priority": "medium",
                "dependencies": [],
            }
        )
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "add_task", prompt="A health endpoint")
    [body] = [r.body for r in provider_server.seen(MESSAGES)]
    assert isinstance(body["messages"][0]["content"], str)
    assert data["usage"]["cachedTokens"] == 0
