"""Editor MCP configs: where each client keeps its file, our entry in its format, and a safe merge into it.

A merge keeps every other server and setting, backs the original up before the first change
(``<file>.bak-<timestamp>``), and is idempotent: when nothing would change, nothing is written and no backup is
made. Files with comments (Zed's settings.json, VS Code's mcp.json) are parsed tolerantly; a file that still does
not parse, or whose server section is not an object, is refused with a message and left untouched. Comments do not
survive a rewrite (the backup keeps them; the result says so).

Global-only clients (Windsurf, Claude Desktop, Zed) write under the home directory, which tests and unusual setups
inject with ``home`` or ``TASKMASTER_MCP_HOME``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.store.config import KEY_VARIABLES
from taskmaster_mcp.store.files import write_atomic

SERVER_NAME = "taskmaster"
EDITORS = ("cursor", "windsurf", "claude-desktop", "vscode", "claude-code", "zed")


@dataclass(frozen=True)
class Editor:
    """How one client stores MCP servers."""

    name: str
    label: str
    section: str  # the object that holds servers
    global_only: bool
    rules: str | None  # the agent rules file, relative to the project (None: the client reads none)


CLIENTS: dict[str, Editor] = {
    "cursor": Editor("cursor", "Cursor", "mcpServers", False, ".cursor/rules/taskmaster.mdc"),
    "windsurf": Editor("windsurf", "Windsurf", "mcpServers", True, "AGENTS.md"),
    "claude-desktop": Editor("claude-desktop", "Claude Desktop", "mcpServers", True, None),
    "vscode": Editor("vscode", "VS Code", "servers", False, "AGENTS.md"),
    "claude-code": Editor("claude-code", "Claude Code", "mcpServers", False, "CLAUDE.md"),
    "zed": Editor("zed", "Zed", "context_servers", True, "AGENTS.md"),
}


class EditorConfigError(ConfigError):
    """An editor config we cannot safely change; the file is left as it was."""


def home_dir(env: Mapping[str, str], home: Path | None = None) -> Path:
    """The home directory for global configs: ``home``, else ``TASKMASTER_MCP_HOME``, else the user's home."""
    if home is not None:
        return home
    override = env.get("TASKMASTER_MCP_HOME")
    return Path(override).expanduser() if override else Path.home()


def config_path(editor: str, root: Path, home: Path, platform: str = sys.platform) -> Path:
    """The file ``editor`` reads its MCP servers from (project files under ``root``, global ones under ``home``)."""
    if editor == "cursor":
        return root / ".cursor" / "mcp.json"
    if editor == "vscode":
        return root / ".vscode" / "mcp.json"
    if editor == "claude-code":
        return root / ".mcp.json"
    if editor == "windsurf":
        return home / ".codeium" / "windsurf" / "mcp_config.json"
    if editor == "zed":
        return home / ".config" / "zed" / "settings.json"
    if editor == "claude-desktop":
        if platform == "darwin":
            return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
        if platform.startswith("win"):
            return home / "AppData" / "Roaming" / "Claude" / "claude_desktop_config.json"
        return home / ".config" / "Claude" / "claude_desktop_config.json"
    raise EditorConfigError(f"Unknown editor '{editor}'. Use one of: {', '.join(EDITORS)}.")


def key_variables(providers: list[str]) -> list[str]:
    """The API key variables of ``providers`` (providers that need none, like ollama, are skipped)."""
    found: list[str] = []
    for provider in providers:
        variable = KEY_VARIABLES.get(provider, f"{provider.upper().replace('-', '_')}_API_KEY")
        if variable and variable not in found:
            found.append(variable)
    return found


def _input_id(variable: str) -> str:
    return variable.lower().replace("_", "-")


