"""The file formats editor configs come in: JSON with comments and trailing commas (Zed, VS Code, Kilo), and the
TOML tables Codex reads. Only what :mod:`taskmaster_mcp.setup.editors` needs: a tolerant JSON reader, and a writer
for one TOML table whose output the caller re-parses before trusting it.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import ConfigError


class EditorConfigError(ConfigError):
    """An editor config we cannot safely change; the file is left as it was."""


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


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """One TOML value, inline. Strings use JSON's escapes, which TOML's basic strings share; a value this cannot
    express faithfully shows up when the caller re-parses the result."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in cast("list[Any]", value)) + "]"
    if isinstance(value, dict):
        items = cast("dict[str, Any]", value).items()
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in items) + " }" if items else "{}"
    raise ValueError(f"no TOML form for {type(value).__name__}")


def toml_table(name: str, table: dict[str, Any]) -> str:
    """``[name]`` and its keys, one per line (nested objects as inline tables)."""
    lines = [f"[{name}]", *(f"{_toml_key(k)} = {toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def _drop_toml_table(original: str, name: str) -> str:
    """``original`` without the ``[name]`` table and its sub-tables (``[name.env]``), trailing newlines stripped."""
    head = re.compile(
        r"^\s*\[\s*"
        + r"\s*\.\s*".join(f'(?:{re.escape(p)}|"{re.escape(p)}")' for p in name.split("."))
        + r"\s*(?:\.[^\]]*)?\]"
    )
    kept: list[str] = []
    inside = False
    for line in original.splitlines(keepends=True):
        if head.match(line):
            inside = True
            continue
        if inside and line.lstrip().startswith("["):
            inside = False
        if not inside:
            kept.append(line)
    return "".join(kept).rstrip("\n")


def replace_toml_table(original: str, name: str, table: dict[str, Any]) -> str:
    """``original`` without the ``[name]`` table and its sub-tables (``[name.env]``), with ``[name]`` appended.
    Everything else stays as written; a table defined inline elsewhere is the caller's to detect by re-parsing."""
    text = _drop_toml_table(original, name)
    return (text + "\n\n" if text else "") + toml_table(name, table)


def without_toml_table(original: str, name: str, expected: dict[str, Any]) -> str:
    """``original`` without the ``[name]`` table, proven by re-parsing to hold ``expected`` (an emptied parent
    table may stay or go); ValueError when it does not (say the table was written inline)."""
    text = _drop_toml_table(original, name)
    text = text + "\n" if text else ""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from exc
    parent = name.split(".")[0]
    if parsed.get(parent) == {} and parent not in expected:
        del parsed[parent]
    if parsed != expected:
        raise ValueError("the table is not written as its own [table]")
    return text
