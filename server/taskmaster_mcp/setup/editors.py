"""Editor MCP configs: where each client keeps its file, our entry in its format, and a safe merge into it.

A merge keeps every other server and setting, backs the original up before the first change
(``<file>.bak-<timestamp>``), and is idempotent: when nothing would change, nothing is written and no backup is
made. Files with comments (Zed's settings.json, VS Code's files, Kilo's kilo.jsonc) are parsed tolerantly; a file
that still does not parse, or whose server section is not an object, is refused with a message and left untouched.
Comments do not survive a rewrite (the backup keeps them; the result says so). Codex keeps TOML: our table is
appended or replaced as text and the result is re-parsed, so the rest of the file stays byte for byte.

Clients are Task Master's 14 rule profiles (``claude`` is our ``claude-code``) plus Claude Desktop. Global-only
clients write under the home directory, which tests and unusual setups inject with ``home`` or
``TASKMASTER_MCP_HOME``; removing a profile never edits a global file, since other projects may use it.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.models.registry import key_variable
from taskmaster_mcp.setup.formats import EditorConfigError, parse_jsonc, replace_toml_table
from taskmaster_mcp.store.files import write_atomic

SERVER_NAME = "taskmaster"
TASK_MASTER_NAMES = ("task-master-ai", "taskmaster-ai")  # Task Master's entry names (opencode's remover: the second)


@dataclass(frozen=True)
class Editor:
    """How one client stores MCP servers."""

    name: str
    label: str
    section: str  # the object that holds servers
    global_only: bool
    path: str | None  # under the project, or under home when global_only; None: under the OS's app-data folder
    profile: str | None = None  # Task Master's rule profile name, when it is not ours


CLIENTS: dict[str, Editor] = {
    e.name: e
    for e in (
        Editor("cursor", "Cursor", "mcpServers", False, ".cursor/mcp.json"),
        Editor("windsurf", "Windsurf", "mcpServers", True, ".codeium/windsurf/mcp_config.json"),
        Editor("claude-desktop", "Claude Desktop", "mcpServers", True, None),
        Editor("vscode", "VS Code", "servers", False, ".vscode/mcp.json"),
        Editor("claude-code", "Claude Code", "mcpServers", False, ".mcp.json", profile="claude"),
        Editor("zed", "Zed", "context_servers", True, ".config/zed/settings.json"),
        Editor("amp", "Amp", "amp.mcpServers", False, ".vscode/settings.json"),
        Editor("cline", "Cline", "mcpServers", True, None),
        Editor("codex", "Codex", "mcp_servers", True, ".codex/config.toml"),
        Editor("gemini", "Gemini CLI", "mcpServers", False, ".gemini/settings.json"),
        Editor("kilo", "Kilo Code", "mcp", False, ".kilo/kilo.jsonc"),
        Editor("kiro", "Kiro", "mcpServers", False, ".kiro/settings/mcp.json"),
        Editor("opencode", "OpenCode", "mcp", False, "opencode.json"),
        Editor("roo", "Roo Code", "mcpServers", False, ".roo/mcp.json"),
        Editor("trae", "Trae", "mcpServers", False, ".trae/mcp.json"),
    )
}
EDITORS = tuple(CLIENTS)
# Task Master's RULE_PROFILES, in its order: the names its `rules` and `initialize_project` tools accept.
RULE_PROFILES = (
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
)
ALIASES = {"claude": "claude-code"}
COMMAND_LISTS = ("opencode", "kilo")  # `"command": [cmd, *args]`, env under "environment"
OPENCODE_SCHEMA = "https://opencode.ai/config.json"


def editor_names(names: Iterable[str]) -> list[str]:
    """Our editor names for profile or editor names (``claude`` -> ``claude-code``), in order, without repeats;
    an unknown name is refused (EditorConfigError) with the valid ones before anything changes."""
    wanted = [ALIASES.get(n.strip().lower(), n.strip().lower()) for n in names if n.strip()]
    unknown = [n for n in wanted if n not in CLIENTS]
    if unknown:
        raise EditorConfigError(
            f"Unknown editor or rule profile {', '.join(repr(n) for n in unknown)}. Use one of: "
            f"{', '.join(RULE_PROFILES)}; or claude-code, claude-desktop."
        )
    return list(dict.fromkeys(wanted))


def home_dir(env: Mapping[str, str], home: Path | None = None) -> Path:
    """The home directory for global configs: ``home``, else ``TASKMASTER_MCP_HOME``, else the user's home."""
    if home is not None:
        return home
    override = env.get("TASKMASTER_MCP_HOME")
    return Path(override).expanduser() if override else Path.home()


