"""Editor configs: the shipped files launch the real server, and `init --editor` merges safely and idempotently."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from taskmaster_mcp.setup import rules as agent_rules
from taskmaster_mcp.setup.editors import (
    CLIENTS,
    EDITORS,
    EditorConfigError,
    config_path,
    entry_command,
    parse_jsonc,
    points_at_us,
    server_entries,
)
from taskmaster_mcp.setup.skeleton import setup_editors
from test_stdio import console_script

CONFIGS = Path(__file__).resolve().parents[1] / "editor-configs"
SHIPPED = {
    "cursor": "cursor/.cursor/mcp.json",
    "windsurf": "windsurf/.codeium/windsurf/mcp_config.json",
    "claude-desktop": "claude-desktop/macos/claude_desktop_config.json",
    "claude-desktop-windows": "claude-desktop/windows/claude_desktop_config.json",
    "vscode": "vscode/.vscode/mcp.json",
    "claude-code": "claude-code/.mcp.json",
    "zed": "zed/.config/zed/settings.json",
}
STRICT_JSON = {"cursor", "windsurf", "claude-desktop", "claude-desktop-windows", "claude-code"}


def test_every_file_in_editor_configs_is_one_we_test() -> None:
    files = {str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob("*") if p.is_file() and p.name != "README.md"}
    assert files == set(SHIPPED.values())


def _user_substitutes(text: str, project: Path) -> str:
    """What the README tells a user to do: put in the script's path (and the project's, for Claude Desktop)."""
    script = console_script()
    text = text.replace("C:\\\\ABSOLUTE\\\\PATH\\\\TO\\\\taskmaster-mcp.exe", script)
    text = text.replace("C:\\\\ABSOLUTE\\\\PATH\\\\TO\\\\your-project", str(project))
    text = text.replace("/ABSOLUTE/PATH/TO/taskmaster-mcp", script)
    return text.replace("/ABSOLUTE/PATH/TO/your-project", str(project))


def _client_expands(value: str, project: Path) -> str | None:
    """What the client puts in the child's env for a value (None: an unset variable the client leaves empty)."""
    if value == "${workspaceFolder}":
        return str(project)
    return None if re.fullmatch(r"\$\{[^}]+\}", value) else value


async def test_every_shipped_config_parses_and_starts_the_server_with_tools(messy_project: Path) -> None:
    launched: dict[str, int] = {}

    async def start(name: str, entry: dict[str, Any]) -> None:
        command, args = entry_command(entry)
        env = {k: v for k, raw in entry.get("env", {}).items() if (v := _client_expands(raw, messy_project))}
        params = StdioServerParameters(command=command, args=args, env=env, cwd=str(messy_project))
        async with Client(params, read_timeout_seconds=30) as client:
            launched[name] = len((await client.list_tools()).tools)

    entries: dict[str, dict[str, Any]] = {}
    for name, rel in SHIPPED.items():
        text = _user_substitutes((CONFIGS / rel).read_text(encoding="utf-8"), messy_project)
        if name in STRICT_JSON:
            json.loads(text)  # these clients need strict JSON
        document, _ = parse_jsonc(text, CONFIGS / rel)
        editor = name.removesuffix("-windows")
        found = [e for e in server_entries(document, editor).values() if points_at_us(e)]
        assert len(found) == 1, name
        assert entry_command(found[0])[0] == console_script(), name
        if editor == "vscode":
            assert found[0]["type"] == "stdio"
            ids = {i["id"] for i in document["inputs"]}
            assert {m for v in found[0]["env"].values() for m in re.findall(r"\$\{input:([^}]+)\}", v)} <= ids
        entries[name] = found[0]
    entries.pop("claude-desktop-windows")  # the same entry as macOS with a Windows path
    with anyio.fail_after(90):
        async with anyio.create_task_group() as group:
            for name, entry in entries.items():
                group.start_soon(start, name, entry)
    assert set(launched) == set(entries) and min(launched.values()) >= 20


def _other_servers(editor: str) -> str:
    section = CLIENTS[editor].section
    return ("// my settings\n{\n  \"theme\": \"One Dark\", /* keep */\n  \"" + section + "\": {\n"
            "    \"github\": {\"command\": \"gh-mcp\", \"args\": [\"--x\"], \"env\": {\"TOKEN\": \"t\"}},\n"
            "  },\n  \"inputs\": [{\"id\": \"gh\", \"type\": \"promptString\"}],\n}\n")


