"""`serve --http`: the SDK's Streamable HTTP client works over loopback; bad Origin, no token, unsafe bind refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from servers import TOKEN, console_script, serving
from taskmaster_mcp.mcp_server.http import parse_bind


def _initialize(url: str, headers: dict[str, str]) -> httpx2.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    return httpx2.post(url, json=body, timeout=10, headers={"Accept": "application/json, text/event-stream", **headers})


async def test_the_sdk_http_client_lists_and_calls_tools_and_bad_origins_are_refused(
    era: str, messy_project: Path
) -> None:
    with serving(messy_project) as url:
        async with Client(url, mode=era, read_timeout_seconds=30) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("next_task", {})
        evil = _initialize(url, {"Origin": "http://evil.example"})
        rebound = _initialize(url, {"Host": "evil.example:80"})
        local = _initialize(url, {"Origin": url.rsplit("/", 1)[0]})
    assert {"get_tasks", "next_task"} <= tools
    assert not result.is_error and (result.structured_content or {})["next"]["id"] == "3.2"
    assert evil.status_code == 403 and rebound.status_code == 421
    assert local.status_code == 200


async def test_a_token_is_required_when_one_is_set(era: str, messy_project: Path) -> None:
    with serving(messy_project, env={"TASKMASTER_MCP_TOKEN": TOKEN}) as url:
        missing = _initialize(url, {})
        wrong = _initialize(url, {"Authorization": "Bearer nope"})
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http), mode=era, read_timeout_seconds=30) as client,
        ):
            names = {t.name for t in (await client.list_tools()).tools}
    assert missing.status_code == 401 and "TASKMASTER_MCP_TOKEN" in missing.text
    assert wrong.status_code == 401
    assert "get_tasks" in names


@pytest.mark.parametrize("token", [None, "short"])
def test_a_network_bind_without_a_strong_token_is_refused_before_listening(tmp_path: Path, token: str | None) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **({"TASKMASTER_MCP_TOKEN": token} if token else {})}
    result = subprocess.run(
        [console_script(), "serve", "--http", "0.0.0.0:1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TASKMASTER_MCP_TOKEN" in result.stderr and result.stdout == ""


def test_bind_addresses_default_to_loopback() -> None:
    assert parse_bind("8765") == ("127.0.0.1", 8765)
    assert parse_bind("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert parse_bind("[::1]:9000") == ("::1", 9000)


async def test_a_shared_server_initializes_only_its_pinned_project_whatever_folder_an_agent_names(
    era: str, messy_project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "someone-elses-folder"
    elsewhere.mkdir()
    with serving(messy_project) as url:
        async with Client(url, mode=era, read_timeout_seconds=30) as client:
            result = await client.call_tool("initialize_project", {"projectRoot": str(elsewhere)})
    assert not result.is_error
    assert (result.structured_content or {})["projectRoot"] == str(messy_project.resolve())
    assert list(elsewhere.iterdir()) == []
