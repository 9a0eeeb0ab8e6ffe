"""Editor configs: the shipped files launch the real server, and `init --editor` writes each client's MCP config and
agent rules where that client reads them, merging safely and idempotently."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from servers import console_script
from taskmaster_mcp.setup import rules as agent_rules
from taskmaster_mcp.setup.editors import (
    CLIENTS,
    EDITORS,
    RULE_PROFILES,
    EditorConfigError,
    config_path,
    entry_command,
    env_key,
    install_editor,
    parse_config,
    parse_jsonc,
    points_at_us,
    server_entries,
)
from taskmaster_mcp.setup.entries import KEY_STYLES
from taskmaster_mcp.setup.skeleton import setup_editors

CONFIGS = Path(__file__).resolve().parents[2] / "editor-configs"
SHIPPED = {
    "cursor": "cursor/.cursor/mcp.json",
    "windsurf": "windsurf/.codeium/windsurf/mcp_config.json",
    "claude-desktop": "claude-desktop/macos/claude_desktop_config.json",
    "claude-desktop-windows": "claude-desktop/windows/claude_desktop_config.json",
    "vscode": "vscode/.vscode/mcp.json",
    "claude-code": "claude-code/.mcp.json",
    "zed": "zed/.config/zed/settings.json",
    "amp": "amp/.amp/settings.json",
    "cline": "cline/cline_mcp_settings.json",
    "codex": "codex/.codex/config.toml",
    "gemini": "gemini/.gemini/settings.json",
    "kilo": "kilo/.kilo/kilo.jsonc",
    "kiro": "kiro/.kiro/settings/mcp.json",
    "opencode": "opencode/opencode.json",
    "roo": "roo/.roo/mcp.json",
    "trae": "trae/.trae/mcp.json",
}
STRICT_JSON = {
    "cursor",
    "windsurf",
    "claude-desktop",
    "claude-desktop-windows",
    "claude-code",
    "cline",
    "gemini",
    "kiro",
    "opencode",
    "roo",
    "trae",
}

# Where each client reads its MCP servers (~ is home; Linux paths) and its agent rules: the contract init must keep.
EXPECTED: dict[str, tuple[str, str, str | None]] = {
    "cursor": (".cursor/mcp.json", "mcpServers", ".cursor/rules/taskmaster.mdc"),
    "windsurf": ("~/.codeium/windsurf/mcp_config.json", "mcpServers", ".windsurf/rules/taskmaster.md"),
    "claude-desktop": ("~/.config/Claude/claude_desktop_config.json", "mcpServers", None),
    "vscode": (".vscode/mcp.json", "servers", ".github/instructions/taskmaster.instructions.md"),
    "claude-code": (".mcp.json", "mcpServers", "CLAUDE.md"),
    "zed": ("~/.config/zed/settings.json", "context_servers", ".rules"),
    "amp": (".amp/settings.json", "amp.mcpServers", "AGENTS.md"),
    "cline": (
        "~/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        "mcpServers",
        ".clinerules/taskmaster.md",
    ),
    "codex": (".codex/config.toml", "mcp_servers", "AGENTS.md"),
    "gemini": (".gemini/settings.json", "mcpServers", "GEMINI.md"),
    "kilo": (".kilo/kilo.jsonc", "mcp", ".kilo/rules/taskmaster.md"),
    "kiro": (".kiro/settings/mcp.json", "mcpServers", ".kiro/steering/taskmaster.md"),
    "opencode": ("opencode.json", "mcp", "AGENTS.md"),
    "roo": (".roo/mcp.json", "mcpServers", ".roo/rules/taskmaster.md"),
    "trae": (".trae/mcp.json", "mcpServers", ".trae/rules/taskmaster.md"),
}
FRONT_MATTER = {
    "cursor": "alwaysApply: true",
    "windsurf": "trigger: always_on",
    "vscode": 'applyTo: "**"',
    "kiro": "inclusion: always",
}


def _passes_key(editor: str, entry: dict[str, Any], variable: str) -> bool:
    """True when the entry hands ``variable`` to the server the way the client can: a reference, a VS Code input,
    Codex's env_vars; for clients with no reference syntax, by writing nothing (the server reads .env)."""
    style = KEY_STYLES[editor]
    if style == "names":
        return variable in entry["env_vars"] and variable not in entry.get("env", {})
    if style == "none":
        return variable not in entry.get(env_key(editor), {})
    return variable in entry[env_key(editor)]


