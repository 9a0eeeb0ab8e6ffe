"""The `rules` tool (Task Master's name and parameters): add or remove rule profiles, each profile's agent rules file
and MCP config entry, through the in-memory MCP client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcp_helpers import connected, error, ok, snapshot
from taskmaster_mcp.setup.editors import RULE_PROFILES
from taskmaster_mcp.setup.rules import START


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    return root, {"TASKMASTER_MCP_HOME": str(home)}


async def test_add_writes_every_profiles_rules_and_mcp_entry_and_remove_takes_them_away(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    (root / ".roo").mkdir()
    (root / ".roo/mcp.json").write_text(json.dumps({"mcpServers": {"db": {"command": "db-mcp"}}}))
    async with connected(root, env=env) as client:
        added = await ok(client, "rules", action="add", profiles=["roo", "kiro", "cursor"])
        removed = await ok(client, "rules", action="remove", profiles=["roo", "kiro"])
    assert [p["editor"] for p in added["profiles"]] == ["roo", "kiro", "cursor"]
    assert all(p["changed"] and p["rulesChanged"] for p in added["profiles"])
    assert [p["editor"] for p in removed["profiles"]] == ["roo", "kiro"]
    assert json.loads((root / ".roo/mcp.json").read_text()) == {"mcpServers": {"db": {"command": "db-mcp"}}}
    assert not (root / ".roo/rules").exists() and not (root / ".kiro/steering").exists()
    assert not (root / ".kiro/settings/mcp.json").exists()  # it held only our entry: deleted, with a backup
    assert [p.name.split(".bak-")[0] for p in (root / ".kiro/settings").iterdir()] == ["mcp.json"]
    assert (root / ".cursor/rules/taskmaster.mdc").is_file() and (root / ".cursor/mcp.json").is_file()


async def test_all_fourteen_task_master_profiles_can_be_added_in_one_call(project: tuple[Path, dict[str, str]]) -> None:
    root, env = project
    async with connected(root, env=env) as client:
        added = await ok(client, "rules", action="add", profiles=list(RULE_PROFILES))
    assert len(added["profiles"]) == 14 and not any("error" in p for p in added["profiles"])
    for report in added["profiles"]:
        assert START in Path(report["rules"]).read_text(encoding="utf-8")
        assert Path(report["config"]).is_file()


async def test_an_unknown_profile_is_refused_with_the_list_and_nothing_changes(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    (root / "CLAUDE.md").write_text("# mine\n")
    before = snapshot(root.parent)
    async with connected(root, env=env) as client:
        message = await error(client, "rules", action="add", profiles=["claude", "notepad"])
        empty = await error(client, "rules", action="remove", profiles=[])
    assert "'notepad'" in message and "amp, claude, cline, codex, cursor, gemini, kiro" in message
    assert "at least one" in empty
    assert snapshot(root.parent) == before


async def test_removing_the_last_profile_needs_force(project: tuple[Path, dict[str, str]]) -> None:
    root, env = project
    (root / "CLAUDE.md").write_text("# My notes\n\nUse tabs.\n")
    async with connected(root, env=env) as client:
        await ok(client, "rules", action="add", profiles=["claude"])
        before = snapshot(root.parent)
        message = await error(client, "rules", action="remove", profiles=["claude"])
        assert snapshot(root.parent) == before
        removed = await ok(client, "rules", action="remove", profiles=["claude"], force=True)
    assert "would leave no rule profile" in message and "force=true" in message
    assert removed["profiles"][0]["rulesChanged"]
    assert (root / "CLAUDE.md").read_text() == "# My notes\n\nUse tabs.\n"  # the user's text, as it was
    assert not (root / ".mcp.json").exists()  # it held only our entry


async def test_a_shared_agents_md_stays_while_another_client_still_reads_it(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    async with connected(root, env=env) as client:
        await ok(client, "rules", action="add", profiles=["codex", "opencode"])
        first = await ok(client, "rules", action="remove", profiles=["opencode"])
        assert START in (root / "AGENTS.md").read_text()  # Codex (.codex/config.toml) still launches us
        await ok(client, "rules", action="remove", profiles=["codex"], force=True)
    assert any("AGENTS.md kept: codex" in n for n in first["profiles"][0]["notes"])
    assert not (root / "opencode.json").exists() and not (root / "AGENTS.md").exists()
    assert not (root / ".codex/config.toml").exists()  # it held only our table
    assert not (Path(env["TASKMASTER_MCP_HOME"]) / ".codex/config.toml").exists()


async def test_a_config_that_does_not_parse_refuses_the_whole_call_before_any_change(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    (root / ".gemini").mkdir()
    (root / ".gemini/settings.json").write_text('{"mcpServers": {')
    before = snapshot(root.parent)
    async with connected(root, env=env) as client:
        message = await error(client, "rules", action="add", profiles=["cursor", "gemini"])
    assert "not valid JSON" in message and "settings.json" in message
    assert snapshot(root.parent) == before


async def test_rules_schema_is_task_masters(project: tuple[Path, dict[str, str]]) -> None:
    root, env = project
    async with connected(root, env={**env, "TASK_MASTER_TOOLS": "all"}) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "rules")
    props = tool.input_schema["properties"]
    assert set(props) == {"action", "profiles", "force", "projectRoot"}
    assert props["action"]["enum"] == ["add", "remove"] and props["profiles"]["items"]["enum"] == list(RULE_PROFILES)
    assert tool.annotations is not None and tool.annotations.destructive_hint is not False  # MCP default: true
