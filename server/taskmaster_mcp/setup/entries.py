"""Our server entry in each client's format (how keys reach the server, the time limit), and reading any entry.

API keys never go into a config file as values. Where the client expands an environment reference in the entry, the
entry holds a reference; where it does not (or, like Kilo, refuses one in a project file), it holds no key at all and
the server finds it itself: in the environment it was started with, then in ``<project>/.env``
(:func:`taskmaster_mcp.store.config.resolve_key`, where an unexpanded reference counts as missing). Each choice below
names the client documentation or source it was checked against (December 2026).
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

from taskmaster_mcp.models.registry import key_variable

TASK_MASTER_NAMES = ("task-master-ai", "taskmaster-ai")  # Task Master's entry names (opencode's remover: the second)
COMMAND_LISTS = ("opencode", "kilo")  # `"command": [cmd, *args]`, env under "environment"

KeyStyle = Literal["reference", "input", "names", "none"]

# How each client's entry passes API keys.
KEY_STYLES: dict[str, KeyStyle] = {
    # Cursor, VS Code, Claude Code: unchanged from earlier releases, each checked then against its own docs and
    # re-read in December 2026 (dev.to "One MCP server, three configs": Claude Code ${VAR:-default}, Cursor
    # ${env:VAR}); VS Code's ${input:id} prompts once and stores the value itself.
    "cursor": "reference",
    "vscode": "input",
    "claude-code": "reference",
    # geminicli.com/docs/cli/configuration: string values in settings.json may use $NAME or ${NAME}.
    "gemini": "reference",
    # kiro.dev/docs/mcp/configuration: "ENV_VAR2": "${EXPANDED_VARIABLE}".
    "kiro": "reference",
    # Roo's McpHub runs injectVariables(config, {env: process.env, ...}) on every entry: ${env:NAME}
    # (RooCodeInc/Roo-Code#10808 quotes the code).
    "roo": "reference",
    # opencode.ai/docs/config ("Variables"): {env:NAME} in any config file, project ones included (empty when unset;
    # can1357/oh-my-pi#8781 mirrors opencode's config/variable.ts, August 2026). Kilo's block is Kilo's own.
    "opencode": "reference",
    # Codex starts stdio servers with a small default environment plus `env` (openai/codex#6845: "A default
    # whitelist of env vars will be propagated"); `env_vars` names more to pass through (openai/codex#5246), so
    # the key stays in the shell and only its name is written.
    "codex": "names",
    # Kilo 7.x rejects {env:...} in project config (Kilo-Org/kilocode#11886; #12554 drops the whole server entry
    # that holds one), and reads no other reference syntax: no key here.
    "kilo": "none",
    # Amp, Trae: no environment reference syntax we could confirm in their docs; a literal would be a secret in a
    # committed file. Windsurf, Claude Desktop, Zed and Cline keep one global file for every project: no key.
    "amp": "none",
    "trae": "none",
    "windsurf": "none",
    "claude-desktop": "none",
    "zed": "none",
    "cline": "none",
}

# Settings we add only when the entry has none (the user's value wins): a long per-server limit, in the client's
# unit, where the client has one. AI calls (parse_prd, expand_all) can take minutes; the defaults cut them off.
ENTRY_DEFAULTS: dict[str, dict[str, Any]] = {
    # docs.roocode.com/features/mcp/using-mcp-in-roo: "timeout" in seconds, default 60.
    "roo": {"timeout": 300},
    # docs.cline.bot/mcp/configuring-mcp-servers: network timeout 30 s to 1 h, default 1 minute ("timeout", s).
    "cline": {"timeout": 300},
    # geminicli.com/docs/tools/mcp-server (configuration properties): mcpServers.<name>.timeout, milliseconds.
    "gemini": {"timeout": 300_000},
    # Codex: tool_timeout_sec and startup_timeout_sec per server, seconds (zed-industries/codex-acp#285 forwards
    # both into Codex's McpServerConfig; openai/codex#11851 shows the startup one's 10 s default).
    "codex": {"tool_timeout_sec": 300},
}
# Not set, on purpose: OpenCode's "timeout" is a number (ms, tool discovery) in V1 and an object
# {startup, request} in V2 (opencode packages/core/src/config/mcp.ts), so either form breaks one version; Kilo shares
# V1's field. Claude Code's limit is the global MCP_TOOL_TIMEOUT. Cursor, Windsurf, VS Code, Zed, Kiro, Trae,
# Amp and Claude Desktop document no per-server limit. docs/editors.md says what to do for each.

# Env values we own (re-running init updates them): Claude Desktop serves the project init last ran in.
OWNED_ENV: dict[str, tuple[str, ...]] = {"claude-desktop": ("TASK_MASTER_PROJECT_ROOT",)}

_KILO_REFERENCE = re.compile(r".*\{env:[^}]*\}.*", re.DOTALL)


# What the person must do once before the client starts the server (docs/editors.md has the details and sources:
# Claude Code's project approval, Codex's and Gemini's folder trust, Amp's workspace approval, Trae's switch).
FIRST_RUN: dict[str, str] = {
    "claude-code": "Claude Code asks once to approve the project's .mcp.json servers: approve 'taskmaster' (after "
    "a refusal, `claude mcp reset-project-choices` asks again)",
    "codex": "Codex reads .codex/config.toml only in a trusted project: answer the trust prompt when Codex starts "
    'here (or give this project trust_level = "trusted" in ~/.codex/config.toml; docs/editors.md shows how)',
    "gemini": "Gemini CLI loads .gemini/settings.json only in a trusted folder: accept the trust prompt the first "
    "time you start it here (or set GEMINI_CLI_TRUST_WORKSPACE=true; docs/editors.md shows how)",
    "amp": "Amp asks once to approve servers from .amp/settings.json: run `amp mcp approve taskmaster`",
    "trae": 'turn on "Enable Project MCP" in Trae\'s settings so it reads .trae/mcp.json',
}


def key_note(editor: str, keys: list[str], root: Path, path: Path) -> str | None:
    """How the keys reach the server when the entry holds none of their values (None when it needs no note)."""
    if not keys:
        return None
    names = ", ".join(keys)
    style = KEY_STYLES[editor]
    if style == "names":
        return (
            f"no key values are written to {path.name}: Codex passes {names} from the environment it is started "
            f"in (env_vars), else the server reads {root / '.env'}"
        )
    if style == "none":
        return (
            f"no API keys are written to {path.name}: put {names} in {root / '.env'} (the server reads it itself; "
            "keep it out of git)"
        )
    return None


def key_variables(providers: list[str]) -> list[str]:
    """The API key variables of ``providers`` (providers that need none, like ollama, are skipped)."""
    found: list[str] = []
    for provider in providers:
        variable = key_variable(provider)
        if variable and variable not in found:
            found.append(variable)
    return found


def input_id(variable: str) -> str:
    return variable.lower().replace("_", "-")


def env_key(editor: str) -> str:
    """The name of the environment block in ``editor``'s entries."""
    return "environment" if editor in COMMAND_LISTS else "env"