@pytest.mark.parametrize("editor", EDITORS)
def test_init_editor_merges_keeps_other_servers_backs_up_and_is_idempotent(tmp_path: Path, editor: str) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir()
    target = config_path(editor, root, home)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_other_servers(editor), encoding="utf-8")
    first = setup_editors(root, [editor], providers=["anthropic"], home=home, command=("/opt/tm/taskmaster-mcp", []))
    after_first = target.read_text(encoding="utf-8")
    second = setup_editors(root, [editor], providers=["anthropic"], home=home, command=("/opt/tm/taskmaster-mcp", []))
    document, _ = parse_jsonc(after_first, target)
    section = document[CLIENTS[editor].section]
    assert first[0]["changed"] and Path(first[0]["backup"]).read_text(encoding="utf-8") == _other_servers(editor)
    assert section["github"] == {"command": "gh-mcp", "args": ["--x"], "env": {"TOKEN": "t"}}
    assert document["theme"] == "One Dark" and {"id": "gh", "type": "promptString"} in document["inputs"]
    assert entry_command(section["taskmaster"]) == ("/opt/tm/taskmaster-mcp", [])
    assert "ANTHROPIC_API_KEY" in section["taskmaster"]["env"]
    assert second[0]["changed"] is False and second[0]["backup"] is None
    assert target.read_text(encoding="utf-8") == after_first
    assert len(list(target.parent.glob(target.name + ".bak-*"))) == 1
    if CLIENTS[editor].global_only:
        assert home in target.parents
    else:
        assert root in target.parents


def test_a_key_the_user_typed_survives_a_rerun(tmp_path: Path) -> None:
    home = tmp_path / "home"
    setup_editors(tmp_path, ["windsurf"], providers=["anthropic"], home=home, command=("/bin/tm", []))
    target = config_path("windsurf", tmp_path, home)
    document = json.loads(target.read_text())
    document["mcpServers"]["taskmaster"]["env"]["ANTHROPIC_API_KEY"] = "sk-ant-real"
    target.write_text(json.dumps(document))
    report = setup_editors(tmp_path, ["windsurf"], providers=["anthropic"], home=home, command=("/bin/tm2", []))
    saved = json.loads(target.read_text())["mcpServers"]["taskmaster"]
    assert report[0]["changed"] and saved["command"] == "/bin/tm2"
    assert saved["env"]["ANTHROPIC_API_KEY"] == "sk-ant-real"


def test_a_config_that_does_not_parse_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = config_path("cursor", tmp_path, tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text('{"mcpServers": {"a": {"command": "x"}} oops', encoding="utf-8")
    report = setup_editors(tmp_path, ["cursor"], providers=[], home=tmp_path, command=("/bin/tm", []))
    assert "not valid JSON (line 1" in report[0]["error"] and "left unchanged" in report[0]["error"]
    assert target.read_text(encoding="utf-8") == '{"mcpServers": {"a": {"command": "x"}} oops'
    assert list(target.parent.glob("*.bak-*")) == []


def test_a_server_section_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EditorConfigError, match="not an object"):
        from taskmaster_mcp.setup.editors import install_editor

        target = config_path("claude-code", tmp_path, tmp_path)
        target.write_text('{"mcpServers": []}')
        install_editor("claude-code", tmp_path, "/bin/tm", [], [], tmp_path)


def test_rules_are_a_marked_section_replaced_on_rerun_and_other_text_kept(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text("# My notes\n\nUse tabs.\n", encoding="utf-8")
    setup_editors(tmp_path, ["claude-code", "cursor"], providers=[], home=tmp_path, command=("/bin/tm", []))
    text = (tmp_path / "CLAUDE.md").read_text(encoding="utf-8")
    edited = text.replace("Always pass", "ALWAYS pass")
    (tmp_path / "CLAUDE.md").write_text(edited + "\nMore notes.\n", encoding="utf-8")
    again = setup_editors(tmp_path, ["claude-code"], providers=[], home=tmp_path, command=("/bin/tm", []))
    final = (tmp_path / "CLAUDE.md").read_text(encoding="utf-8")
    assert text.startswith("# My notes\n\nUse tabs.\n") and text.count(agent_rules.START) == 1
    assert again[0]["rulesChanged"] and "ALWAYS" not in final and final.endswith("More notes.\n")
    assert final.count(agent_rules.START) == 1
    for tool in ("parse_prd", "next_task", "get_task", "set_task_status", "update_subtask", "expand_task"):
        assert f"`{tool}`" in final
    mdc = (tmp_path / ".cursor/rules/taskmaster.mdc").read_text(encoding="utf-8")
    assert mdc.startswith("---\ndescription:") and "alwaysApply: true" in mdc


def test_unknown_editor_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(EditorConfigError, match="cursor, windsurf"):
        setup_editors(tmp_path, ["emacs"], providers=[], home=tmp_path)
