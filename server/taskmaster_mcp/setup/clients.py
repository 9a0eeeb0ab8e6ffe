"""The clients we configure: the name, where each keeps its MCP servers, and under which key.

Task Master's 14 rule profiles (``claude`` is our ``claude-code``) plus Claude Desktop. Project files live under
the project root; global ones under the home directory (injected by tests and unusual setups).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from taskmaster_mcp.setup.formats import EditorConfigError


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
        # The Amp CLI reads workspace settings from .amp/settings.json ("amp.mcpServers"), found by searching up
        # from the working directory; servers there need approval (`amp mcp approve NAME`). Sources: ampcode.com
        # manual via developersdigest.tech/reference/amp/config-files; augmenter.dev "Amp CLI adds workspace
        # .amp/settings.json". Earlier releases wrote .vscode/settings.json (the old VS Code extension's file).
        Editor("amp", "Amp", "amp.mcpServers", False, ".amp/settings.json"),
        Editor("cline", "Cline", "mcpServers", True, None),
        # Codex reads [mcp_servers.<name>] from a trusted project's .codex/config.toml as well as ~/.codex/
        # (docs.rs tuff-adapter-codex MCP_CONFIG_RELPATH, checked with Codex CLI 0.154.0; dev.to "Codex MCP: add,
        # configure and debug"). Earlier releases wrote the global file: see LEGACY_GLOBAL.
        Editor("codex", "Codex", "mcp_servers", False, ".codex/config.toml"),
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
