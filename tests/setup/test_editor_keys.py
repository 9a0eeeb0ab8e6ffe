"""Editor configs as the current clients load them: no key values or placeholders in any file init writes, the
reference syntax each client expands, long per-server time limits, the files Amp and Codex read now, first-run
notes, and the checked-in examples under editor-configs/ equal to what init writes."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from taskmaster_mcp.setup import rules as agent_rules
from taskmaster_mcp.setup.editors import (
    CLIENTS,
    EDITORS,
    config_path,
    env_key,
    parse_config,
    server_entries,
)
from taskmaster_mcp.setup.entries import KEY_STYLES
from taskmaster_mcp.setup.skeleton import remove_editors, setup_editors

CONFIGS = Path(__file__).resolve().parents[2] / "editor-configs"
TM: tuple[str, list[str]] = ("/opt/tm/taskmaster-mcp", [])
PROVIDERS = ["anthropic", "perplexity", "openai"]
KEYS = ("ANTHROPIC_API_KEY", "PERPLEXITY_API_KEY", "OPENAI_API_KEY")


def _entry(editor: str, root: Path, home: Path) -> dict[str, Any]:
    path = config_path(editor, root, home)
    return server_entries(parse_config(editor, path.read_text(encoding="utf-8"), path)[0], editor)["taskmaster"]


def _setup(tmp_path: Path, editors: list[str]) -> tuple[Path, Path, list[dict[str, Any]]]:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir(exist_ok=True)
    return root, home, setup_editors(root, editors, providers=PROVIDERS, home=home, command=TM)


@pytest.mark.parametrize("editor", EDITORS)
def test_no_file_init_writes_holds_a_key_value_or_placeholder(tmp_path: Path, editor: str) -> None:
    root, home, report = _setup(tmp_path, [editor])
    text = config_path(editor, root, home).read_text(encoding="utf-8")
    assert "YOUR_" not in text and "_HERE" not in text
    entry = _entry(editor, root, home)
    for value in entry.get(env_key(editor), {}).values():  # only references the client fills in, or our root
        assert re.fullmatch(r"\$\{[^}]+\}|\{env:[^}]+\}", value) or value == str(root), value
    if KEY_STYLES[editor] == "none":
        assert not set(KEYS) & set(entry.get(env_key(editor), {}))
        assert any(".env" in note and "ANTHROPIC_API_KEY" in note for note in report[0]["notes"])


@pytest.mark.parametrize(
    ("editor", "expected"),
    [
        ("gemini", "${ANTHROPIC_API_KEY}"),
        ("kiro", "${ANTHROPIC_API_KEY}"),
        ("roo", "${env:ANTHROPIC_API_KEY}"),
        ("cursor", "${env:ANTHROPIC_API_KEY}"),
        ("claude-code", "${ANTHROPIC_API_KEY:-}"),
        ("opencode", "{env:ANTHROPIC_API_KEY}"),
    ],
)
def test_clients_that_expand_references_get_one_in_their_syntax(tmp_path: Path, editor: str, expected: str) -> None:
    root, home, _ = _setup(tmp_path, [editor])
    assert _entry(editor, root, home)[env_key(editor)]["ANTHROPIC_API_KEY"] == expected


def test_kilo_gets_no_env_reference_and_a_rerun_removes_the_ones_an_earlier_init_wrote(tmp_path: Path) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    old = root / ".kilo/kilo.jsonc"
    old.parent.mkdir(parents=True)
    old.write_text(
        json.dumps(
            {
                "mcp": {
                    "taskmaster": {
                        "type": "local",
                        "command": ["/old/taskmaster-mcp"],
                        "enabled": True,
                        "environment": {"ANTHROPIC_API_KEY": "{env:ANTHROPIC_API_KEY}", "LOG": "debug"},
                    },
                    "other": {"type": "local", "command": ["x"], "environment": {"T": "{env:T}"}},
                }
            }
        )
    )
    report = setup_editors(root, ["kilo"], providers=PROVIDERS, home=home, command=TM)
    document, _ = parse_config("kilo", old.read_text(), old)
    assert document["mcp"]["taskmaster"]["environment"] == {"LOG": "debug"}  # the user's own setting stays
    assert document["mcp"]["other"]["environment"] == {"T": "{env:T}"}  # never touch other servers
    assert any("removed the key placeholders or references" in n for n in report[0]["notes"])
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    setup_editors(fresh, ["kilo"], providers=PROVIDERS, home=home, command=TM)
    assert "{env:" not in (fresh / ".kilo/kilo.jsonc").read_text()


def test_placeholders_an_earlier_init_wrote_go_and_a_real_key_stays(tmp_path: Path) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    target = config_path("windsurf", root, home)
    target.parent.mkdir(parents=True)
    env = {"ANTHROPIC_API_KEY": "YOUR_ANTHROPIC_API_KEY_HERE", "OPENAI_API_KEY": "sk-real"}
    target.write_text(json.dumps({"mcpServers": {"taskmaster": {"command": "/old/tm", "args": [], "env": env}}}))
    root.mkdir()
    setup_editors(root, ["windsurf"], providers=PROVIDERS, home=home, command=TM)
    assert _entry("windsurf", root, home)["env"] == {"OPENAI_API_KEY": "sk-real"}


@pytest.mark.parametrize(
    ("editor", "setting", "value"),
    [
        ("cline", "timeout", 300),
        ("gemini", "timeout", 300_000),
        ("codex", "tool_timeout_sec", 300),
        ("roo", "timeout", 300),
    ],
)
def test_a_long_per_server_time_limit_where_the_client_has_one_and_the_users_value_wins(
    tmp_path: Path, editor: str, setting: str, value: int
) -> None:
    root, home, _ = _setup(tmp_path, [editor])
    assert _entry(editor, root, home)[setting] == value
    other = tmp_path / "other"
    path = config_path(editor, other, home)
    if editor == "codex":
        path.parent.mkdir(parents=True)
        path.write_text(f'[mcp_servers.taskmaster]\ncommand = "/old/tm"\n{setting} = 900\n')
    elif not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"mcpServers": {"taskmaster": {"command": "/old/tm", setting: 900}}}))
    else:  # Cline's file is global: the user changes the value in place
        document = json.loads(path.read_text())
        document["mcpServers"]["taskmaster"][setting] = 900
        path.write_text(json.dumps(document))
    other.mkdir(exist_ok=True)
    setup_editors(other, [editor], providers=PROVIDERS, home=home, command=TM)
    assert _entry(editor, other, home)[setting] == 900


def test_codex_gets_a_project_file_with_variable_names_and_no_values(tmp_path: Path) -> None:
    root, home, report = _setup(tmp_path, ["codex"])
    assert report[0]["config"] == str(root / ".codex/config.toml") and not (home / ".codex").exists()
    table = tomllib.loads((root / ".codex/config.toml").read_text())["mcp_servers"]["taskmaster"]
    assert table["env_vars"] == list(KEYS) and "env" not in table
    assert any("trusted project" in note for note in report[0]["notes"])


def test_codex_keeps_the_global_table_an_earlier_init_wrote_up_to_date(tmp_path: Path) -> None:
    home = tmp_path / "home"
    legacy = home / ".codex/config.toml"
    legacy.parent.mkdir(parents=True)
    original = 'model = "o4"\n\n[mcp_servers.taskmaster]\ncommand = "/old/taskmaster-mcp"\nargs = []\n'
    legacy.write_text(original)
    root, _, report = _setup(tmp_path, ["codex"])
    updated = tomllib.loads(legacy.read_text())
    assert updated["model"] == "o4" and updated["mcp_servers"]["taskmaster"]["command"] == TM[0]
    assert any(f"also updated {legacy}" in note for note in report[0]["notes"])
    assert tomllib.loads((root / ".codex/config.toml").read_text())["mcp_servers"]["taskmaster"]["command"] == TM[0]
    # A global file that launches something else under our name is not ours to change.
    legacy.write_text('[mcp_servers.taskmaster]\ncommand = "npx"\nargs = ["-y", "task-master-ai"]\n')
    setup_editors(tmp_path / "proj", ["codex"], providers=["openai"], home=home, command=("/new/taskmaster-mcp", []))
    assert "npx" in legacy.read_text()


def test_removing_codex_takes_only_our_table_out_of_the_project_file(tmp_path: Path) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    target = root / ".codex/config.toml"
    target.parent.mkdir(parents=True)
    mine = '# mine\nmodel = "o4"\n\n[mcp_servers.github]\ncommand = "gh-mcp"\n'
    target.write_text(mine)
    setup_editors(root, ["codex", "cursor"], providers=PROVIDERS, home=home, command=TM)
    report = remove_editors(root, ["codex"], home=home)
    assert report[0]["changed"] and target.read_text() == mine


def test_amp_reads_its_workspace_settings_and_agents_md(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "AGENT.md").write_text("# Notes\n\n" + agent_rules.section())  # what an earlier init wrote
    (root / ".vscode").mkdir()
    (root / ".vscode/settings.json").write_text(json.dumps({"amp.mcpServers": {"taskmaster": {"command": "/tm"}}}))
    report = setup_editors(root, ["amp"], providers=PROVIDERS, home=tmp_path / "home", command=TM)
    assert report[0]["config"] == str(root / ".amp/settings.json") and report[0]["rules"] == str(root / "AGENTS.md")
    assert json.loads((root / ".amp/settings.json").read_text())["amp.mcpServers"]["taskmaster"]["command"] == TM[0]
    assert agent_rules.START in (root / "AGENTS.md").read_text()
    assert (root / "AGENT.md").read_text() == "# Notes\n"  # our section moved out, the user's text stays
    notes = report[0]["notes"]
    assert any(".vscode/settings.json still has a 'taskmaster' entry" in n for n in notes)
    assert any("amp mcp approve taskmaster" in n for n in notes)


@pytest.mark.parametrize(
    ("editor", "words"),
    [("claude-code", "approve"), ("gemini", "trusted folder"), ("codex", "trusted project"), ("amp", "approve")],
)
def test_first_run_gates_are_named_when_init_first_writes_the_entry(tmp_path: Path, editor: str, words: str) -> None:
    root, home, first = _setup(tmp_path, [editor])
    assert any(words in note for note in first[0]["notes"])
    again = setup_editors(root, [editor], providers=PROVIDERS, home=home, command=TM)
    assert again[0]["notes"] == [] and again[0]["changed"] is False


SHIPPED = {
    "cursor": "cursor/.cursor/mcp.json",
    "windsurf": "windsurf/.codeium/windsurf/mcp_config.json",
    "claude-desktop": "claude-desktop/macos/claude_desktop_config.json",
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


@pytest.mark.parametrize("editor", EDITORS)
def test_the_checked_in_example_is_what_init_writes(tmp_path: Path, editor: str) -> None:
    example = CONFIGS / SHIPPED[editor]
    shipped, _ = parse_config(editor, example.read_text(encoding="utf-8"), example)
    root, home = Path("/ABSOLUTE/PATH/TO/your-project"), tmp_path / "home"
    project = tmp_path / "proj"
    project.mkdir()
    setup_editors(project, [editor], providers=PROVIDERS, home=home, command=("/ABSOLUTE/PATH/TO/taskmaster-mcp", []))
    written = config_path(editor, project, home).read_text(encoding="utf-8").replace(str(project), str(root))
    expected, _ = parse_config(editor, written, example)
    section = CLIENTS[editor].section
    assert shipped[section]["taskmaster"] == expected[section]["taskmaster"]
    assert shipped.get("inputs") == expected.get("inputs")


def test_the_windows_claude_desktop_example_matches_the_macos_one() -> None:
    mac = json.loads((CONFIGS / "claude-desktop/macos/claude_desktop_config.json").read_text())
    win = json.loads((CONFIGS / "claude-desktop/windows/claude_desktop_config.json").read_text())
    mac_entry, win_entry = mac["mcpServers"]["taskmaster"], win["mcpServers"]["taskmaster"]
    assert win_entry["command"].endswith("taskmaster-mcp.exe") and set(win_entry) == set(mac_entry)
    assert set(win_entry["env"]) == set(mac_entry["env"]) == {"TASK_MASTER_PROJECT_ROOT"}


def test_a_global_codex_table_an_earlier_init_wrote_still_counts_and_is_kept_on_removal(tmp_path: Path) -> None:
    root, home = tmp_path / "proj", tmp_path / "home"
    root.mkdir()
    legacy = home / ".codex/config.toml"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(f'[mcp_servers.taskmaster]\ncommand = "{TM[0]}"\nargs = []\n')
    agent_rules.write_rules(root, "codex")  # the rules an earlier init wrote next to that global table
    setup_editors(root, ["opencode"], providers=PROVIDERS, home=home, command=TM)
    first = remove_editors(root, ["opencode"], home=home)
    assert agent_rules.START in (root / "AGENTS.md").read_text()  # Codex still reads it through the global table
    assert any("AGENTS.md kept: codex" in note for note in first[0]["notes"])
    second = remove_editors(root, ["codex"], home=home, force=True)
    assert legacy.is_file() and any("was kept" in note for note in second[0]["notes"])
