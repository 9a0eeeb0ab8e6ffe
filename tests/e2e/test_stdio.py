"""The installed console script over real stdio: the SDK client works with it, and stdout carries only JSON-RPC."""

from __future__ import annotations

import json
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from servers import console_script


async def test_the_installed_script_serves_tools_to_the_sdk_stdio_client(era: str, messy_project: Path) -> None:
    params = StdioServerParameters(command=console_script(), args=[], cwd=str(messy_project))
    async with Client(params, mode=era, read_timeout_seconds=30) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("set_task_status", {"id": "8.1", "status": "done"})
        bad = await client.call_tool("get_task", {"id": "99"})
    assert {"get_tasks", "next_task", "set_task_status", "expand_task", "enable_tools"} <= tools
    assert "move_task" not in tools and "generate" not in tools  # listed once enable_tools switches their group on
    assert not result.is_error
    assert bad.is_error and "get_tasks" in getattr(bad.content[0], "text", "")
    saved = json.loads((messy_project / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    assert saved["master"]["tasks"][7]["subtasks"][0]["status"] == "done"


def _session(
    cwd: Path,
    env: dict[str, str] | None = None,
    calls: list[tuple[str, dict[str, Any]]] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Drive one legacy-protocol session by hand; return every stdout line parsed as JSON, and stderr."""
    messages: list[dict[str, Any]] = [
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    ]
    for n, (name, arguments) in enumerate(calls or [], start=2):
        messages.append(
            {"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
        )
    base_env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    proc = subprocess.Popen(
        [console_script()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**base_env, **(env or {})},
    )
    assert proc.stdin is not None and proc.stdout is not None
    expected = {m["id"] for m in messages if "id" in m}
    lines: list[str] = []
    try:
        for message in messages:
            proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        seen: set[int] = set()
        while seen != expected and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            seen.add(json.loads(line).get("id", -1))  # a non-JSON line fails the test here
        proc.stdin.close()
        proc.wait(timeout=30)
        lines += proc.stdout.read().splitlines()
        stderr = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    parsed = [json.loads(line) for line in lines if line.strip()]
    for message in parsed:
        assert message.get("jsonrpc") == "2.0", message
    return parsed, stderr


def _responses(parsed: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {m["id"]: m for m in parsed if "id" in m}


@pytest.mark.parametrize("damage", ["corrupt-tasks", "broken-config", "no-taskmaster", "bad-profile"])
def test_stdout_carries_only_json_rpc_whatever_is_broken(tmp_path: Path, messy_project: Path, damage: str) -> None:
    cwd = messy_project
    env: dict[str, str] = {}
    if damage == "corrupt-tasks":
        (messy_project / ".taskmaster/tasks/tasks.json").write_text("{ not json")
    elif damage == "broken-config":
        (messy_project / ".taskmaster/config.json").write_text('{"models": {"main": 5}, "global": [')
    elif damage == "no-taskmaster":
        cwd = tmp_path / "empty"
        cwd.mkdir()
    else:
        env["TASK_MASTER_TOOLS"] = "no_such_tool"
    calls = [
        ("get_tasks", {}),
        ("next_task", {}),
        ("add_task", {"title": "x"}),
        ("set_task_status", {"id": "1", "status": "done"}),
        ("get_task", {"id": "zz.."}),
    ]
    parsed = _responses(_session(cwd, env, calls)[0])
    assert len(parsed[1]["result"]["tools"]) >= 20
    for n in range(2, 2 + len(calls)):
        assert n in parsed, f"no response to call {n}"
        result = parsed[n]["result"]
        if result.get("isError"):
            text = result["content"][0]["text"]
            assert "failed unexpectedly" not in text, text


@pytest.mark.parametrize("root", ["/", "../..", "relative/folder", "."])
async def test_the_filesystem_root_and_relative_project_roots_are_refused_and_nothing_is_written(
    era: str, tmp_path: Path, root: str
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    params = StdioServerParameters(command=console_script(), args=[], cwd=str(workdir))
    async with Client(params, mode=era, read_timeout_seconds=30) as client:
        init = await client.call_tool("initialize_project", {"projectRoot": root})
        listing = await client.call_tool("get_tasks", {"projectRoot": root})
    for result in (init, listing):
        text = getattr(result.content[0], "text", "")
        assert result.is_error
        assert ("Pass" in text and "absolute path" in text) or "filesystem root" in text
        assert "This is a bug" not in text
    assert list(workdir.iterdir()) == []
    assert not Path("/.taskmaster").exists()
