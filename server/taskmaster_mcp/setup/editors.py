"""Editor MCP configs: where each client keeps its file, our entry in its format, and a safe merge into it.

A merge keeps every other server and setting, backs the original up before the first change
(``<file>.bak-<timestamp>``), and is idempotent: when nothing would change, nothing is written and no backup is
made. Files with comments (Zed's settings.json, VS Code's files, Kilo's kilo.jsonc) are parsed tolerantly; a file
that still does not parse, or whose server section is not an object, is refused with a message and left untouched.
Comments do not survive a rewrite (the backup keeps them; the result says so). Codex keeps TOML: our table is
appended or replaced as text and the result is re-parsed, so the rest of the file stays byte for byte.

Clients are Task Master's 14 rule profiles (``claude`` is our ``claude-code``) plus Claude Desktop. Global-only
clients write under the home directory, which tests and unusual setups inject with ``home`` or
``TASKMASTER_MCP_HOME``; removing a profile never edits a global file, since other projects may use it. What our
entry holds for each client (keys, time limits) is :mod:`taskmaster_mcp.setup.entries`; docs/editors.md explains it.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.setup.clients import (
    ALIASES,
    CLIENTS,
    EDITORS,
    RULE_PROFILES,
    Editor,
    config_path,
    editor_names,
    home_dir,
)
from taskmaster_mcp.setup.entries import (
    FIRST_RUN,
    TASK_MASTER_NAMES,
    entry_command,
    env_key,
    is_task_master,
    key_note,
    key_variables,
    merged_entry,
    points_at_us,
    server_command,
    server_entry,
    stale_value,
    vscode_inputs,
)
from taskmaster_mcp.setup.formats import EditorConfigError, parse_jsonc, replace_toml_table, without_toml_table
from taskmaster_mcp.store.files import write_atomic

__all__ = [
    "ALIASES",
    "CLIENTS",
    "EDITORS",
    "RULE_PROFILES",
    "TASK_MASTER_NAMES",
    "Editor",
    "EditorConfigError",
    "editor_names",
    "entry_command",
    "env_key",
    "home_dir",
    "is_task_master",
    "key_variables",
    "parse_jsonc",
    "points_at_us",
    "server_command",
    "server_entry",
]

SERVER_NAME = "taskmaster"


OPENCODE_SCHEMA = "https://opencode.ai/config.json"


# Files an earlier release of init wrote that the client may still read: kept up to date when they launch us.
LEGACY_GLOBAL: dict[str, str] = {"codex": ".codex/config.toml"}  # under home
# Files an earlier release wrote that the client no longer reads: reported, never edited.
LEGACY_PROJECT: dict[str, str] = {"amp": ".vscode/settings.json"}


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
    new = merged_entry(editor, cast("dict[str, Any]", existing), entry)
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


def _install_at(
    editor: str, path: Path, root: Path, command: str, args: list[str], keys: list[str]
) -> tuple[MergeResult, dict[str, Any] | None]:
    """Merge our entry into the file at ``path``; the result and our entry as it was before."""
    original = path.read_text(encoding="utf-8") if path.is_file() else None
    document, had_comments = parse_config(editor, original or "", path)
    before = server_entries(document, editor).get(SERVER_NAME)
    merged = merge_entry(document, editor, server_entry(editor, command, args, keys, root), keys, path)
    result = MergeResult(editor, str(path), changed=merged != document)
    if not result.changed:
        return result, before
    text = (
        _toml_text(original or "", merged, path)
        if editor == "codex"
        else json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    )
    _replace(path, original, text, had_comments, result)
    old_env: object = (before or {}).get(env_key(editor))
    old_values = cast("dict[str, object]", old_env).items() if isinstance(old_env, dict) else ()
    if any(stale_value(editor, k, v) for k, v in old_values):
        result.notes.append(f"removed the key placeholders or references an earlier init wrote in {path.name}")
    return result, before


def _legacy_global(editor: str, home: Path, path: Path) -> Path | None:
    """The global file an earlier init wrote for ``editor``, when it still launches us (and is not ``path``)."""
    rel = LEGACY_GLOBAL.get(editor)
    legacy = home / rel if rel else None
    if legacy is None or legacy == path or not legacy.is_file():
        return None
    try:
        entries = server_entries(parse_config(editor, legacy.read_text(encoding="utf-8"), legacy)[0], editor)
    except (EditorConfigError, OSError):
        return None
    return legacy if points_at_us(entries.get(SERVER_NAME, {})) else None


def install_editor(
    editor: str, root: Path, command: str, args: list[str], keys: list[str], home: Path, platform: str = sys.platform
) -> MergeResult:
    """Write or merge our entry into ``editor``'s config file (backing up the original first). A global file an
    earlier init wrote is kept up to date too; a file the client no longer reads is pointed out."""
    path = config_path(editor, root, home, platform)
    result, before = _install_at(editor, path, root, command, args, keys)
    legacy = _legacy_global(editor, home, path)
    if legacy is not None:
        try:
            updated, _ = _install_at(editor, legacy, root, command, args, keys)
        except EditorConfigError as exc:
            result.notes.append(f"{legacy} (written by an earlier init) was left as it is: {exc}")
        else:
            if updated.changed:
                result.notes.append(f"also updated {legacy}, which an earlier init wrote (backup: {updated.backup})")
    old_file = root / LEGACY_PROJECT[editor] if editor in LEGACY_PROJECT else None
    if old_file is not None and old_file.is_file() and SERVER_NAME in read_file_entries(editor, old_file):
        result.notes.append(
            f"{old_file} still has a '{SERVER_NAME}' entry from an earlier init; {CLIENTS[editor].label} now reads "
            f"{path.name}, so delete that entry by hand"
        )
    if result.changed and before is None:
        result.notes.extend(n for n in (key_note(editor, keys, root, path), FIRST_RUN.get(editor)) if n)
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
    legacy = _legacy_global(editor, home, path)
    if legacy is not None:
        result.notes.append(
            f"{legacy} (written by an earlier init) is global and was kept (other projects may use it); delete "
            f"its '{SERVER_NAME}' table by hand if none does"
        )
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
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if editor == "codex":  # TOML: take our table out as text, so the rest stays byte for byte
        try:
            text = without_toml_table(original, f"mcp_servers.{SERVER_NAME}", document)
        except ValueError as exc:
            raise EditorConfigError(
                f"{path}: could not remove the [mcp_servers.{SERVER_NAME}] table safely ({exc}). It was left "
                "unchanged; delete the table by hand."
            ) from exc
    if set(document) <= {"$schema"}:  # nothing of anyone else's is left
        backup = backup_path(path)
        shutil.copy2(path, backup)
        path.unlink()
        result.backup = str(backup)
        result.notes.append(f"{path.name} held only our entry and was deleted")
        return result
    _replace(path, original, text, had_comments, result)
    return result


def read_file_entries(editor: str, path: Path) -> dict[str, dict[str, Any]]:
    """The server entries of a file in ``editor``'s format; empty when it cannot be read or parsed."""
    try:
        return server_entries(parse_config(editor, path.read_text(encoding="utf-8"), path)[0], editor)
    except (EditorConfigError, OSError, UnicodeDecodeError):
        return {}


def read_entries(editor: str, root: Path, home: Path, platform: str = sys.platform) -> dict[str, dict[str, Any]]:
    """The server entries of ``editor``'s config file (empty when the file is absent), with our entry from a global
    file an earlier init wrote. Raises EditorConfigError or OSError when the config file cannot be read."""
    path = config_path(editor, root, home, platform)
    legacy = _legacy_global(editor, home, path)  # still read by the client: it counts, below the project file
    found = {SERVER_NAME: read_file_entries(editor, legacy)[SERVER_NAME]} if legacy else {}
    if not path.is_file():
        return found
    return found | server_entries(parse_config(editor, path.read_text(encoding="utf-8"), path)[0], editor)


def server_entries(document: Mapping[str, Any], editor: str) -> dict[str, dict[str, Any]]:
    """The server entries of a parsed config, by name (empty when the section is missing or malformed)."""
    found: object = document.get(CLIENTS[editor].section)
    if not isinstance(found, dict):
        return {}
    section = cast("dict[object, object]", found)  # str(k) below copes with any key
    return {str(k): cast("dict[str, Any]", v) for k, v in section.items() if isinstance(v, dict)}
