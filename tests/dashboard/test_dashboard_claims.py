"""Who works on what, on the dashboard: the board answer lists every claim (live and expired, with the lease left),
the cards name the agent and the lease left, and the Claims view lists the leases; a claim made while the page is
open appears without a reload. The screenshot is test-artifacts/dashboard/claims.png."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent_loop import layered_plan
from browser_helpers import browser_missing, chromium, screenshot
from dashboard_helpers import TOKEN, Running, running_dashboard, wait_until
from taskmaster_mcp.mcp_server.dashboard.data import DashboardData
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import claims

EXPIRED = {"agent": "crashed-bot", "claimedAt": "2026-01-01T00:00:00.000Z", "until": "2026-01-01T00:30:00.000Z"}


def _plan(root: Path) -> None:
    """Six tasks; task 2 has a subtask; task 3 holds an expired lease."""
    layered_plan(root, 2, 3)
    path = root / ".taskmaster/tasks/tasks.json"
    document = json.loads(path.read_text())
    tasks = document["master"]["tasks"]
    tasks[1]["subtasks"] = [{"id": 1, "title": "Half of two", "status": "pending", "dependencies": []}]
    tasks[2]["status"] = "in-progress"
    tasks[2]["metadata"] = {"taskmasterMcp": {"claim": EXPIRED}}
    path.write_text(json.dumps(document, indent=2))


def _claim(root: Path, agent: str, minutes: float = 30) -> str:
    """What next_task claim=true does on disk."""
    with TaskStore(Paths(root)).mutate() as doc:
        got = claims.claim_next(doc, "master", agent, minutes, datetime.now(UTC))
        assert got is not None
        return str(got.task.get("id")) + (f".{got.sub.get('id')}" if got.sub is not None else "")


def test_the_board_answer_lists_live_and_expired_claims_with_the_lease_left(tmp_path: Path) -> None:
    _plan(tmp_path)
    first, second = _claim(tmp_path, "docs", 10), _claim(tmp_path, "architect", 20)
    data = DashboardData(Project.open(Paths(tmp_path)), {}).board(None)
    rows = {row["id"]: row for row in data["claims"]}
    assert [row["id"] for row in data["claims"]] == [first, second, "3"]  # live (soonest out first), then expired
    assert rows[first]["agent"] == "docs" and 9 < rows[first]["leaseMinutesLeft"] <= 10
    assert rows[second]["agent"] == "architect" and not rows[second]["expired"]
    assert rows["3"] == {
        "id": "3",
        "title": "Task 3",
        "status": "in-progress",
        "agent": "crashed-bot",
        "claimedAt": EXPIRED["claimedAt"],
        "until": EXPIRED["until"],
        "leaseMinutesLeft": 0.0,
        "expired": True,
    }
    assert datetime.fromisoformat(data["now"].replace("Z", "+00:00")) - datetime.now(UTC) < timedelta(minutes=1)


def test_a_board_without_claims_says_so(tmp_path: Path) -> None:
    layered_plan(tmp_path, 1, 2)
    assert DashboardData(Project.open(Paths(tmp_path)), {}).board(None)["claims"] == []


@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
class TestInTheBrowser:
    @pytest.fixture
    def page(self, tmp_path: Path) -> Iterator[tuple[Any, Running, Path]]:
        _plan(tmp_path)
        _claim(tmp_path, "docs", 25)
        with running_dashboard(tmp_path, {}) as server, chromium() as driver:
            driver.get(f"{server.url}/?token={TOKEN}")
            wait_until(
                lambda: driver.execute_script("return document.body.dataset.boardRendered") is not None,
                what="the board to render",
            )
            yield driver, server, tmp_path

    def test_cards_name_the_agent_and_the_lease_left_and_a_new_claim_appears_live(
        self, page: tuple[Any, Running, Path]
    ) -> None:
        driver, _, root = page
        card = driver.find_element("css selector", '.card[data-id="1"]')
        assert "⚑ docs" in card.text and ("24 min left" in card.text or "25 min left" in card.text)
        expired = driver.find_element("css selector", '.card[data-id="3"]')
        assert "⚑ crashed-bot" in expired.text and "lease expired" in expired.text
        wait_until(lambda: "live" in driver.find_element("id", "live").text, what="the live stream to connect")
        claimed = _claim(root, "architect", 5)  # another agent, in another process, claims the next item
        assert claimed == "2"
        wait_until(
            lambda: "⚑ architect" in driver.find_element("css selector", '.card[data-id="2"]').text,
            timeout=5,
            what="the new claim to appear on card 2",
        )

    def test_the_claims_view_lists_live_and_expired_leases(self, page: tuple[Any, Running, Path]) -> None:
        driver, _, root = page
        _claim(root, "architect", 5)
        driver.find_element("id", "tab-claims").click()
        wait_until(
            lambda: driver.execute_script("return document.body.dataset.claimsRendered") == "3",
            timeout=5,
            what="three claims in the claims view",
        )
        rows = driver.execute_script(
            "return [...document.querySelectorAll('#claims tbody tr')].map(r => "
            "[r.dataset.id, r.className, ...[...r.cells].map(c => c.textContent)])"
        )
        assert [(r[0], r[1], r[4]) for r in rows] == [
            ("2", "live", "architect"),
            ("1", "live", "docs"),
            ("3", "expired", "crashed-bot"),
        ]
        assert rows[2][-1] == "✕ lease expired" and rows[0][-1].endswith("min left")
        summary = driver.find_element("id", "claims-summary").text
        assert summary == "2 live and 1 expired claim(s) in tag “master”."
        screenshot(driver, "claims")
        driver.find_element("id", "tab-board").click()
        screenshot(driver, "board-with-claims")
