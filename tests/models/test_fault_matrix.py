"""Fault matrix of the model layer: every way main can fail, against each state of fallback and research.

Each cell drives the real router and SDKs against three scripted servers, one per role (as if three hosts). It
must end one of two ways: the answer of the first role in the chain (main -> fallback -> research) that can give
one, or one AllProvidersFailed that names every role's real cause. Either way, within ``totalSeconds``.

Main's faults: 429, 500 and 529 on every request; a hang (the request is accepted and never answered); a refused
connection (a closed port); a malformed 200 (not an event stream); a wrong schema (valid answers whose JSON fails
the schema twice); a stream cut off mid-body. The other roles' states: ``healthy`` answers; ``degraded`` answers
after one 529 with retry-after-ms 10; ``down`` is fallback answering 401 and research refusing the connection.

No cell races the scheduler. Where a deadline is not what is tested, the timeouts are far beyond anything a loaded
machine needs (``CALM``): every outcome is then decided by the scripted replies alone. Where it is (main hangs:
the request is accepted and never answered, so the role's deadline is the only way out), the hang is real and the
deadline is seconds (``HANG``), a wide margin over the milliseconds a healthy scripted answer needs even under heavy
CPU load. So the cells pass the same way on a quiet machine and on a busy one (the 72 cells take about a minute).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ai_helpers import ai_env, ai_project
from mcp_helpers import connected, error, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply, closed_port_url, write_config
from taskmaster_mcp.errors import AllProvidersFailed
from taskmaster_mcp.models.router import ModelRouter, Usage
from taskmaster_mcp.store.paths import Paths

ENV = {"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-openai-test", "PERPLEXITY_API_KEY": "pplx-test"}
TOTAL_SECONDS = 60.0
RETRIES = {"perRole": 1, "baseDelaySeconds": 0, "maxDelaySeconds": 0.05}
# No deadline tested: nothing a scripted server does on a loaded machine comes near these.
CALM = {"firstByteSeconds": 30, "roleSeconds": 40, "requestSeconds": 50, "totalSeconds": TOTAL_SECONDS}
# Main hangs: its turn ends by the deadline, after which a healthy role must send its first byte within HANG_FIRST_BYTE
# seconds (it needs milliseconds; seconds are the margin for CPU load).
HANG_FIRST_BYTE = 3.0
HANG = {"firstByteSeconds": HANG_FIRST_BYTE, "roleSeconds": HANG_FIRST_BYTE, "requestSeconds": 30, "totalSeconds": 60}
MODELS = {
    "main": ("anthropic", "claude-sonnet-4-20250514"),
    "fallback": ("openai", "gpt-4o"),
    "research": ("perplexity", "sonar-pro"),
}


class Plan(BaseModel):
    title: str
    steps: list[str]


def answer(role: str) -> Reply:
    return Reply(text=json.dumps({"title": f"from {role}", "steps": ["one"]}))


@dataclass(frozen=True)
class Fault:
    """How main fails: its scripted reply (None: a refused connection), the cause the user must read, and how many
    requests main gets (None where a timeout decides whether a retry fits in the role's turn)."""

    reply: Reply | None
    cause: str
    requests: int | None


MAIN_FAULTS = {
    "429": Fault(Reply(status=429, error_type="rate_limit_error", message="slow down"), "rate limited (429)", 2),
    "500": Fault(Reply(status=500, error_type="api_error", message="boom"), "server error (500)", 2),
    "529": Fault(Reply(status=529, error_type="overloaded_error", message="Overloaded"), "overloaded (529)", 2),
    "hang": Fault(Reply(hang=True), "timed out: no response within", None),
    "refused": Fault(None, "connection failed", 0),
    "malformed": Fault(Reply(raw="<html>Bad gateway</html>"), "malformed response", 1),
    "wrong_schema": Fault(Reply(text='{"title": 5}'), "invalid output twice", 2),
    "truncated": Fault(Reply(text="x" * 30, chunks=10, truncate=5), "stream cut off", 2),
}
STATES = ("healthy", "degraded", "down")
DOWN_CAUSE = {"fallback": "authentication failed (401)", "research": "connection failed"}
CELLS = list(itertools.product(MAIN_FAULTS, STATES, STATES))


def cell_id(cell: tuple[str, str, str]) -> str:
    return "main={},fallback={},research={}".format(*cell)


@pytest.fixture(scope="module")
def started() -> Iterator[dict[str, ProviderServer]]:
    """One scripted server per role, shared by the cells (starting and stopping three per cell costs seconds)."""
    import anthropic  # noqa: F401  (the SDKs load on first use: not inside the first cell's deadline)
    import openai  # noqa: F401

    running = {role: ProviderServer().start() for role in MODELS}
    try:
        yield running
    finally:
        for server in running.values():
            server.stop()


@pytest.fixture
def servers(started: dict[str, ProviderServer]) -> dict[str, ProviderServer]:
    """The shared servers with a clean script and request log."""
    for server in started.values():
        server.reset()
    return started


def configure(root: Path, servers: dict[str, ProviderServer], fault: Fault, states: dict[str, str]) -> None:
    """Script every role's server for this cell and point the roles at them."""
    urls = {role: server.url for role, server in servers.items()}
    if fault.reply is None:
        urls["main"] = closed_port_url()
    else:
        servers["main"].defaults[MESSAGES] = fault.reply
    for role, state in states.items():
        server = servers[role]
        server.defaults[CHAT] = answer(role)
        if state == "degraded":
            server.script(CHAT, Reply(status=529, error_type="overloaded_error", message="busy"))
        elif state == "down" and role == "fallback":
            server.defaults[CHAT] = Reply(status=401, error_type="invalid_api_key", message="bad key")
        elif state == "down":
            urls[role] = closed_port_url()
    models: dict[str, Any] = {}
    for role, (provider, model) in MODELS.items():
        suffix = "" if provider == "anthropic" else "/v1"
        models[role] = {"provider": provider, "modelId": model, "maxTokens": 1000, "baseURL": urls[role] + suffix}
    timeouts = HANG if fault.reply is not None and fault.reply.hang else CALM
    write_config(root, models, {"timeouts": timeouts, "retries": RETRIES})


def expected_role(states: dict[str, str]) -> str | None:
    """The role that must answer: the first of fallback, research that is not down."""
    return next((role for role in ("fallback", "research") if states[role] != "down"), None)


@pytest.mark.parametrize(("main", "fallback", "research"), CELLS, ids=[cell_id(c) for c in CELLS])
async def test_each_fault_ends_with_the_right_role_or_one_error_naming_every_cause(
    tmp_path: Path, servers: dict[str, ProviderServer], main: str, fallback: str, research: str
) -> None:
    fault, states = MAIN_FAULTS[main], {"fallback": fallback, "research": research}
    configure(tmp_path, servers, fault, states)
    router = ModelRouter(Paths(tmp_path), ENV, data_dir=tmp_path / "data")
    outcome: tuple[Plan, Usage] | AllProvidersFailed
    try:
        async with asyncio.timeout(TOTAL_SECONDS + 30):  # the router must end by its own deadline
            outcome = await router.generate_object(command="c", role="main", system="s", prompt="p", schema=Plan)
    except AllProvidersFailed as failed:
        outcome = failed
    finally:
        await router.aclose()
    if fault.requests is not None:
        assert len(servers["main"].seen(MESSAGES)) == fault.requests
    served = expected_role(states)
    if served is None:
        assert isinstance(outcome, AllProvidersFailed), f"expected every role to fail, got {outcome}"
        message = str(outcome)
        assert [role for role, _ in outcome.failures] == ["main", "fallback", "research"]
        assert fault.cause in message and DOWN_CAUSE["fallback"] in message and DOWN_CAUSE["research"] in message
        return
    assert not isinstance(outcome, AllProvidersFailed), f"expected {served} to answer, got:\n{outcome}"
    plan, usage = outcome
    assert (usage.role, plan.title) == (served, f"from {served}")
    assert fault.cause in usage.fallbacks[0]
    answered = [r for r in servers[served].seen(CHAT) if r.model == MODELS[served][1]]
    assert len(answered) == (2 if states[served] == "degraded" else 1)
    if served == "fallback":
        assert servers["research"].seen() == []
    else:
        assert DOWN_CAUSE["fallback"] in usage.fallbacks[1]


async def test_a_failed_ai_call_leaves_tasks_json_byte_identical(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(
        tmp_path / "p",
        provider_server,
        shared_fixtures / "messy-tasks.json",
        ours={"timeouts": {"firstByteSeconds": HANG_FIRST_BYTE, "roleSeconds": HANG_FIRST_BYTE}},
    )
    provider_server.defaults[MESSAGES] = Reply(hang=True)
    provider_server.defaults[CHAT] = Reply(status=529, error_type="overloaded_error", message="Overloaded")
    tasks = root / ".taskmaster/tasks/tasks.json"
    before, files = tasks.read_bytes(), snapshot(root)
    async with asyncio.timeout(120), connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "parse_prd", prd="# PRD\nBuild a thing.", append=True)
    assert "Every configured model failed; nothing was changed." in message
    assert "timed out: no response within" in message and "overloaded (529)" in message
    assert tasks.read_bytes() == before
    assert snapshot(root) == files
