"""A token-protected server advertises no OAuth: a plain Bearer challenge, and JSON 404s at every OAuth path that tell
an OAuth-capable client (Claude Code) to send the header instead."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from servers import TOKEN, serving

PROBES = [
    ("GET", "/.well-known/oauth-protected-resource"),
    ("GET", "/.well-known/oauth-protected-resource/mcp"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/oauth-authorization-server/mcp"),
    ("GET", "/.well-known/openid-configuration"),
    ("POST", "/register"),
    ("GET", "/authorize"),
    ("POST", "/token"),
]
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def post_mcp(url: str, headers: dict[str, str]) -> httpx2.Response:
    accept = {"Accept": "application/json, text/event-stream"}
    return httpx2.post(url, json=INITIALIZE, timeout=10, headers={**accept, **headers})


def test_the_401_is_a_plain_bearer_challenge_without_oauth_metadata(messy_project: Path) -> None:
    with serving(messy_project, env={"TASKMASTER_MCP_TOKEN": TOKEN}) as url:
        missing = post_mcp(url, {})
        wrong = post_mcp(url, {"Authorization": "Bearer not-the-token"})
        right = post_mcp(url, {"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 401 and wrong.status_code == 401 and right.status_code == 200
    assert missing.headers["www-authenticate"] == 'Bearer realm="taskmaster-mcp"'
    assert wrong.headers["www-authenticate"] == 'Bearer realm="taskmaster-mcp", error="invalid_token"'
    for response in (missing, wrong):
        assert "resource_metadata" not in response.headers["www-authenticate"]
        assert "TASKMASTER_MCP_TOKEN" in response.text


@pytest.mark.parametrize("token", [TOKEN, None])
def test_every_oauth_path_answers_a_json_404_that_names_the_header(messy_project: Path, token: str | None) -> None:
    env = {"TASKMASTER_MCP_TOKEN": token} if token else {}
    with serving(messy_project, env=env) as url:
        origin = url.rsplit("/", 1)[0]
        answers = [httpx2.request(method, origin + path, timeout=10) for method, path in PROBES]
    for (_, path), answer in zip(PROBES, answers, strict=True):
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/json", path
        body = answer.json()
        assert body["error"] == "invalid_request", path
        assert "does not use OAuth" in body["error_description"]
        assert "Authorization: Bearer" in body["error_description"]


async def test_a_client_sending_the_header_connects_and_calls_tools(era: str, messy_project: Path) -> None:
    with serving(messy_project, env={"TASKMASTER_MCP_TOKEN": TOKEN}) as url:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http), mode=era, read_timeout_seconds=30) as client,
        ):
            result = await client.call_tool("next_task", {})
    assert not result.is_error