def _app_data(home: Path, platform: str) -> Path:
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform.startswith("win"):
        return home / "AppData" / "Roaming"
    return home / ".config"


def config_path(editor: str, root: Path, home: Path, platform: str = sys.platform) -> Path:
    """The file ``editor`` reads its MCP servers from (project files under ``root``, global ones under ``home``)."""
    spec = CLIENTS[editor_names([editor])[0]]  # an unknown name is refused with the valid ones
    if spec.path is not None:
        return (home if spec.global_only else root) / spec.path
    if spec.name == "claude-desktop":
        return _app_data(home, platform) / "Claude" / "claude_desktop_config.json"
    # Cline (a VS Code extension) keeps its servers in VS Code's global storage; it has no project-level file.
    return (
        _app_data(home, platform)
        / "Code"
        / "User"
        / "globalStorage"
        / "saoudrizwan.claude-dev"
        / "settings"
        / "cline_mcp_settings.json"
    )


def key_variables(providers: list[str]) -> list[str]:
    """The API key variables of ``providers`` (providers that need none, like ollama, are skipped)."""
    found: list[str] = []
    for provider in providers:
        variable = key_variable(provider)
        if variable and variable not in found:
            found.append(variable)
    return found


def _input_id(variable: str) -> str:
    return variable.lower().replace("_", "-")


def env_key(editor: str) -> str:
    """The name of the environment block in ``editor``'s entries."""
    return "environment" if editor in COMMAND_LISTS else "env"


def server_entry(editor: str, command: str, args: list[str], keys: list[str], root: Path) -> dict[str, Any]:
    """Our server entry in ``editor``'s format. Keys are references where the client expands them to an empty value
    when unset, else placeholders that count as missing (so the server then reads ``<project>/.env``)."""
    if editor == "cursor":
        env = {k: f"${{env:{k}}}" for k in keys} | {"TASK_MASTER_PROJECT_ROOT": "${workspaceFolder}"}
        return {"command": command, "args": args, "env": env}
    if editor == "vscode":
        env = {k: f"${{input:{_input_id(k)}}}" for k in keys} | {"TASK_MASTER_PROJECT_ROOT": "${workspaceFolder}"}
        return {"type": "stdio", "command": command, "args": args, "env": env}
    if editor == "claude-code":
        return {"type": "stdio", "command": command, "args": args, "env": {k: f"${{{k}:-}}" for k in keys}}
    if editor in COMMAND_LISTS:
        return {
            "type": "local",
            "command": [command, *args],
            "enabled": True,
            "environment": {k: f"{{env:{k}}}" for k in keys},
        }
    env = {k: f"YOUR_{k}_HERE" for k in keys}
    if editor == "claude-desktop":  # no workspace: pin the project this was run in (projectRoot still overrides)
        env["TASK_MASTER_PROJECT_ROOT"] = str(root)
    if editor == "zed":
        return {"source": "custom", "command": command, "args": args, "env": env}
    return {"command": command, "args": args, "env": env}


# Settings we add only when the entry has none (the user's value wins): Roo cancels a call after 60 s by default.
ENTRY_DEFAULTS: dict[str, dict[str, Any]] = {"roo": {"timeout": 300}}
# Env values we own (re-running init updates them): Claude Desktop serves the project init last ran in.
OWNED_ENV: dict[str, tuple[str, ...]] = {"claude-desktop": ("TASK_MASTER_PROJECT_ROOT",)}


def vscode_inputs(keys: list[str]) -> list[dict[str, Any]]:
    """VS Code ``inputs``: one password prompt per key, asked once and stored by VS Code."""
    return [
        {"type": "promptString", "id": _input_id(k), "description": f"{k} for taskmaster-mcp", "password": True}
        for k in keys
    ]


def parse_config(editor: str, text: str, path: Path) -> tuple[dict[str, Any], bool]:
    """Parse ``editor``'s config text (JSON with comments, or Codex's TOML); and whether it had comments."""
    if editor != "codex":
        return parse_jsonc(text, path)
    try:
        return tomllib.loads(text), False
    except tomllib.TOMLDecodeError as exc:
        raise EditorConfigError(
            f"{path} is not valid TOML ({exc}). It was left unchanged; fix it or add the taskmaster entry by hand."
        ) from exc


def _section(document: dict[str, Any], editor: str, path: Path, create: bool) -> dict[str, Any] | None:
    """The server section inside ``document`` itself (created when ``create``), or None when absent."""
    name = CLIENTS[editor].section
    found: object = document.setdefault(name, {}) if create else document.get(name)
    if found is None:
        return None
    if not isinstance(found, dict):
        raise EditorConfigError(f"{path}: '{name}' is not an object. It was left unchanged; fix it by hand.")
    return cast("dict[str, Any]", found)  # parsed JSON/TOML: string keys


