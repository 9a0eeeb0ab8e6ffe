"""docs/tools.md's tool tables are the server's live listing (regenerate: .venv/bin/python docs/tools_table.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parents[1] / "docs"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tools_table", DOCS / "tools_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tool_tables_in_docs_are_current() -> None:
    text = (DOCS / "tools.md").read_text(encoding="utf-8")
    assert generator().updated(text) == text, "docs/tools.md is stale: run .venv/bin/python docs/tools_table.py"


def test_a_stale_table_is_noticed_and_rewritten(tmp_path: Path) -> None:
    module = generator()
    text = (DOCS / "tools.md").read_text(encoding="utf-8")
    stale = text.replace("| Show a task |", "| Show one task |")
    assert stale != text and module.updated(stale) == text
