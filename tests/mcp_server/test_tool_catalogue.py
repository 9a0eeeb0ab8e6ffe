"""The catalogue is the one definition of every tool: titles, annotations, AI-ness and groups come from it, the
default listing fits every client, and ``enable_tools`` lists the rest with ``tools/list_changed``."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters, types

from mcp_helpers import connected, error, ok, snapshot
from servers import console_script, serving
from taskmaster_mcp.mcp_server.catalogue import CATALOGUE, DEFAULT_TOOLS, GROUPS, SWITCHER, ToolSpec

EVERY = {"TASK_MASTER_TOOLS": "all"}


def calls_a_model(spec: ToolSpec) -> bool:
    """Whether the tool's code path builds an AI context: its function, or a function of its module it calls."""
    module = importlib.import_module(f"taskmaster_mcp.mcp_server.tools.{spec.module}")
    tree = ast.parse(inspect.getsource(module))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    seen: set[str] = set()
    todo = [spec.function or spec.name]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name):
                if node.id == "ai_context":
                    return True
                todo.append(node.id)
    return False


def test_the_detector_sees_a_model_call_in_a_helper_and_none_in_a_plain_tool() -> None:
    by_name = {s.name: s for s in CATALOGUE}
    assert calls_a_model(by_name["scope_up_task"])  # through its module's _scope helper
    assert calls_a_model(by_name["autopilot_finalize"])  # through _review
    assert not calls_a_model(by_name["get_tasks"]) and not calls_a_model(by_name["enable_tools"])


async def test_every_tool_that_calls_a_model_takes_fresh_and_no_other_does(tmp_path: Path) -> None:
    async with connected(tmp_path, env=EVERY) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for spec in CATALOGUE:
        if spec.name == SWITCHER:
            continue
        takes_fresh = "fresh" in tools[spec.name].input_schema["properties"]
        assert takes_fresh == calls_a_model(spec), f"{spec.name}: calls a model but has no fresh, or the reverse"
        assert takes_fresh == spec.ai, spec.name


async def test_every_tool_has_a_title_and_the_catalogues_annotations(tmp_path: Path) -> None:
    async with connected(tmp_path, env=EVERY) as client:
        tools = (await client.list_tools()).tools
    async with connected(tmp_path) as client:
        tools += (await client.list_tools()).tools
    by_name = {s.name: s for s in CATALOGUE}
    assert {t.name for t in tools} == set(by_name)
    for tool in tools:
        spec = by_name[tool.name]
        assert tool.title == spec.title and tool.annotations is not None, tool.name
        assert bool(tool.annotations.read_only_hint) == spec.read_only, tool.name
        assert (tool.annotations.open_world_hint is not False) == spec.opens_world, tool.name


async def test_the_default_listing_is_the_daily_loop_in_at_most_25_tools_and_every_other_tool_still_answers(
    messy_project: Path,
) -> None:
    async with connected(messy_project) as client:
        listed = (await client.list_tools()).tools
        hidden = await ok(client, "validate_dependencies")  # listed by default
        moved = await ok(client, "usage_report")  # not listed: still callable by name
    names = [t.name for t in listed]
    assert names == list(DEFAULT_TOOLS) and len(names) <= 25
    assert {"get_tasks", "next_task", "set_task_status", "expand_task", "parse_prd", "update_subtask"} <= set(names)
    assert "usage_report" not in names and hidden and moved
    size = len(json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed]))
    assert size < 16_000, size  # docs/tools.md states the measured figure


async def test_enable_tools_lists_a_group_and_refuses_an_unknown_one_naming_the_groups(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, "enable_tools", groups="everything")
        switched = await ok(client, "enable_tools", groups="Tags, autopilot")
        again = await ok(client, "enable_tools", groups="tags")
        names = {t.name for t in (await client.list_tools()).tools}
    assert "everything" in message and "autopilot" in message and "all" in message
    assert set(switched["enabled"]) == (set(GROUPS["tags"]) | set(GROUPS["autopilot"])) - set(DEFAULT_TOOLS)
    assert again["enabled"] == []
    assert set(GROUPS["tags"]) | set(GROUPS["autopilot"]) <= names and "move_task" not in names
    assert snapshot(messy_project) == before


async def test_other_profiles_list_every_tool_they_serve_and_have_no_switcher(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "core"}) as client:
        core = {t.name for t in (await client.list_tools()).tools}
    assert SWITCHER not in core and "parse_prd" in core and len(core) == 7


async def _switch_and_watch(client: Client, seen: list[str]) -> set[str]:
    """Call enable_tools and return the listing after the list-changed notification arrived."""
    before = {t.name for t in (await client.list_tools()).tools}
    assert "autopilot_start" not in before
    result = await client.call_tool("enable_tools", {"groups": "autopilot"})
    assert not result.is_error
    with anyio.fail_after(10):
        while not seen:
            await anyio.sleep(0.01)  # the notification rides the same stream; bounded by fail_after
    return {t.name for t in (await client.list_tools()).tools}


async def _watched(client: Client, era: str) -> set[str]:
    if era == "legacy":
        return await _switch_and_watch(client, SEEN)
    async with client.listen(tools_list_changed=True) as sub:
        seen: list[str] = []

        async def watch() -> None:
            async for _event in sub:
                seen.append("tools")
                return

        names: set[str] = set()
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch)
            names = await _switch_and_watch(client, seen)
            tg.cancel_scope.cancel()
    return names


SEEN: list[str] = []


async def _on_message(message: Any) -> None:
    if isinstance(message, types.ServerNotification) and isinstance(message, types.ToolListChangedNotification):
        SEEN.append("tools")


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_the_sdk_client_hears_tools_list_changed_and_sees_the_group(
    era: str, transport: str, messy_project: Path
) -> None:
    SEEN.clear()
    if transport == "stdio":
        target: Any = StdioServerParameters(command=console_script(), args=[], cwd=str(messy_project))
        async with Client(target, mode=era, read_timeout_seconds=30, message_handler=_on_message) as client:
            caps = client.server_capabilities
            names = await _watched(client, era)
    else:
        with serving(messy_project) as url:
            async with Client(url, mode=era, read_timeout_seconds=30, message_handler=_on_message) as client:
                caps = client.server_capabilities
                names = await _watched(client, era)
    assert caps.tools is not None and caps.tools.list_changed
    assert set(GROUPS["autopilot"]) <= names


async def test_the_instructions_point_to_enable_tools_only_where_it_is_served(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        default = client.instructions or ""
    async with connected(tmp_path, env=EVERY) as client:
        every = client.instructions or ""
    assert "enable_tools" in default and "enable_tools" not in every


async def test_on_a_2025_session_the_switch_holds_for_that_session_only() -> None:
    from taskmaster_mcp.mcp_server.app import build_app

    server = build_app(env={}, cwd=Path.cwd())
    async with Client(server, mode="legacy") as first, Client(server, mode="legacy") as second:
        switched = await first.call_tool("enable_tools", {"groups": "routing"})
        mine = {t.name for t in (await first.list_tools()).tools}
        theirs = {t.name for t in (await second.list_tools()).tools}
    assert not switched.is_error
    assert set(GROUPS["routing"]) <= mine and not set(GROUPS["routing"]) & theirs
    assert set(DEFAULT_TOOLS) <= theirs
