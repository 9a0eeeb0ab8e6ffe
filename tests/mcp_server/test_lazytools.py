"""Tools are registered on first use and listed from a cache that is only trusted when it matches exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from taskmaster_mcp.mcp_server.app import build_app
from taskmaster_mcp.mcp_server.lazytools import listing_key


def registered(server: Any) -> list[str]:
    return [t.name for t in server._tool_manager.list_tools()]


async def listing(server: Any) -> list[dict[str, Any]]:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


async def test_a_second_start_lists_tools_from_the_cache_without_registering_them(tmp_path: Path) -> None:
    every = {"TASK_MASTER_TOOLS": "all"}
    first = build_app(env=every, cwd=tmp_path, tool_cache=tmp_path / "cache")
    fresh = await listing(first)
    second = build_app(env=every, cwd=tmp_path, tool_cache=tmp_path / "cache")
    cached = await listing(second)
    assert cached == fresh
    assert len(fresh) > 30
    assert registered(second) == []
    assert len(list((tmp_path / "cache").glob("tools-*.json"))) == 1


async def test_building_registers_nothing_and_a_call_after_a_cached_listing_registers_its_tool(
    messy_project: Path, tmp_path: Path
) -> None:
    await listing(build_app(env={}, cwd=messy_project, tool_cache=tmp_path / "cache"))
    server = build_app(env={}, cwd=messy_project, tool_cache=tmp_path / "cache")
    assert registered(server) == []
    async with Client(server) as client:
        await client.list_tools()
        assert registered(server) == []
        result = await client.call_tool("next_task", {})
    assert not result.is_error
    assert "next_task" in registered(server)


async def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    every = {"TASK_MASTER_TOOLS": "all"}
    fresh = await listing(build_app(env=every, cwd=tmp_path))
    cache = tmp_path / "cache"
    server = build_app(env=every, cwd=tmp_path, tool_cache=cache)
    names = [t["name"] for t in fresh]
    cache.mkdir()
    (cache / f"tools-{listing_key(names)}.json").write_text("[{not json")
    assert await listing(server) == fresh
    assert (cache / f"tools-{listing_key(names)}.json").read_text().startswith("[{")


def test_the_cache_key_changes_with_the_tool_selection() -> None:
    assert listing_key(["get_tasks", "next_task"]) != listing_key(["get_tasks"])