@dataclass
class MergeResult:
    """What a merge (or a removal) did to one editor's config."""

    editor: str
    path: str
    changed: bool
    backup: str | None = None
    notes: list[str] = field(default_factory=lambda: [])


def merge_entry(
    document: dict[str, Any], editor: str, entry: dict[str, Any], keys: list[str], path: Path
) -> dict[str, Any]:
    """A copy of ``document`` with our entry merged in. An existing entry keeps its env values (a real key the user
    typed survives) and anything it adds; command, args and type are ours."""
    merged: dict[str, Any] = copy.deepcopy(document)  # TOML documents may hold dates: no JSON round trip
    if editor == "opencode" and not merged:
        merged["$schema"] = OPENCODE_SCHEMA
    section = cast("dict[str, Any]", _section(merged, editor, path, create=True))
    existing: object = section.get(SERVER_NAME, {})
    if not isinstance(existing, dict):
        raise EditorConfigError(
            f"{path}: '{CLIENTS[editor].section}.{SERVER_NAME}' is not an object. It was left unchanged."
        )
    current = cast("dict[str, Any]", existing)
    block = env_key(editor)
    old_env: object = current.get(block)
    env = cast("dict[str, Any]", old_env) if isinstance(old_env, dict) else {}
    owned = {k: v for k, v in entry[block].items() if k in OWNED_ENV.get(editor, ())}
    new: dict[str, Any] = {
        **ENTRY_DEFAULTS.get(editor, {}),
        **current,
        **entry,
        block: {**entry[block], **env, **owned},
    }
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


def _toml_text(original: str, merged: dict[str, Any], path: Path) -> str:
    """``original`` with our table replaced or appended, re-parsed to prove that nothing else changed."""
    try:
        text = replace_toml_table(original, f"mcp_servers.{SERVER_NAME}", merged["mcp_servers"][SERVER_NAME])
        if tomllib.loads(text) == merged:
            return text
    except (ValueError, tomllib.TOMLDecodeError):  # a value TOML tables cannot hold inline, or a bad rewrite
        pass
    raise EditorConfigError(
        f"{path}: could not update the [mcp_servers.{SERVER_NAME}] table safely (is it written "
        "inline?). It was left unchanged; edit it by hand (see editor-configs/codex/)."
    )


def _replace(path: Path, original: str | None, text: str, had_comments: bool, result: MergeResult) -> None:
    if original is not None:
        backup = backup_path(path)
        shutil.copy2(path, backup)
        result.backup = str(backup)
        if had_comments:
            result.notes.append(f"comments in {path.name} were not kept; the backup has them")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)


def install_editor(
    editor: str, root: Path, command: str, args: list[str], keys: list[str], home: Path, platform: str = sys.platform
) -> MergeResult:
    """Write or merge our entry into ``editor``'s config file (backing up the original first)."""
    path = config_path(editor, root, home, platform)
    original = path.read_text(encoding="utf-8") if path.is_file() else None
    document, had_comments = parse_config(editor, original or "", path)
    before = server_entries(document, editor).get(SERVER_NAME)
    merged = merge_entry(document, editor, server_entry(editor, command, args, keys, root), keys, path)
    result = MergeResult(editor, str(path), changed=merged != document)
    if not result.changed:
        return result
    text = (
        _toml_text(original or "", merged, path)
        if editor == "codex"
        else json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    )
    _replace(path, original, text, had_comments, result)
    ours = merged[CLIENTS[editor].section][SERVER_NAME]
    if any(str(v).startswith("YOUR_") for v in ours.get(env_key(editor), {}).values()):
        result.notes.append(f"replace the YOUR_..._HERE values in {path} with your keys, or put them in .env")
    old_env: object = (before or {}).get("env")
    was = cast("dict[str, object]", old_env).get("TASK_MASTER_PROJECT_ROOT") if isinstance(old_env, dict) else None
    if editor == "claude-desktop" and was and was != str(root):
        result.notes.append(f"Claude Desktop now serves {root} (it served {was}); quit and restart it")
    return result


def check_config(editor: str, root: Path, home: Path, platform: str = sys.platform) -> None:
    """Raise EditorConfigError when ``editor``'s config could not take our entry; nothing is written."""
    path = config_path(editor, root, home, platform)
    if not path.is_file():
        return
    original = path.read_text(encoding="utf-8")
    document, _ = parse_config(editor, original, path)
    merged = merge_entry(document, editor, server_entry(editor, "taskmaster-mcp", [], [], root), [], path)
    if editor == "codex":
        _toml_text(original, merged, path)


