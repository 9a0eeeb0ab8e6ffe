"""Every tool of Task Master 0.43.1, with every parameter it declares (tests/fixtures/taskmaster-tools.json, read from
its source), exists here and accepts that parameter; each parameter is honoured, or refused with a reason.

``HOW`` says how each parameter is treated. Parameters not listed there are honoured with Task Master's meaning
(tested by the tool's own tests). A "refused" entry names a call that must be refused and the reason it must give.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from mcp_helpers import connected, error, snapshot
from taskmaster_mcp.mcp_server.app import build_app

TASK_MASTER = json.loads((FIXTURES / "taskmaster-tools.json").read_text(encoding="utf-8"))["tools"]

# Accepted, and a no-op by design (with why), or refused for some values (with the call and the reason's text).
NO_OPS: dict[tuple[str, str], str] = {
    ("remove_task", "confirm"): "a tool call is the confirmation; nothing prompts",
    ("delete_tag", "yes"): "a tool call is the confirmation; nothing prompts",
    ("initialize_project", "yes"): "a tool call is the confirmation; nothing prompts",
}
REFUSED: dict[tuple[str, str], tuple[dict[str, Any], str]] = {
    ("add_subtask", "skipGenerate"): ({"id": "8", "title": "x", "skipGenerate": False}, "never writes them"),
    ("remove_subtask", "skipGenerate"): ({"id": "8.1", "skipGenerate": False}, "never writes them"),
    ("update_task", "metadata"): ({"id": "1", "metadata": '{"a": 1}'}, "TASK_MASTER_ALLOW_METADATA_UPDATES=true"),
    ("update_subtask", "metadata"): ({"id": "3.1", "metadata": '{"a": 1}'}, "TASK_MASTER_ALLOW_METADATA_UPDATES=true"),
}


def _accepted_names() -> dict[str, set[str]]:
    """Every tool we serve, with every argument name it accepts (published or not, aliases included)."""
    server = build_app(env={"TASK_MASTER_TOOLS": "all"})
    server.register_all()  # pyright: ignore[reportAttributeAccessIssue]
    accepted: dict[str, set[str]] = {}
    for tool in server._tool_manager.list_tools():  # pyright: ignore[reportPrivateUsage]
        names: set[str] = set()
        for name, field in tool.fn_metadata.arg_model.model_fields.items():
            names.update({name, field.alias or name})
        accepted[tool.name] = names
    return accepted


ACCEPTED = _accepted_names()
PAIRS = [(tool, param) for tool, params in TASK_MASTER.items() for param in params]


@pytest.mark.parametrize("tool", sorted(TASK_MASTER))
def test_every_task_master_tool_is_served_under_its_name(tool: str) -> None:
    assert tool in ACCEPTED, f"Task Master's {tool} is missing"


@pytest.mark.parametrize(("tool", "param"), PAIRS, ids=[f"{t}.{p}" for t, p in PAIRS])
def test_every_task_master_parameter_is_accepted(tool: str, param: str) -> None:
    assert param in ACCEPTED.get(tool, set()), f"{tool} does not take Task Master's {param}"


@pytest.mark.parametrize(("tool", "param"), sorted(REFUSED), ids=[f"{t}.{p}" for t, p in sorted(REFUSED)])
async def test_a_refused_task_master_parameter_says_why_and_changes_nothing(
    messy_project: Path, tool: str, param: str
) -> None:
    arguments, reason = REFUSED[(tool, param)]
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, tool, **arguments)
    assert reason in message
    assert snapshot(messy_project) == before


def test_the_no_op_and_refusal_tables_name_only_real_task_master_parameters() -> None:
    for tool, param in [*NO_OPS, *REFUSED]:
        assert param in TASK_MASTER.get(tool, []), (tool, param)