def test_every_editor_and_every_task_master_profile_is_covered() -> None:
    assert set(EDITORS) == set(EXPECTED)
    assert set(RULE_PROFILES) == {
        "amp",
        "claude",
        "cline",
        "codex",
        "cursor",
        "gemini",
        "kiro",
        "opencode",
        "kilo",
        "roo",
        "trae",
        "vscode",
        "windsurf",
        "zed",
    }
    assert {CLIENTS[e].profile or e for e in EDITORS} - {"claude-desktop"} == set(RULE_PROFILES)


def test_every_file_in_editor_configs_is_one_we_test() -> None:
    files = {str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob("*") if p.is_file() and p.name != "README.md"}
    # The Claude Desktop bundle's sources are no client config file; tests/setup/test_bundle.py tests them.
    files = {f for f in files if not f.startswith("claude-desktop/mcpb/")}
    assert files == set(SHIPPED.values())
    assert set(SHIPPED) - {"claude-desktop-windows"} == set(EDITORS)


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
    return None if re.fullmatch(r"\$\{[^}]+\}|\{env:[^}]+\}", value) else value


async def test_every_shipped_config_parses_and_starts_the_server_with_tools(messy_project: Path) -> None:
    launched: dict[str, int] = {}

    async def start(name: str, entry: dict[str, Any]) -> None:
        command, args = entry_command(entry)
        block = entry.get(env_key(name), {})
        env = {k: v for k, raw in block.items() if (v := _client_expands(raw, messy_project))}
        params = StdioServerParameters(command=command, args=args, env=env, cwd=str(messy_project))
        async with Client(params, read_timeout_seconds=60) as client:
            launched[name] = len((await client.list_tools()).tools)

    entries: dict[str, dict[str, Any]] = {}
    for name, rel in SHIPPED.items():
        text = _user_substitutes((CONFIGS / rel).read_text(encoding="utf-8"), messy_project)
        if name in STRICT_JSON:
            json.loads(text)  # these clients need strict JSON
        editor = name.removesuffix("-windows")
        document, _ = parse_config(editor, text, CONFIGS / rel)
        found = [e for e in server_entries(document, editor).values() if points_at_us(e)]
        assert len(found) == 1, name
        assert entry_command(found[0])[0] == console_script(), name
        if editor == "vscode":
            assert found[0]["type"] == "stdio"
            ids = {i["id"] for i in document["inputs"]}
            assert {m for v in found[0]["env"].values() for m in re.findall(r"\$\{input:([^}]+)\}", v)} <= ids
        entries[name] = found[0]
    entries.pop("claude-desktop-windows")  # the same entry as macOS with a Windows path
    with anyio.fail_after(180):
        async with anyio.create_task_group() as group:
            for name, entry in entries.items():
                group.start_soon(start, name, entry)
    assert set(launched) == set(EDITORS) and min(launched.values()) >= 20


def _expected_path(where: str, root: Path, home: Path) -> Path:
    return home / where[2:] if where.startswith("~/") else root / where


@pytest.mark.skipif(sys.platform != "linux", reason="the table holds the Linux locations of the global files")
@pytest.mark.parametrize("editor", EDITORS)
def test_init_writes_the_config_and_rules_where_each_client_reads_them_and_a_rerun_changes_nothing(
    tmp_path: Path, editor: str
) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir()
    where, section, rules_file = EXPECTED[editor]
    first = setup_editors(root, [editor], providers=["anthropic"], home=home, command=("/opt/tm/taskmaster-mcp", []))
    target = _expected_path(where, root, home)
    assert first[0]["config"] == str(target) and first[0]["changed"] and first[0]["backup"] is None
    document, _ = parse_config(editor, target.read_text(encoding="utf-8"), target)
    entry = document[section]["taskmaster"]
    assert points_at_us(entry) and entry_command(entry) == ("/opt/tm/taskmaster-mcp", [])
    assert _passes_key(editor, entry, "ANTHROPIC_API_KEY")
    if rules_file is None:
        assert "rules" not in first[0]
    else:
        text = (root / rules_file).read_text(encoding="utf-8")
        assert first[0]["rules"] == str(root / rules_file) and agent_rules.START in text and "`next_task`" in text
        if editor in FRONT_MATTER:
            assert text.startswith("---\n") and FRONT_MATTER[editor] in text.split("---")[1]
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = setup_editors(root, [editor], providers=["anthropic"], home=home, command=("/opt/tm/taskmaster-mcp", []))
    assert second[0]["changed"] is False and second[0].get("rulesChanged", False) is False
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == snapshot