def _reference(editor: str, variable: str) -> str:
    if editor == "cursor" or editor == "roo":
        return f"${{env:{variable}}}"
    if editor == "claude-code":
        return f"${{{variable}:-}}"  # empty when unset, so the server falls back to .env
    if editor == "opencode":
        return f"{{env:{variable}}}"
    return f"${{{variable}}}"  # Gemini, Kiro


def server_entry(editor: str, command: str, args: list[str], keys: list[str], root: Path) -> dict[str, Any]:
    """Our server entry in ``editor``'s format, with the keys passed as :data:`KEY_STYLES` says."""
    style = KEY_STYLES[editor]
    env: dict[str, str] = {}
    if style == "reference":
        env = {k: _reference(editor, k) for k in keys}
    elif style == "input":
        env = {k: f"${{input:{input_id(k)}}}" for k in keys}
    if editor in ("cursor", "vscode"):
        env["TASK_MASTER_PROJECT_ROOT"] = "${workspaceFolder}"
    if editor == "claude-desktop":  # no workspace: pin the project this was run in (projectRoot still overrides)
        env["TASK_MASTER_PROJECT_ROOT"] = str(root)
    if editor in COMMAND_LISTS:
        entry: dict[str, Any] = {"type": "local", "command": [command, *args], "enabled": True}
    elif editor == "zed":
        entry = {"source": "custom", "command": command, "args": args}
    elif editor in ("vscode", "claude-code"):
        entry = {"type": "stdio", "command": command, "args": args}
    else:
        entry = {"command": command, "args": args}
    if env:
        entry[env_key(editor)] = env
    if style == "names" and keys:
        entry["env_vars"] = list(keys)
    return entry


def stale_value(editor: str, variable: str, value: object) -> bool:
    """True for an env value an earlier version of init wrote that must go: a ``YOUR_<NAME>_HERE`` placeholder, or
    a ``{env:...}`` reference in Kilo's project file (which makes Kilo drop the entry)."""
    if not isinstance(value, str):
        return False
    return value == f"YOUR_{variable}_HERE" or (editor == "kilo" and bool(_KILO_REFERENCE.fullmatch(value)))


def merged_entry(editor: str, current: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` merged over an existing entry: its env values stay (a real key the user typed survives) except
    stale ones, its other settings stay; command, args and type are ours; our defaults fill what it lacks."""
    block = env_key(editor)
    old: object = current.get(block)
    old_env = cast("dict[str, Any]", old) if isinstance(old, dict) else {}
    kept = {k: v for k, v in old_env.items() if not stale_value(editor, k, v)}
    ours: dict[str, Any] = dict(entry.get(block, {}))
    owned = {k: v for k, v in ours.items() if k in OWNED_ENV.get(editor, ())}
    defaults = {k: v for k, v in ENTRY_DEFAULTS.get(editor, {}).items() if k not in current}
    new: dict[str, Any] = {**current, **entry, block: {**ours, **kept, **owned}, **defaults}
    if not new[block]:
        del new[block]
    old_names: object = current.get("env_vars")
    if isinstance(old_names, list) or "env_vars" in entry:
        names = [str(n) for n in cast("list[object]", old_names)] if isinstance(old_names, list) else []
        new["env_vars"] = list(dict.fromkeys([*names, *entry.get("env_vars", [])]))
    if editor == "zed" and isinstance(current.get("command"), dict):  # Zed's older nested form: replace it
        new.pop("settings", None)
    return new


def vscode_inputs(keys: list[str]) -> list[dict[str, Any]]:
    """VS Code ``inputs``: one password prompt per key, asked once and stored by VS Code."""
    return [
        {"type": "promptString", "id": input_id(k), "description": f"{k} for taskmaster-mcp", "password": True}
        for k in keys
    ]


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
