"""Parallel agents through the tools: claims handed out once, released by done or release_task, and `count`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_helpers import connected, error, ok, snapshot


def plan(root: Path, tasks: list[dict[str, Any]]) -> Path:
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/tasks/tasks.json").write_text(
        json.dumps({"master": {"tasks": tasks, "metadata": {"description": "t"}}}, indent=2) + "\n"
    )
    return root


def item(tid: int, deps: list[int] | None = None, details: str = "") -> dict[str, Any]:
    return {"id": tid, "title": f"T{tid}", "status": "pending", "dependencies": deps or [], "details": details}


async def test_two_agents_claim_different_tasks_and_done_releases_for_the_next_claim(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1), item(2), item(3, [1])])
    async with connected(root) as one, connected(root) as two:
        a = await ok(one, "next_task", claim=True, agent="a")
        b = await ok(two, "next_task", claim=True, agent="b")
        again = await ok(one, "next_task", claim=True, agent="a")
        none = await ok(two, "next_task", claim=True, agent="c")
        await ok(one, "set_task_status", id=str(a["next"]["id"]), status="done")
        after = await ok(one, "next_task", claim=True, agent="a")
        rows = (await ok(two, "get_tasks"))["tasks"]
    assert (a["next"]["id"], b["next"]["id"], again["next"]["id"]) == (1, 2, 1)
    assert a["claim"]["agent"] == "a" and 29 < a["claim"]["leaseMinutesLeft"] <= 30 and "renewed" in again["reason"]
    assert none.get("next") is None and "1 (a)" in none["reason"] and "2 (b)" in none["reason"]
    assert after["next"]["id"] == 3
    shown = {r["id"]: r.get("claim") for r in rows}
    assert shown[1] is None and shown[2]["agent"] == "b" and shown[3]["agent"] == "a"


async def test_next_task_without_claim_is_unchanged_and_writes_nothing(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1), item(2)])
    before = snapshot(root)
    async with connected(root) as client:
        found = await ok(client, "next_task")
    assert found["next"]["id"] == 1 and found.get("claim") is None and snapshot(root) == before


async def test_release_task_frees_the_item_keeps_its_status_and_checks_the_holder(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1)])
    async with connected(root) as client:
        await ok(client, "next_task", claim=True, agent="a")
        wrong = await error(client, "release_task", id="1", agent="b")
        freed = await ok(client, "release_task", id="1", agent="a")
        twice = await ok(client, "release_task", id="1")
        taken = await ok(client, "next_task", claim=True, agent="b")
    assert "claimed by a" in wrong and freed["released"] and not twice["released"]
    assert taken["next"]["id"] == 1 and taken["next"]["status"] == "in-progress"


async def test_a_claim_needs_an_agent_and_a_sane_lease_and_refusals_write_nothing(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1)])
    before = snapshot(root)
    async with connected(root) as client:
        nameless = await error(client, "next_task", claim=True)
        lease = await error(client, "next_task", claim=True, agent="a", leaseMinutes=0)
        both = await error(client, "next_task", claim=True, agent="a", count=2)
    assert "agent" in nameless and "leaseMinutes" in lease and "drop count" in both
    assert snapshot(root) == before


async def test_count_lists_items_that_can_run_at_once_with_why(tmp_path: Path) -> None:
    tasks = [item(1, details="src/db.py"), item(2, details="src/db.py"), item(3, details="docs/a.md"), item(4, [1])]
    root = plan(tmp_path / "p", tasks)
    async with connected(root) as client:
        found = await ok(client, "next_task", count=5)
        await ok(client, "next_task", claim=True, agent="a")
        without_claimed = await ok(client, "next_task", count=5)
    assert [r["id"] for r in found["parallel"]] == ["1", "3"]
    assert found["parallel"][1]["files"] == ["docs/a.md"] and "no dependency path" in found["parallel"][1]["why"]
    assert [r["id"] for r in without_claimed["parallel"]] == ["2", "3"]  # 1 is claimed: 2 no longer clashes


async def test_get_tasks_parallel_shows_the_plan_wave_by_wave(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1), item(2, [1]), item(3, [1]), item(4, [2, 3]), item(5, [99])])
    async with connected(root) as client:
        page = await ok(client, "get_tasks", parallel=True)
    assert [w["ids"] for w in page["waves"]] == [["1"], ["2", "3"], ["4"]]
    assert page["unschedulable"] == ["5"]


async def test_count_says_which_claims_hold_the_plan_when_nothing_is_free(tmp_path: Path) -> None:
    root = plan(tmp_path / "p", [item(1), item(2, [1])])
    async with connected(root) as client:
        await ok(client, "next_task", claim=True, agent="alice")
        found = await ok(client, "next_task", count=3)
    assert found.get("parallel") == [] and "live claims hold 1 (alice)" in found["reason"]