def _other_servers(editor: str) -> str:
    if editor == "codex":
        return (
            '# my codex settings\nmodel = "o4"\n\n[mcp_servers.github]\ncommand = "gh-mcp"\nargs = ["--x"]\n'
            'env = { TOKEN = "t" }\n\n[profiles.fast]\nmodel = "mini"\n'
        )
    section = CLIENTS[editor].section
    return (
        '// my settings\n{\n  "theme": "One Dark", /* keep */\n  "' + section + '": {\n'
        '    "github": {"command": "gh-mcp", "args": ["--x"], "env": {"TOKEN": "t"}},\n'
        '  },\n  "inputs": [{"id": "gh", "type": "promptString"}],\n}\n'
    )


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
    document, _ = parse_config(editor, after_first, target)
    section = document[CLIENTS[editor].section]
    assert first[0]["changed"] and Path(first[0]["backup"]).read_text(encoding="utf-8") == _other_servers(editor)
    assert section["github"] == {"command": "gh-mcp", "args": ["--x"], "env": {"TOKEN": "t"}}
    if editor == "codex":  # TOML is edited as text: everything else stays byte for byte
        assert after_first.startswith(_other_servers(editor).rstrip("\n")) and document["profiles"]["fast"]
    else:
        assert document["theme"] == "One Dark" and {"id": "gh", "type": "promptString"} in document["inputs"]
    assert entry_command(section["taskmaster"]) == ("/opt/tm/taskmaster-mcp", [])
    assert _passes_key(editor, section["taskmaster"], "ANTHROPIC_API_KEY")
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
    document["mcpServers"]["taskmaster"].setdefault("env", {})["ANTHROPIC_API_KEY"] = "sk-ant-real"
    target.write_text(json.dumps(document))
    report = setup_editors(tmp_path, ["windsurf"], providers=["anthropic"], home=home, command=("/bin/tm2", []))
    saved = json.loads(target.read_text())["mcpServers"]["taskmaster"]
    assert report[0]["changed"] and saved["command"] == "/bin/tm2"
    assert saved["env"]["ANTHROPIC_API_KEY"] == "sk-ant-real"


def test_codex_keeps_a_key_typed_in_toml_and_replaces_only_our_table(tmp_path: Path) -> None:
    home = tmp_path / "home"
    setup_editors(tmp_path, ["codex"], providers=["anthropic"], home=home, command=("/bin/tm", []))
    target = config_path("codex", tmp_path, home)
    typed = '[mcp_servers.taskmaster]\nenv = { ANTHROPIC_API_KEY = "sk-ant-real" }\n'
    edited = target.read_text().replace("[mcp_servers.taskmaster]\n", typed) + "\n[tools]\nweb = true\n"
    target.write_text(edited)
    report = setup_editors(tmp_path, ["codex"], providers=["anthropic"], home=home, command=("/bin/tm2", []))
    saved = tomllib.loads(target.read_text())
    assert report[0]["changed"] and saved["mcp_servers"]["taskmaster"]["command"] == "/bin/tm2"
    assert saved["mcp_servers"]["taskmaster"]["env"]["ANTHROPIC_API_KEY"] == "sk-ant-real"
    assert saved["tools"] == {"web": True} and target.read_text().count("[mcp_servers.taskmaster]") == 1


def test_codex_entry_written_inline_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = config_path("codex", tmp_path, tmp_path)
    target.parent.mkdir(parents=True)
    inline = 'mcp_servers = { taskmaster = { command = "/old/tm", args = [] } }\n'
    target.write_text(inline)
    report = setup_editors(tmp_path, ["codex"], providers=[], home=tmp_path, command=("/bin/tm", []))
    assert "could not update the [mcp_servers.taskmaster] table safely" in report[0]["error"]
    assert target.read_text() == inline and list(target.parent.glob("*.bak-*")) == []


