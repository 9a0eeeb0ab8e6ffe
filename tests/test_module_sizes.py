"""The house's bar: no module over 400 lines (split by what it owns, not by line count)."""

from __future__ import annotations

from pathlib import Path

import taskmaster_mcp

LIMIT = 400


def test_no_module_is_over_400_lines() -> None:
    package = Path(taskmaster_mcp.__file__).parent
    sizes = {
        str(p.relative_to(package)): len(p.read_text(encoding="utf-8").splitlines()) for p in package.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