def uninstall_editor(editor: str, root: Path, home: Path, platform: str = sys.platform) -> MergeResult:
    """Remove our entry from ``editor``'s project config (backing it up; a file left empty is deleted). Global
    configs are left alone: other projects may use them."""
    path = config_path(editor, root, home, platform)
    result = MergeResult(editor, str(path), changed=False)
    if CLIENTS[editor].global_only:
        if path.is_file():
            result.notes.append(
                f"{path} is global and was kept (other projects may use it); delete its "
                f"'{SERVER_NAME}' entry by hand if none does"
            )
        return result
    if not path.is_file():
        return result
    original = path.read_text(encoding="utf-8")
    document, had_comments = parse_config(editor, original, path)
    section = _section(document, editor, path, create=False)
    if section is None or SERVER_NAME not in section:
        return result
    del section[SERVER_NAME]
    if not section:
        del document[CLIENTS[editor].section]
    result.changed = True
    if set(document) <= {"$schema"}:  # nothing of anyone else's is left
        backup = backup_path(path)
        shutil.copy2(path, backup)
        path.unlink()
        result.backup = str(backup)
        result.notes.append(f"{path.name} held only our entry and was deleted")
        return result
    _replace(path, original, json.dumps(document, indent=2, ensure_ascii=False) + "\n", had_comments, result)
    return result


def read_entries(editor: str, root: Path, home: Path, platform: str = sys.platform) -> dict[str, dict[str, Any]]:
    """The server entries of ``editor``'s config file (empty when the file is absent). Raises EditorConfigError or
    OSError when it cannot be read."""
    path = config_path(editor, root, home, platform)
    if not path.is_file():
        return {}
    return server_entries(parse_config(editor, path.read_text(encoding="utf-8"), path)[0], editor)


def server_entries(document: Mapping[str, Any], editor: str) -> dict[str, dict[str, Any]]:
    """The server entries of a parsed config, by name (empty when the section is missing or malformed)."""
    found: object = document.get(CLIENTS[editor].section)
    if not isinstance(found, dict):
        return {}
    section = cast("dict[object, object]", found)  # str(k) below copes with any key
    return {str(k): cast("dict[str, Any]", v) for k, v in section.items() if isinstance(v, dict)}


def entry_command(entry: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(command, args) of an entry: the flat form, Zed's older ``{"command": {"path", "args"}}`` form, or OpenCode's
    and Kilo's ``{"command": [cmd, *args]}``."""
    command: object = entry.get("command")
    args: object = entry.get("args")
    if isinstance(command, dict):
        nested = cast("dict[str, object]", command)  # parsed JSON: string keys
        args = nested.get("args")
        command = nested.get("path")
    elif isinstance(command, list):
        parts = [str(p) for p in cast("list[object]", command)]
        command, args = (parts[0] if parts else ""), parts[1:]
    arg_list = [str(a) for a in cast("list[object]", args)] if isinstance(args, list) else []
    return (str(command) if command else ""), arg_list


def points_at_us(entry: Mapping[str, Any]) -> bool:
    """True when an entry launches taskmaster-mcp (the script, ``python -m taskmaster_mcp``, or the script through
    a runner that installs it on the fly: ``uvx --from SOURCE taskmaster-mcp``, ``pipx run --spec SOURCE ...``)."""
    command, args = entry_command(entry)
    name = Path(command.replace("\\", "/")).name.lower()
    if name in ("taskmaster-mcp", "taskmaster-mcp.exe"):
        return True
    if name.removesuffix(".exe") in ("uvx", "pipx") and "taskmaster-mcp" in args:
        return True
    return "-m" in args and "taskmaster_mcp" in args


def is_task_master(name: str, entry: Mapping[str, Any]) -> bool:
    """True for the JavaScript Task Master's entry (``npx -y task-master-ai`` or a global ``task-master-ai``)."""
    command, args = entry_command(entry)
    return name in TASK_MASTER_NAMES or any("task-master-ai" in part for part in (command, *args))


def server_command() -> tuple[str, list[str]]:
    """The command an editor config should use: the installed script (beside this interpreter, else on PATH),
    else this interpreter with ``-m``. Always an absolute path: GUI apps do not read the shell's PATH."""
    name = "taskmaster-mcp.exe" if sys.platform.startswith("win") else "taskmaster-mcp"
    beside = Path(sys.executable).parent / name
    script = str(beside) if beside.is_file() else shutil.which("taskmaster-mcp")
    if script:
        return str(Path(script).absolute()), []
    return sys.executable, ["-m", "taskmaster_mcp"]
