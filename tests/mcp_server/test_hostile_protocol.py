"""Hostile or careless input at the protocol edge gets a clear answer, never silence, a traceback or a crash."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import MCPError

from ai_helpers import ai_env, ai_project
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from servers import TOKEN, console_script, serving
from taskmaster_mcp.cli import main as cli_module

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def _raw_session(
    cwd: Path,
    lines: list[bytes],
    expected: int,
    env: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], subprocess.Popen[bytes]]:
    """Write raw lines to the stdio server and read ``expected`` answers (bounded); the process is left running."""
    proc = subprocess.Popen(
        [console_script()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    for line in lines:
        proc.stdin.write(line + b"\n")
    proc.stdin.flush()
    answers = [json.loads(proc.stdout.readline()) for _ in range(expected + 1)][1:]  # skip initialize's answer
    return answers, proc


def _stop(proc: subprocess.Popen[bytes], *, eof_first: bool = True) -> tuple[int, str]:
    """End the server: close its stdin (the client went away) unless ``eof_first`` is false, then SIGTERM it."""
    if eof_first and proc.stdin:
        proc.stdin.close()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            stream.close()
    return code, stderr


def test_unreadable_request_lines_are_answered_with_json_rpc_errors_at_once(messy_project: Path) -> None:
    lines = [
        b"this is not json",
        b'{"jsonrpc":"2.0","id":41,"method":"tools/list","params":{"note":"\\ud800"}}',  # a lone surrogate
        b"[" * 100_000,  # nesting no parser should follow
        b'{"hello": "world"}',  # JSON, but not JSON-RPC
        b'{"jsonrpc":"2.0","id":42,"method":"tools/list"}',  # and the session still works afterwards
    ]
    answers, proc = _raw_session(messy_project, lines, expected=5)
    code, _ = _stop(proc)
    codes = [(a.get("id"), a.get("error", {}).get("code")) for a in answers]
    assert codes == [(None, -32700), (41, -32700), (None, -32700), (None, -32600), (42, None)]
    assert all("one JSON-RPC 2.0 message per line" in a["error"]["message"] for a in answers[:4])
    assert "tools" in answers[4]["result"]
    assert code == 0


def test_sigterm_shuts_the_stdio_server_down_cleanly_with_exit_code_0(messy_project: Path) -> None:
    answers, proc = _raw_session(messy_project, [b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], expected=1)
    code, stderr = _stop(proc, eof_first=False)  # an editor that signals while its end of stdin is still open
    assert "tools" in answers[0]["result"]
    assert code == 0 and "Traceback" not in stderr


def test_the_log_level_variable_reaches_the_stdio_server(messy_project: Path) -> None:
    quiet = _raw_session(messy_project, [b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], expected=1)[1]
    verbose = _raw_session(
        messy_project,
        [b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
        expected=1,
        env={"TASKMASTER_MCP_LOG_LEVEL": "info"},
    )[1]
    _, quiet_err = _stop(quiet)
    _, verbose_err = _stop(verbose)
    assert " INFO " in verbose_err and " INFO " not in quiet_err


@pytest.mark.parametrize(
    ("value", "served", "warned"),
    [
        (",,,", "all", "names no tool of this server; serving all"),
        ("get_tasks, no_such_tool, Next-Task", 2, "unknown tool(s) skipped: no_such_tool"),
        ("nothing_real", "all", "unknown tool(s) skipped: nothing_real"),
        ("lean", 7, None),
    ],
)
async def test_task_master_tools_skips_unknown_names_with_a_warning_and_never_serves_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str, served: int | str, warned: str | None
) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "all"}) as client:
        every = len((await client.list_tools()).tools)
    with caplog.at_level(logging.WARNING, logger="taskmaster_mcp"):
        async with connected(tmp_path, env={"TASK_MASTER_TOOLS": value}) as client:
            names = [t.name for t in (await client.list_tools()).tools]
    assert len(names) == (every if served == "all" else served)
    if warned:
        assert warned in caplog.text
    else:
        assert "TASK_MASTER_TOOLS" not in caplog.text


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("get_task", {}, "'id' is required"),
        ("get_task", {"id": ["1"]}, "'id' must be a string"),
        ("get_tasks", {"limit": "many"}, "'limit' must be an integer from 1 to 500, got \"many\""),
        ("get_tasks", {"withSubtasks": "maybe"}, "'withSubtasks' must be true or false"),
        ("set_task_status", {"id": "1"}, "'status' is required: one of 'pending', 'in-progress'"),
        (
            "benchmark_models",
            {"maxUsd": -1},
            "'maxUsd' must be a number of at least 0 (Required for paid models), got -1",
        ),
    ],
)
async def test_bad_arguments_get_a_message_naming_the_parameter_and_its_form(
    messy_project: Path, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    async with connected(messy_project) as client:
        message = await error(client, tool, **arguments)
    assert expected in message and f"call {tool} again" in message
    assert "validation error" not in message and "pydantic" not in message


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("get_tasks", {"file": "tasks\x00.json"}),
        ("get_tasks", {"projectRoot": "/tmp/a\x00b"}),
        ("generate", {"output": "out\x00dir"}),
        ("parse_prd", {"input": "prd\x00.md"}),
        ("research", {"query": "q", "filePaths": "src/a\x00.py"}),
    ],
)
async def test_a_null_byte_in_a_path_is_refused_as_bad_input_and_nothing_is_written(
    messy_project: Path, tool: str, arguments: dict[str, Any]
) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, tool, **arguments)
    assert "null byte" in message and "This is a bug" not in message
    assert snapshot(messy_project) == before


async def test_a_missing_task_resource_is_not_found_and_a_review_prompt_for_it_says_so(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        with pytest.raises(MCPError) as resource:
            await client.read_resource("taskmaster://tasks/99")
        with pytest.raises(MCPError) as prompt:
            await client.get_prompt("review_task", {"id": "99"})
        found = await client.get_prompt("review_task", {"id": "3"})
    assert resource.value.code == -32602 and "No task with id 99" in resource.value.error.message
    assert prompt.value.code == -32602 and "needs the id of an existing task" in prompt.value.error.message
    assert "Review the implementation of task 3" in str(found.messages[0].content)


def test_the_bearer_scheme_is_case_insensitive(messy_project: Path) -> None:
    body = {**INITIALIZE, "params": {**INITIALIZE["params"]}}
    with serving(messy_project, env={"TASKMASTER_MCP_TOKEN": TOKEN}) as url:
        answers = {
            scheme: httpx2.post(
                url,
                json=body,
                timeout=10,
                headers={"Accept": "application/json, text/event-stream", "Authorization": f"{scheme} {TOKEN}"},
            ).status_code
            for scheme in ("Bearer", "bearer", "BEARER")
        }
        wrong = httpx2.post(
            url,
            json=body,
            timeout=10,
            headers={"Accept": "application/json, text/event-stream", "Authorization": f"Basic {TOKEN}"},
        ).status_code
    assert answers == {"Bearer": 200, "bearer": 200, "BEARER": 200}
    assert wrong == 401


def test_models_test_exits_1_when_every_role_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    for route in (MESSAGES, CHAT):
        provider_server.defaults[route] = Reply(status=401, error_type="authentication_error", message="bad key")
    code = cli_module.run(["-C", str(root), "models", "--test"], env={"HOME": str(root), **ai_env(tmp_path)})
    err = capsys.readouterr().err
    assert code == 1 and "failed the test" in err and "main" in err


async def test_an_argument_a_tool_does_not_take_is_refused_not_silently_dropped(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        message = await error(client, "set_task_status", id="1", status="done", statuss="done", colour="red")
        aliased = await ok(client, "move_task", **{"from": "8", "to": "20"})
    assert "set_task_status does not take colour, statuss" in message and "Its parameters: " in message
    assert aliased["changed"] == ["20"]
    assert snapshot(messy_project) != before
