"""The research step is written once (``ai.context.researched``), not once per command."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.ai import context
from taskmaster_mcp.ai.context import researched
from taskmaster_mcp.models.router import Usage

AI = Path(context.__file__).parent


async def test_without_research_nothing_is_asked_and_no_usage_is_added() -> None:
    def question() -> str:
        raise AssertionError("the question is built only when research is asked for")

    usages: list[Usage] = []
    found = await researched(False, cast(Any, None), "expand_task", cast(Any, None), question, usages)
    assert found is None and usages == []


def test_no_command_writes_its_own_research_branch() -> None:
    own: list[str] = []
    for path in sorted(AI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "research":
                own.append(f"{path.relative_to(AI)}:{node.lineno}")
    assert own == []
