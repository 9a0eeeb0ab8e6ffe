"""No wait of a tool that asks a model freezes the server (issue 18 §3, the AI tools).

Through one real server process over stdio, with the scripted provider answering the model call: while an AI
tool's write on project A waits (our project lock held by another process, Task Master's lock as a file or as a
directory), or while review's ``git diff`` of project A is slow (a ``git`` wrapper first on PATH), a read of project
B answers first, and the AI call goes through once the wait ends. Asserted by order of events, not by time.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from ai_helpers import ai_env, ai_project
from ai_samples import scores, verdict
from liveness_helpers import HOLDS, call, make_project, server, server_env
from provider_server import CHAT, MESSAGES, ProviderServer, Reply

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock and sh are POSIX")

LOCKS = ("our project lock", "Task Master lock file", "Task Master lock directory")


async def _asked(provider: ProviderServer, route: str) -> None:
    """Return once the model has been asked (the write comes right after its answer); bounded."""
    for _ in range(4000):
        if any(r.path.endswith(route) for r in provider.requests):
            break
        await anyio.sleep(0.005)
    await anyio.sleep(0.3)  # the answer is back and the server is at the lock (never observable from outside)


@pytest.mark.parametrize("kind", LOCKS)
async def test_another_project_is_read_while_an_ai_tools_write_waits(
    kind: str, tmp_path: Path, provider_server: ProviderServer
) -> None:
    waiting = ai_project(make_project(tmp_path / "a"), provider_server)
    other = make_project(tmp_path / "b")
    (tmp_path / "home").mkdir()
    env = {**server_env(tmp_path / "home", tmp_path), **ai_env(tmp_path)}
    order: list[str] = []
    async with server(tmp_path, env) as client:
        with HOLDS[kind](waiting) as release:

            async def write() -> None:
                await call(client, "research", projectRoot=str(waiting), query="How to ship it?", saveTo="2")
                order.append("write")

            async with anyio.create_task_group() as group:
                group.start_soon(write)
                await _asked(provider_server, CHAT)
                page: dict[str, Any] = await call(client, "get_tasks", projectRoot=str(other))
                assert page["tasks"], "the other project's read came back empty"
                order.append("read")
                release()
    assert order == ["read", "write"], f"the other project's read waited for the AI write behind the {kind}"
    saved = json.loads((waiting / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    assert "Research: How to ship it?" in saved[1]["details"], "the write did not go through once released"


def slow_git(bin_dir: Path, project: Path, gate: Path, started: Path) -> None:
    """A ``git`` first on PATH whose ``diff`` in ``project`` waits until ``gate`` exists (the real git otherwise)."""
    real = shutil.which("git")
    assert real, "git is not installed"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$PWD" = "{project}" ]; then for arg in "$@"; do if [ "$arg" = diff ]; then\n'
        f'  touch "{started}"; while [ ! -f "{gate}" ]; do sleep 0.02; done; break\n'
        "fi; done; fi\n"
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)


async def test_another_project_is_read_while_reviews_git_diff_is_slow(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    waiting = ai_project(make_project(tmp_path / "a"), provider_server)
    other = make_project(tmp_path / "b")
    (waiting / "ship.py").write_text("SHIPPED = True\n")
    gate, started = tmp_path / "diff.release", tmp_path / "diff.started"
    slow_git(tmp_path / "bin", waiting.resolve(), gate, started)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 90)))
    (tmp_path / "home").mkdir()
    env = {**server_env(tmp_path / "home", tmp_path), **ai_env(tmp_path)}
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    order: list[str] = []
    async with server(tmp_path, env) as client:
        try:

            async def reviewed() -> None:
                result = await call(client, "review", projectRoot=str(waiting), id="2")
                order.append(f"review {result['verdict']}")

            async with anyio.create_task_group() as group:
                group.start_soon(reviewed)
                for _ in range(4000):  # bounded: the diff has started once the wrapper marks it
                    if started.exists():
                        break
                    await anyio.sleep(0.005)
                assert started.exists(), "review never ran git diff"
                page: dict[str, Any] = await call(client, "get_tasks", projectRoot=str(other))
                assert page["tasks"], "the other project's read came back empty"
                order.append("read")
                gate.touch()
        finally:
            gate.touch()
    assert order == ["read", "review approve"], "the other project's read waited for review's git diff"


async def test_another_project_is_read_while_analyzes_report_write_waits_for_our_lock(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    waiting = ai_project(make_project(tmp_path / "a"), provider_server)
    other = make_project(tmp_path / "b")
    provider_server.script(MESSAGES, Reply(text=scores([1, 2])))
    (tmp_path / "home").mkdir()
    env = {**server_env(tmp_path / "home", tmp_path), **ai_env(tmp_path)}
    order: list[str] = []
    async with server(tmp_path, env) as client:
        with HOLDS["our project lock"](waiting) as release:

            async def analyzed() -> None:
                result = await call(client, "analyze_project_complexity", projectRoot=str(waiting))
                order.append(f"analyzed {result['analyzed']}")

            async with anyio.create_task_group() as group:
                group.start_soon(analyzed)
                await _asked(provider_server, MESSAGES)
                page: dict[str, Any] = await call(client, "get_tasks", projectRoot=str(other))
                assert page["tasks"], "the other project's read came back empty"
                order.append("read")
                release()
    assert order == ["read", "analyzed 2"], "the other project's read waited for analyze's report write"


MANUAL = {  # the tools that may ask a model run on the event loop; their manual paths write without one
    "add_task": {"title": "Docs", "description": "Write the docs"},
    "update_task": {"id": "2", "title": "Ship it today"},
    "update_subtask": {"id": "1.1", "prompt": "Started on it."},
}


@pytest.mark.parametrize("tool", sorted(MANUAL))
async def test_another_project_is_read_while_a_manual_write_of_an_ai_tool_waits(tool: str, tmp_path: Path) -> None:
    waiting, other = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    (tmp_path / "home").mkdir()
    order: list[str] = []
    async with server(tmp_path, server_env(tmp_path / "home", tmp_path)) as client:
        with HOLDS["our project lock"](waiting) as release:

            async def write() -> None:
                await call(client, tool, projectRoot=str(waiting), **MANUAL[tool])
                order.append("write")

            async with anyio.create_task_group() as group:
                group.start_soon(write)
                await anyio.sleep(0.3)  # the write has been sent; the server is at the lock
                page: dict[str, Any] = await call(client, "get_tasks", projectRoot=str(other))
                assert page["tasks"], "the other project's read came back empty"
                order.append("read")
                release()
    assert order == ["read", "write"], f"the other project's read waited for {tool}'s write behind our lock"