def server_entry(editor: str, command: str, args: list[str], keys: list[str], root: Path) -> dict[str, Any]:
    """Our server entry in ``editor``'s format. Keys are references the client expands, or placeholders that count
    as missing (so the server then reads ``<project>/.env``) where the client expands nothing."""
    if editor == "cursor":
        env = {k: f"${{env:{k}}}" for k in keys} | {"TASK_MASTER_PROJECT_ROOT": "${workspaceFolder}"}
        return {"command": command, "args": args, "env": env}
    if editor == "vscode":
        env = {k: f"${{input:{_input_id(k)}}}" for k in keys} | {"TASK_MASTER_PROJECT_ROOT": "${workspaceFolder}"}
        return {"type": "stdio", "command": command, "args": args, "env": env}
    if editor == "claude-code":
        return {"type": "stdio", "command": command, "args": args, "env": {k: f"${{{k}:-}}" for k in keys}}
    env = {k: f"YOUR_{k}_HERE" for k in keys}
    if editor == "claude-desktop":  # no workspace: pin the project this was run in (projectRoot still overrides)
        env["TASK_MASTER_PROJECT_ROOT"] = str(root)
    if editor == "zed":
        return {"source": "custom", "command": command, "args": args, "env": env}
    return {"command": command, "args": args, "env": env}


def vscode_inputs(keys: list[str]) -> list[dict[str, Any]]:
    """VS Code ``inputs``: one password prompt per key, asked once and stored by VS Code."""
    return [{"type": "promptString", "id": _input_id(k), "description": f"{k} for taskmaster-mcp", "password": True}
            for k in keys]


# --- tolerant JSON (comments and trailing commas) ---------------------------------------------------------------

_COMMENTS = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])')


def strip_jsonc(text: str) -> tuple[str, bool]:
    """``text`` without ``//`` and ``/* */`` comments and trailing commas; and whether there were comments."""
    found: list[bool] = []

    def drop_comment(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        found.append(True)
        return "\n" * token.count("\n")  # keep line numbers for error messages

    without = _COMMENTS.sub(drop_comment, text)
    return _TRAILING.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", without), bool(found)


def parse_jsonc(text: str, path: Path) -> tuple[dict[str, Any], bool]:
    """Parse a config file that may carry comments; refuse (EditorConfigError) anything but a JSON object."""
    if not text.strip():
        return {}, False
    clean, had_comments = strip_jsonc(text)
    try:
        data = json.loads(clean)
    except json.JSONDecodeError as exc:
        raise EditorConfigError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). It was left unchanged; "
            "fix it or add the taskmaster entry by hand (see editor-configs/ in the taskmaster-mcp repository)."
        ) from exc
    if not isinstance(data, dict):
        raise EditorConfigError(f"{path} does not hold a JSON object. It was left unchanged; fix it by hand.")
    return cast("dict[str, Any]", data), had_comments  # a JSON object: string keys


# --- merging -----------------------------------------------------------------------------------------------------

@dataclass
class MergeResult:
    """What a merge did to one editor's config."""

    editor: str
    path: str
    changed: bool
    backup: str | None = None
    notes: list[str] = field(default_factory=lambda: [])


def merge_entry(document: dict[str, Any], editor: str, entry: dict[str, Any], keys: list[str],
                path: Path) -> dict[str, Any]:
    """A copy of ``document`` with our entry merged in. An existing entry keeps its env values (a real key the user
    typed survives) and anything it adds; command, args and type are ours."""
    spec = CLIENTS[editor]
    merged: dict[str, Any] = json.loads(json.dumps(document))
    # The casts below follow isinstance checks on parsed JSON: objects have string keys. Each names the very
    # object inside ``merged``, so writing through it changes ``merged``.
    found: object = merged.setdefault(spec.section, {})
    if not isinstance(found, dict):
        raise EditorConfigError(f"{path}: '{spec.section}' is not an object. It was left unchanged; fix it by hand.")
    section = cast("dict[str, Any]", found)
    existing: object = section.get(SERVER_NAME, {})
    if not isinstance(existing, dict):
        raise EditorConfigError(f"{path}: '{spec.section}.{SERVER_NAME}' is not an object. It was left unchanged.")
    current = cast("dict[str, Any]", existing)
    old_env: object = current.get("env")
    env = cast("dict[str, Any]", old_env) if isinstance(old_env, dict) else {}
    new: dict[str, Any] = {**current, **entry, "env": {**entry["env"], **env}}
    if editor == "zed" and isinstance(current.get("command"), dict):  # Zed's older nested form: replace it
        new.pop("settings", None)
    section[SERVER_NAME] = new
    if editor == "vscode" and keys:
        found_inputs: object = merged.setdefault("inputs", [])
        if not isinstance(found_inputs, list):
            raise EditorConfigError(f"{path}: 'inputs' is not a list. It was left unchanged; fix it by hand.")
        inputs = cast("list[object]", found_inputs)
        known = {cast("dict[str, Any]", i).get("id") for i in inputs if isinstance(i, dict)}
        inputs.extend(i for i in vscode_inputs(keys) if i["id"] not in known)
    return merged


