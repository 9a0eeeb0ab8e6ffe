"""Text from tasks, models and files made safe to print on a terminal: control sequences become visible characters.

A task title is data anyone with write access to tasks.json (or a model's answer) chose. Printed raw, an escape
sequence in it is obeyed by the terminal: OSC 52 writes the clipboard, OSC 0 sets the window title, ``ESC[2J``
clears the screen, ``ESC[8m`` hides the text after it, a bidi override reorders what the eye reads. Every text view
of the CLI passes what it prints through :func:`visible` (``cli.main`` cleans each result once, before any view
sees it; error and usage lines too), which shows each such character instead of sending it:

- C0 controls and DEL as their Unicode control pictures (ESC as ``␛``, BEL as ``␇``, CR as ``␍``); newline and tab
  stay (``keep_lines``: newlines only for multi-line text blocks; single-line cells get ``␊``);
- C1 controls (8-bit CSI ``\\x9b``, OSC ``\\x9d``, ...) and the bidi embedding, override and isolate characters as
  ``<U+009B>``.

``--json`` is left exact: JSON escapes C0 controls itself, and scripts get the data as stored.
"""

from __future__ import annotations

import re
from typing import Any, cast

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f{BIDI}]")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures block: U+241B is ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str, *, keep_lines: bool = True) -> str:
    """``text`` with every terminal control character shown instead of obeyed (see the module docstring)."""
    shown = _UNSAFE.sub(_shown, text)
    return shown if keep_lines else shown.replace("\n", "\u240a")


def visible_data(value: Any) -> Any:
    """A tool result with :func:`visible` applied to every string in it, keys included."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible(str(k)): visible_data(v) for k, v in cast(dict[Any, Any], value).items()}
    if isinstance(value, list):
        return [visible_data(v) for v in cast(list[Any], value)]
    return value
