"""The CLI calls the server's own tool functions in process, and gets what an agent gets over MCP.

Each call below runs twice on copies of the same project: through the CLI's in-process session
(``cli.client.session``) and through the SDK's in-memory MCP client on the real server
(``cli.client.protocol_session``). The results (or the error texts) and the files left behind must be the same.
A CLI read must not load the MCP SDK, the HTTP stack or a provider SDK.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from taskmaster_mcp.cli.client import CommandFailed, protocol_session, session

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_tasks", {"withSubtasks": True}),
    ("get_tasks", {"status": "pending,review", "limit": 2}),
    ("get_tasks", {"status": "bogus"}),
    ("get_task", {"id": "4,3.2,99"}),
    # plain reads (cli.reads): answered from store.task_reads without the tool's model, refusals included
    ("get_tasks", {"withSubtasks": True, "parallel": True, "fields": "description,details", "limit": 3}),
    ("get_tasks", {"cursor": "2", "limit": 2, "tag": "feature-auth"}),
    ("get_tasks", {"cursor": "two"}),
    ("get_tasks", {"limit": 0}),  # outside the declared range: the tool's signature refuses it
    ("get_tasks", {"tag": "no-such-tag"}),
    ("get_tasks", {"complexityReport": "../outside.json"}),
    ("get_task", {"id": "3", "status": "done"}),
    ("get_task", {"id": 4}),  # a whole number: the tool function takes it as text
    ("get_task", {"id": "98,99"}),
    ("next_task", {"complexityReport": "nowhere.json"}),
    ("next_task", {"count": 2}),  # not a plain read: the tool function answers
    ("list_tags", {"limit": 1, "cursor": "1"}),
    ("list_tags", {"cursor": "x"}),
    ("next_task", {}),
    ("next_task", {"tag": "feature-auth"}),
    ("set_task_status", {"id": "3.2", "status": "done"}),
    ("set_task_status", {"id": "42", "status": "done"}),
    ("add_task", {"title": "Audit log", "priority": "high", "dependencies": "3,4"}),
    ("update_task", {"id": "5", "title": "Login", "testStrategy": "Try it."}),
    ("update_task", {"id": "5"}),
    ("add_dependency", {"id": "4", "dependsOn": "4"}),
    ("validate_dependencies", {}),
    ("list_tags", {"showMetadata": True}),
    ("complexity_report", {}),
    ("analyze_project_complexity", {"threshold": 11}),  # refused by the signature: the server's own words
    ("get_tasks", {"noSuchParameter": 1}),
    ("move_task", {"from": "7", "to": "12"}),  # an aliased parameter
]


async def _outcome(opener: Any, root: Path, tool: str, arguments: dict[str, Any]) -> tuple[str, str, str]:
    env = {"HOME": str(root), "TASKMASTER_MCP_CACHE_DIR": str(root / "cache")}
    try:
        async with opener(str(root), env) as tools:
            result = json.dumps(await tools.call(tool, arguments), sort_keys=True)
    except CommandFailed as exc:
        result = f"error: {exc}"
    tasks = (root / ".taskmaster" / "tasks" / "tasks.json").read_text()
    return result.replace(str(root), "<root>"), tasks, json.dumps(sorted(p.name for p in root.rglob("*.json")))


@pytest.mark.parametrize(("tool", "arguments"), CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CALLS)])
def test_a_call_in_process_gives_what_the_mcp_server_gives(
    messy_project: Path, tmp_path: Path, tool: str, arguments: dict[str, Any]
) -> None:
    direct_root, protocol_root = tmp_path / "direct", tmp_path / "protocol"
    shutil.copytree(messy_project, direct_root)
    shutil.copytree(messy_project, protocol_root)
    direct = asyncio.run(_outcome(session, direct_root, tool, arguments))
    served = asyncio.run(_outcome(protocol_session, protocol_root, tool, arguments))
    assert direct == served


def test_a_refused_argument_reads_as_the_server_words_it(messy_project: Path) -> None:
    async def refusal() -> str:
        async with session(str(messy_project), {"HOME": str(messy_project)}) as tools:
            with pytest.raises(CommandFailed) as caught:
                await tools.call("parse_prd", {"numTasks": 500})
        return str(caught.value)

    assert asyncio.run(refusal()).startswith("Invalid arguments for parse_prd: 'numTasks' must be an integer")


READ_IMPORTS = """
import contextlib, io, sys
from taskmaster_mcp.cli.main import run
codes = []
for argv in (["list"], ["next"], ["show", "1"], ["list", "--json"], ["tags"]):
    with contextlib.redirect_stdout(io.StringIO()):
        codes.append(run(["-C", sys.argv[1], *argv], env={"HOME": sys.argv[1]}))
heavy = ("mcp", "anthropic", "openai", "google", "httpx", "uvicorn", "starlette", "sse_starlette", "taskmaster_mcp.ai",
         "taskmaster_mcp.models")
print(codes, sorted({m.split(".")[0] if not m.startswith("taskmaster_mcp") else ".".join(m.split(".")[:2])
                     for m in sys.modules if m == "mcp" or m.startswith(tuple(h + "." for h in heavy)) or m in heavy}))
"""


def test_reads_load_neither_the_mcp_sdk_nor_a_provider_sdk_nor_the_ai_core(messy_project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", READ_IMPORTS, str(messy_project)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[0, 0, 0, 0, 0] []", done.stderr


PLAIN_READS = """
import contextlib, io, sys
from taskmaster_mcp.cli.main import run
codes = []
for argv in (["list"], ["next"], ["show", "1"], ["list", "--json", "--with-subtasks"], ["show", "3.2", "--json"],
             ["tags"], ["list", "--all-tags"]):
    with contextlib.redirect_stdout(io.StringIO()):
        codes.append(run(["-C", sys.argv[1], *argv], env={"HOME": sys.argv[1]}))
print(codes, sorted(m for m in sys.modules if m == "pydantic" or m.startswith("taskmaster_mcp.mcp_server.tools")))
"""


def test_list_next_show_and_tags_pay_for_neither_pydantic_nor_the_tool_modules(messy_project: Path) -> None:
    """The plain reads answer from the core the tools call (cli.reads): the floor of a CLI read is the program's
    start, not pydantic's (issue 22: list and next at most 2x the CPU of --version)."""
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_READS, str(messy_project)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[0, 0, 0, 0, 0, 0, 0] []", done.stderr


def test_version_builds_no_command_flags_and_loads_no_model_layer() -> None:
    heavy = "('taskmaster_mcp.models', 'taskmaster_mcp.setup', 'pydantic', 'rich', 'mcp')"
    code = (
        "import sys\nfrom taskmaster_mcp.cli.main import run\ntry:\n    run(['--version'])\nexcept SystemExit:\n"
        f"    pass\nprint(sorted(m for m in sys.modules if m.startswith({heavy})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout


def test_every_tool_can_be_called_in_process() -> None:
    import inspect

    from taskmaster_mcp.cli.client import _arguments_model  # pyright: ignore[reportPrivateUsage]
    from taskmaster_mcp.mcp_server.app import tool_specs

    for name, spec in tool_specs().items():
        if spec.group == "switcher":  # enable_tools switches a session's listing: nothing to do in a terminal
            continue
        assert next(iter(inspect.signature(spec.fn).parameters)) == "ctx", name
        assert "projectRoot" in _arguments_model(spec.fn).model_fields, name