def backup_path(path: Path) -> Path:
    """A fresh backup name next to ``path``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.bak-{stamp}-{n}")
    return candidate


def install_editor(editor: str, root: Path, command: str, args: list[str], keys: list[str], home: Path,
                   platform: str = sys.platform) -> MergeResult:
    """Write or merge our entry into ``editor``'s config file (backing up the original first)."""
    path = config_path(editor, root, home, platform)
    original = path.read_text(encoding="utf-8") if path.is_file() else None
    document, had_comments = parse_jsonc(original or "", path)
    merged = merge_entry(document, editor, server_entry(editor, command, args, keys, root), keys, path)
    result = MergeResult(editor, str(path), changed=merged != document)
    if not result.changed:
        return result
    if original is not None:
        backup = backup_path(path)
        shutil.copy2(path, backup)
        result.backup = str(backup)
        if had_comments:
            result.notes.append(f"comments in {path.name} were not kept; the backup has them")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    if any(v.startswith("YOUR_") for v in merged[CLIENTS[editor].section][SERVER_NAME].get("env", {}).values()):
        result.notes.append(f"replace the YOUR_..._HERE values in {path} with your keys, or put them in .env")
    return result


def server_entries(document: Mapping[str, Any], editor: str) -> dict[str, dict[str, Any]]:
    """The server entries of a parsed config, by name (empty when the section is missing or malformed)."""
    found: object = document.get(CLIENTS[editor].section)
    if not isinstance(found, dict):
        return {}
    section = cast("dict[object, object]", found)  # str(k) below copes with any key
    return {str(k): cast("dict[str, Any]", v) for k, v in section.items() if isinstance(v, dict)}


def entry_command(entry: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(command, args) of an entry, in the flat form or Zed's older ``{"command": {"path", "args"}}`` form."""
    command: object = entry.get("command")
    args: object = entry.get("args")
    if isinstance(command, dict):
        nested = cast("dict[str, object]", command)  # parsed JSON: string keys
        args = nested.get("args")
        command = nested.get("path")
    arg_list = [str(a) for a in cast("list[object]", args)] if isinstance(args, list) else []
    return (str(command) if command else ""), arg_list


def points_at_us(entry: Mapping[str, Any]) -> bool:
    """True when an entry launches taskmaster-mcp (the script, or ``python -m taskmaster_mcp``)."""
    command, args = entry_command(entry)
    name = Path(command.replace("\\", "/")).name.lower()
    if name in ("taskmaster-mcp", "taskmaster-mcp.exe"):
        return True
    return "-m" in args and "taskmaster_mcp" in args


def server_command() -> tuple[str, list[str]]:
    """The command an editor config should use: the installed script (beside this interpreter, else on PATH),
    else this interpreter with ``-m``. Always an absolute path: GUI apps do not read the shell's PATH."""
    name = "taskmaster-mcp.exe" if sys.platform.startswith("win") else "taskmaster-mcp"
    beside = Path(sys.executable).parent / name
    script = str(beside) if beside.is_file() else shutil.which("taskmaster-mcp")
    if script:
        return str(Path(script).absolute()), []
    return sys.executable, ["-m", "taskmaster_mcp"]
