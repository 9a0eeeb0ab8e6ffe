"""A session's roots are asked once and kept until the client says they changed; confinement follows the change at
once. On the 2026 era (no change notification exists) they are asked per call, and only where they matter."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import ListRootsResult, Root

from conftest import make_project
from mcp_helpers import connected, error, ok, snapshot
from servers import console_script
from taskmaster_mcp.mcp_server.rootcache import SessionRoots


class Workspace:
    """The client's roots, which the test changes mid-session; counts the roots/list answers it gives."""

    def __init__(self, *folders: Path) -> None:
        self.folders = list(folders)
        self.asked = 0

    async def __call__(self, context: Any) -> ListRootsResult:
        self.asked += 1
        return ListRootsResult(roots=[Root(uri=f.as_uri()) for f in self.folders])  # pyright: ignore


async def changed(client: Client) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated for 2026 sessions; the 2025 way
        await client.send_roots_list_changed()  # pyright: ignore[reportDeprecated]


async def test_a_2025_session_asks_for_its_roots_once(messy_project: Path) -> None:
    workspace = Workspace(messy_project)
    async with connected(messy_project.parent, mode="legacy", list_roots_callback=workspace) as client:
        for _ in range(5):
            await ok(client, "next_task")
        await ok(client, "get_tasks", projectRoot=str(messy_project))
    assert workspace.asked == 1


async def test_changed_roots_confine_the_very_next_call(messy_project: Path, tmp_path: Path) -> None:
    other = make_project(tmp_path / "other", None)
    workspace = Workspace(messy_project)
    async with connected(messy_project.parent, mode="legacy", list_roots_callback=workspace) as client:
        await ok(client, "get_tasks", projectRoot=str(messy_project))
        refused_before = await error(client, "get_tasks", projectRoot=str(other))
        workspace.folders = [other]
        await changed(client)
        refused_after = await error(client, "get_tasks", projectRoot=str(messy_project))
        allowed_after = await ok(client, "get_tasks", projectRoot=str(other))
        default_after = await ok(client, "get_tasks")
    assert "outside the workspace roots" in refused_before and "outside the workspace roots" in refused_after
    assert allowed_after["stats"]["tasks"] == default_after["stats"]["tasks"] == 0
    assert workspace.asked == 2


async def test_changed_roots_confine_the_next_call_over_stdio(messy_project: Path, tmp_path: Path) -> None:
    other = make_project(tmp_path / "other", None)
    workspace = Workspace(messy_project)
    params = StdioServerParameters(command=console_script(), args=[], cwd=str(tmp_path))
    async with Client(params, mode="legacy", list_roots_callback=workspace, read_timeout_seconds=30) as client:
        first = await client.call_tool("get_tasks", {"projectRoot": str(messy_project)})
        workspace.folders = [other]
        await changed(client)
        refused = await client.call_tool("get_tasks", {"projectRoot": str(messy_project)})
        allowed = await client.call_tool("get_tasks", {"projectRoot": str(other)})
    assert not first.is_error and not allowed.is_error
    assert refused.is_error and "outside the workspace roots" in str(getattr(refused.content[0], "text", ""))


async def test_a_2026_session_asks_per_call_and_only_when_the_roots_can_matter(
    messy_project: Path, tmp_path: Path
) -> None:
    elsewhere = make_project(tmp_path / "elsewhere", None)
    workspace = Workspace(messy_project)
    async with connected(messy_project.parent, mode="auto", list_roots_callback=workspace) as client:
        await ok(client, "next_task")
        await ok(client, "next_task")
        refused = await error(client, "get_tasks", projectRoot=str(elsewhere))
    assert workspace.asked == 3 and "outside the workspace roots" in refused
    workspace.asked = 0
    env = {"TASK_MASTER_PROJECT_ROOT": str(messy_project)}
    async with connected(tmp_path, env=env, mode="auto", list_roots_callback=workspace) as client:
        await ok(client, "next_task")  # the variable picks the project; roots cannot change it
        still_refused = await error(client, "get_tasks", projectRoot=str(elsewhere))
    assert workspace.asked == 1 and "outside the workspace roots" in still_refused


async def test_an_answer_overtaken_by_a_change_is_used_once_and_not_kept() -> None:
    cache = SessionRoots()

    class Session:
        pass

    session = Session()

    async def ask_then_change() -> list[Path] | None:
        cache.forget(session)  # the notification arrives while the answer is on its way
        return [Path("/old")]

    assert await cache.get(session, ask_then_change, keep=True) == [Path("/old")]

    async def ask() -> list[Path] | None:
        return [Path("/new")]

    assert await cache.get(session, ask, keep=True) == [Path("/new")]
    assert await cache.get(session, ask_then_change, keep=True) == [Path("/new")]  # kept: not asked
    assert cache.asked == 2


@pytest.mark.parametrize("keep", [True, False])
async def test_a_client_without_list_changed_is_asked_every_time(keep: bool) -> None:
    cache = SessionRoots()

    class Session:
        pass

    session = Session()

    async def ask() -> list[Path] | None:
        return [Path("/w")]

    for _ in range(3):
        await cache.get(session, ask, keep=keep)
    assert cache.asked == (1 if keep else 3)


async def test_a_client_that_declares_roots_but_cannot_answer_gets_the_call_refused_not_unconfined(
    messy_project: Path, tmp_path: Path
) -> None:
    elsewhere = make_project(tmp_path / "elsewhere", None)
    before = snapshot(messy_project)

    async def broken(context: Any) -> ListRootsResult:
        raise RuntimeError("the editor lost its workspace")

    async with connected(messy_project.parent, mode="legacy", list_roots_callback=broken) as client:
        message = await error(client, "set_task_status", projectRoot=str(elsewhere), id="1", status="pending")
    assert "did not answer roots/list" in message and "nothing was done" in message
    assert snapshot(messy_project) == before
