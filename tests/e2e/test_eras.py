"""Both MCP protocol eras, over the real transports: the client's roots pick and confine the project in each.

``mode="legacy"`` opens a 2025-11-25 session (initialize handshake, roots/list asked mid-call); the default
``"auto"`` negotiates 2026-07-28, where the server gets the roots through an input-required round trip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import ListRootsResult, Root

from servers import console_script, serving


def roots_callback(folder: Path) -> Any:
    async def roots(_: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=folder.as_uri())])  # pyright: ignore[reportArgumentType]

    return roots


async def _check(client: Client, elsewhere: Path) -> None:
    inside = await client.call_tool("get_tasks", {})
    outside = await client.call_tool("get_tasks", {"projectRoot": str(elsewhere)})
    init = await client.call_tool("initialize_project", {"projectRoot": str(elsewhere)})
    assert not inside.is_error and (inside.structured_content or {})["stats"]["tasks"] == 8
    for refused in (outside, init):
        assert refused.is_error and "outside the workspace roots" in getattr(refused.content[0], "text", "")
    assert list(elsewhere.iterdir()) == []


async def test_stdio_takes_the_project_from_the_client_roots_and_confines_it(
    messy_project: Path, tmp_path: Path, era: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    params = StdioServerParameters(command=console_script(), args=[], cwd=str(tmp_path))
    async with Client(
        params, mode=era, list_roots_callback=roots_callback(messy_project), read_timeout_seconds=30
    ) as client:
        await _check(client, elsewhere)


async def test_a_shared_http_server_serves_its_pinned_project_whatever_the_client_roots_say(
    messy_project: Path, tmp_path: Path, era: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with serving(messy_project) as url:
        async with Client(
            url, mode=era, list_roots_callback=roots_callback(elsewhere), read_timeout_seconds=30
        ) as client:
            listed = await client.call_tool("get_tasks", {"projectRoot": str(elsewhere)})
            init = await client.call_tool("initialize_project", {"projectRoot": str(elsewhere)})
    assert not listed.is_error and (listed.structured_content or {})["stats"]["tasks"] == 8
    assert not init.is_error and (init.structured_content or {})["projectRoot"] == str(messy_project.resolve())
    assert list(elsewhere.iterdir()) == []
