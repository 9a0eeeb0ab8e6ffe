"""The wings' boundaries that import-linter cannot express (it sees external packages only as a whole).

import-linter (run by .ci/run) checks the layer order, that nothing below the face imports ``mcp``, that only
``models.providers`` imports the provider SDKs and that only ``cli`` imports ``rich``. These tests add the rest.
"""

from __future__ import annotations

import ast
from pathlib import Path

import taskmaster_mcp

PACKAGE = Path(taskmaster_mcp.__file__).resolve().parent
FACE = PACKAGE / "mcp_server"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_mcp_server_api_is_imported_only_by_the_mcp_face() -> None:
    offenders = sorted(
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in PACKAGE.rglob("*.py")
        if FACE not in path.parents
        for module in _imported_modules(path)
        if module == "mcp.server" or module.startswith("mcp.server.")
    )
    assert offenders == []


def test_the_cli_uses_the_mcp_client_only() -> None:
    used = {m for path in (PACKAGE / "cli").rglob("*.py") for m in _imported_modules(path) if m.split(".")[0] == "mcp"}
    assert used <= {"mcp"}, used


def test_sub_package_init_files_are_empty_so_start_up_imports_only_what_it_uses() -> None:
    non_empty = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE and p.read_text(encoding="utf-8").strip()
    ]
    assert non_empty == []


def test_every_module_uses_absolute_imports_of_the_package() -> None:
    relative = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if any(isinstance(n, ast.ImportFrom) and n.level > 0 for n in ast.walk(ast.parse(p.read_text())))
    ]
    assert relative == []
