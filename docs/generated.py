"""What the docs generators share (``tools_table.py``, ``config_reference.py``): a Markdown table cell, the generated
part of a page between its two markers, and the write / ``--check`` entry point."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def cell(text: str) -> str:
    """``text`` on one line, safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def splice(text: str, start: str, end: str, body: str) -> str:
    """``text`` with what lies between ``start`` and ``end`` replaced by ``body`` (which carries both markers)."""
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return head + body + tail


def main(doc: Path, updated: Callable[[str], str], argv: list[str]) -> int:
    """Rewrite ``doc`` when its generated part is stale; with ``--check``, only say so (exit 1)."""
    current = doc.read_text(encoding="utf-8")
    fresh = updated(current)
    if "--check" in argv:
        if fresh != current:
            script = Path(sys.argv[0]).name
            print(f"docs/{doc.name} is stale: run .venv/bin/python docs/{script}", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        doc.write_text(fresh, encoding="utf-8")
    return 0
