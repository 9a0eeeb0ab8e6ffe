"""The initialize_project tool: the skeleton, and with `editors` the same merge as `taskmaster-mcp init --editor`."""

from __future__ import annotations

import json
from pathlib import Path

from mcp_helpers import connected, error, ok


async def test_initialize_project_configures_editors_and_never_overwrites(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"db": {"command": "db-mcp"}}}))
    (tmp_path / ".taskmaster").mkdir()
    (tmp_path / ".taskmaster/config.json").write_text('{"global": {"projectName": "Mine"}}')
    async with connected(tmp_path, env={"TASKMASTER_MCP_HOME": str(home)}) as client:
        first = await ok(client, "initialize_project", editors="claude-code,windsurf")
        second = await ok(client, "initialize_project", editors="claude-code,windsurf")
    servers = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]
    assert ".taskmaster/config.json" in first["kept"]
    assert json.loads((tmp_path / ".taskmaster/config.json").read_text()) == {"global": {"projectName": "Mine"}}
    assert set(servers) == {"db", "taskmaster"}
    assert [e["changed"] for e in first["editors"]] == [True, True]
    assert [e["changed"] for e in second["editors"]] == [False, False]
    assert (home / ".codeium/windsurf/mcp_config.json").is_file()
    assert "`next_task`" in (tmp_path / "CLAUDE.md").read_text() and (tmp_path / "AGENTS.md").is_file()


async def test_initialize_project_names_valid_editors_for_an_unknown_one(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASKMASTER_MCP_HOME": str(tmp_path)}) as client:
        message = await error(client, "initialize_project", editors="notepad")
    assert "cursor, windsurf, claude-desktop, vscode, claude-code, zed" in message


async def test_initialize_project_schema_stays_small(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "initialize_project")
    assert set(tool.input_schema["properties"]) == {"projectRoot", "projectName", "editors"}
    assert len(json.dumps(tool.input_schema)) < 400