def test_opencode_gets_its_schema_and_command_list_and_roo_keeps_a_timeout_the_user_chose(tmp_path: Path) -> None:
    roo = config_path("roo", tmp_path, tmp_path)
    roo.parent.mkdir()
    roo.write_text(json.dumps({"mcpServers": {"taskmaster": {"command": "/old/tm", "timeout": 900}}}))
    setup_editors(tmp_path, ["opencode", "roo"], providers=["openai"], home=tmp_path, command=("/bin/tm", ["-q"]))
    opencode = json.loads((tmp_path / "opencode.json").read_text())
    assert opencode["$schema"] == "https://opencode.ai/config.json"
    assert opencode["mcp"]["taskmaster"] == {
        "type": "local",
        "command": ["/bin/tm", "-q"],
        "enabled": True,
        "environment": {"OPENAI_API_KEY": "{env:OPENAI_API_KEY}"},
    }
    assert json.loads(roo.read_text())["mcpServers"]["taskmaster"]["timeout"] == 900
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    setup_editors(fresh, ["roo"], providers=[], home=tmp_path, command=("/bin/tm", []))
    assert json.loads((fresh / ".roo/mcp.json").read_text())["mcpServers"]["taskmaster"]["timeout"] == 300


def test_claude_desktop_follows_the_project_init_last_ran_in_and_says_so(tmp_path: Path) -> None:
    home, first, second = tmp_path / "home", tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    setup_editors(first, ["claude-desktop"], providers=[], home=home, command=("/bin/tm", []))
    report = setup_editors(second, ["claude-desktop"], providers=[], home=home, command=("/bin/tm", []))
    entry = json.loads(config_path("claude-desktop", second, home).read_text())["mcpServers"]["taskmaster"]
    assert entry["env"]["TASK_MASTER_PROJECT_ROOT"] == str(second)
    assert any(f"now serves {second} (it served {first})" in note for note in report[0]["notes"])


def test_a_config_that_does_not_parse_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = config_path("cursor", tmp_path, tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text('{"mcpServers": {"a": {"command": "x"}} oops', encoding="utf-8")
    report = setup_editors(tmp_path, ["cursor"], providers=[], home=tmp_path, command=("/bin/tm", []))
    assert "not valid JSON (line 1" in report[0]["error"] and "left unchanged" in report[0]["error"]
    assert target.read_text(encoding="utf-8") == '{"mcpServers": {"a": {"command": "x"}} oops'
    assert list(target.parent.glob("*.bak-*")) == []
    with pytest.raises(EditorConfigError, match="not valid JSON"):
        setup_editors(tmp_path, ["cursor"], providers=[], home=tmp_path, command=("/bin/tm", []), strict=True)


def test_a_server_section_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    target = config_path("claude-code", tmp_path, tmp_path)
    target.write_text('{"mcpServers": []}')
    with pytest.raises(EditorConfigError, match="not an object"):
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


def test_task_masters_profile_name_claude_means_claude_code(tmp_path: Path) -> None:
    report = setup_editors(tmp_path, ["claude", "Claude-Code"], providers=[], home=tmp_path, command=("/bin/tm", []))
    assert [r["editor"] for r in report] == ["claude-code"]
    assert json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]["taskmaster"]["type"] == "stdio"


def test_unknown_editor_names_the_valid_ones_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(EditorConfigError, match="Use one of: amp, claude, cline, codex, cursor") as caught:
        setup_editors(tmp_path, ["cursor", "emacs"], providers=[], home=tmp_path)
    assert "'emacs'" in str(caught.value) and "claude-desktop" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_parse_jsonc_still_reads_comments_and_trailing_commas(tmp_path: Path) -> None:
    assert parse_jsonc('// c\n{"a": [1, 2,], /* x */ "b": "//not a comment",}', tmp_path / "x") == (
        {"a": [1, 2], "b": "//not a comment"},
        True,
    )


def test_the_keys_an_editor_config_passes_cover_the_extra_roles_providers(tmp_path: Path) -> None:
    from taskmaster_mcp.setup.skeleton import role_providers

    (tmp_path / ".taskmaster").mkdir()
    (tmp_path / ".taskmaster/config.json").write_text(
        json.dumps(
            {
                "models": {
                    "main": {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514"},
                    "research": {"provider": "perplexity", "modelId": "sonar-pro"},
                },
                "taskmasterMcp": {"roles": {"fast": {"provider": "openai", "modelId": "gpt-4.1-mini"}}},
            }
        )
    )
    assert role_providers(tmp_path) == ["anthropic", "perplexity", "openai"]
