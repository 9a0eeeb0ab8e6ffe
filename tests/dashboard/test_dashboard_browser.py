"""The dashboard in a real headless Chromium: counts, a keyboard move, a live update, the graph and the cost chart.

Screenshots of each view are kept under test-artifacts/dashboard/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import browser_missing, chromium, screenshot
from dashboard_helpers import TOKEN, Running, running_dashboard, wait_until
from taskmaster_mcp.models.ledger import Entry, Ledger
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture
def page(messy_project: Path, tmp_path: Path) -> Iterator[tuple[Any, Running, Path]]:
    """Chromium showing the messy fixture's dashboard, logged in through the token URL, board rendered."""
    env = {"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "data")}
    ledger = Ledger(messy_project, env=env)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    for cost, latency, outcome in ((0.12, 900.0, "ok"), (0.30, 1500.0, "ok"), (None, 4000.0, "overloaded")):
        ledger.record(
            Entry(
                ts=f"{today}T09:00:00Z",
                command="expand_task",
                role="main",
                provider="anthropic",
                model="claude-sonnet-4",
                input_tokens=1200,
                output_tokens=300,
                cached_tokens=0,
                cost_usd=cost,
                latency_ms=latency,
                outcome=outcome,
                fallback=False,
                attempt=1,
            )
        )
    taskmaster = messy_project / ".taskmaster"
    (taskmaster / "config.json").write_text(json.dumps({"taskmasterMcp": {"budgets": {"dailyUsd": 1.0}}}))
    (taskmaster / "reports").mkdir()
    (taskmaster / "reports" / "model-benchmark.json").write_text(
        json.dumps(
            {
                "generatedAt": "2026-11-29T08:00:00Z",
                "candidates": [
                    {
                        "role": "main",
                        "provider": "anthropic",
                        "modelId": "claude-sonnet-4",
                        "runs": 5,
                        "validFirstTry": 0.8,
                        "reasks": 1,
                        "failures": 0,
                        "latencyMs": {"p50": 950.0, "p95": 1400.0},
                        "inputTokens": 6000,
                        "outputTokens": 1500,
                        "costUsd": 0.41,
                        "quality": 0.92,
                    }
                ],
            }
        )
    )
    with running_dashboard(messy_project, env) as server, chromium() as driver:
        driver.get(f"{server.url}/?token={TOKEN}")
        wait_until(
            lambda: driver.execute_script("return document.body.dataset.boardRendered") is not None,
            what="the board to render",
        )
        yield driver, server, messy_project


def _columns(driver: Any) -> dict[str, tuple[str, str]]:
    found = driver.execute_script(
        "return [...document.querySelectorAll('#board .column')].map(c => "
        "[c.dataset.status, c.dataset.count, c.querySelector('h2').textContent, c.querySelectorAll('.card').length])"
    )
    return {status: (count, heading) for status, count, heading, cards in found if int(count) == cards}


def test_the_board_shows_the_fixture_counts_by_status_in_words(page: tuple[Any, Running, Path]) -> None:
    driver, _, _ = page
    columns = _columns(driver)
    counts = {status: int(count) for status, (count, _) in columns.items()}
    assert counts == {
        "pending": 2,
        "in-progress": 1,
        "review": 1,
        "blocked": 0,
        "deferred": 1,
        "done": 1,
        "cancelled": 1,
        "completed": 1,
    }
    assert columns["in-progress"][1] == "◐ In progress (1)"  # the status is in words and a symbol, not colour only
    summary = driver.find_element("id", "board-summary").text
    assert summary.startswith("8 tasks in tag “master”")
    screenshot(driver, "board")


def test_moving_a_card_with_the_keyboard_changes_exactly_one_value_in_tasks_json(
    page: tuple[Any, Running, Path],
) -> None:
    from selenium.webdriver.common.keys import Keys

    driver, _, project = page
    tasks_file = project / ".taskmaster" / "tasks" / "tasks.json"
    before = tasks_file.read_text(encoding="utf-8")
    card = driver.find_element("css selector", '.card[data-id="4"]')
    card.find_element("css selector", "button.move-open").send_keys(Keys.ENTER)
    select = driver.switch_to.active_element  # the status list opens with the keyboard focus on it
    assert select.get_attribute("class") == "move"
    select.send_keys(Keys.DOWN)  # pending -> in-progress, chosen from the keyboard
    card.find_element("css selector", "button.go").send_keys(Keys.ENTER)
    wait_until(lambda: tasks_file.read_text(encoding="utf-8") != before, what="tasks.json to change")
    changed = [
        (a, b)
        for a, b in zip(before.splitlines(), tasks_file.read_text(encoding="utf-8").splitlines(), strict=True)
        if a != b
    ]
    assert len(changed) == 1 and '"status": "pending"' in changed[0][0] and '"in-progress"' in changed[0][1]
    assert json.loads(tasks_file.read_text())["master"]["tasks"][3]["status"] == "in-progress"
    wait_until(
        lambda: driver.find_elements("css selector", '.column[data-status="in-progress"] .card[data-id="4"]'),
        what="the card in the in-progress column",
    )
    wait_until(
        lambda: "moved to" in driver.find_element("id", "announce").get_attribute("textContent"),
        what="the move to be announced to screen readers",
    )
    wait_until(
        lambda: driver.switch_to.active_element.get_attribute("class") == "move-open",
        what="the focus to follow the moved card",
    )  # the re-render after the move is asynchronous
    label = driver.switch_to.active_element.get_attribute("aria-label")
    assert label and "task 4" in label, label
    screenshot(driver, "board-after-move")


def test_a_write_from_outside_appears_without_a_reload(page: tuple[Any, Running, Path]) -> None:
    driver, _, project = page
    driver.execute_script("window.sameDocument = 'yes'")
    wait_until(lambda: "live" in driver.find_element("id", "live").text, what="the live stream to connect")
    with TaskStore(Paths(project)).mutate() as doc:  # what an agent's set_task_status does on disk
        doc.tasks("master")[5]["status"] = "done"
    wait_until(
        lambda: driver.find_elements("css selector", '.column[data-status="done"] .card[data-id="6"]'),
        timeout=5,
        what="task 6 to appear as done",
    )
    assert driver.execute_script("return window.sameDocument") == "yes"


def test_the_graph_renders_every_task_and_marks_the_critical_path(page: tuple[Any, Running, Path]) -> None:
    driver, _, _ = page
    driver.find_element("id", "tab-graph").click()
    wait_until(lambda: driver.execute_script("return document.body.dataset.graphRendered") == "8", what="the graph")
    nodes = driver.find_elements("css selector", "#graph svg g.node")
    critical = driver.find_elements("css selector", "#graph svg g.node.critical")
    assert len(nodes) == 8 and sorted(n.get_attribute("data-id") for n in critical) == ["3", "4", "5"]
    assert all("★" in n.text for n in critical)  # marked in text too, not only by colour
    assert len(driver.find_elements("css selector", "#graph path.edge.critical")) == 2
    assert "#3 → #4 → #5" in driver.find_element("id", "graph-summary").text
    nodes[0].send_keys("\n")  # a node opens its task from the keyboard
    wait_until(lambda: driver.find_element("id", "task-dialog").get_attribute("open") is not None, what="the task view")
    screenshot(driver, "task-view")
    driver.find_element("id", "task-close").click()
    screenshot(driver, "graph")


def test_the_models_view_renders_the_cost_chart_and_the_per_model_table(page: tuple[Any, Running, Path]) -> None:
    driver, _, _ = page
    driver.find_element("id", "tab-board").send_keys("\ue014")  # ArrowRight twice: Board -> Graph -> Models
    driver.switch_to.active_element.send_keys("\ue014")
    wait_until(
        lambda: driver.execute_script("return document.body.dataset.modelsRendered") == "3", what="the models view"
    )
    bars = driver.find_elements("css selector", "#models svg.chart rect.bar")
    assert len(bars) == 30
    assert max(float(b.get_attribute("height")) for b in bars) > 0
    row = [td.text for td in driver.find_elements("css selector", "#models table tbody tr:first-child td")]
    assert row[:3] == ["main", "anthropic/claude-sonnet-4", "3"] and row[5] == "66.7%"
    budget = driver.find_element("css selector", "#models meter")
    assert float(budget.get_attribute("value")) == pytest.approx(0.42)
    assert "Today: $0.42 of $1.00 (42%)" in budget.find_element("xpath", "..").text  # in words, not only the bar
    tables = driver.find_elements("css selector", "#models table")
    benchmark = [td.text for td in tables[-1].find_elements("css selector", "tbody td")]
    assert benchmark[:4] == ["main", "anthropic/claude-sonnet-4", "5", "80%"] and benchmark[-1] == "92%"
    screenshot(driver, "models")


def test_dragging_a_card_to_another_column_moves_it(page: tuple[Any, Running, Path]) -> None:
    driver, _, project = page
    tasks_file = project / ".taskmaster" / "tasks" / "tasks.json"
    before = tasks_file.read_text(encoding="utf-8")
    driver.execute_script("""
        const card = document.querySelector('.card[data-id="8"]');
        const column = document.querySelector('.column[data-status="review"]');
        const data = new DataTransfer();
        card.dispatchEvent(new DragEvent('dragstart', {dataTransfer: data, bubbles: true}));
        column.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
        column.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));""")
    wait_until(
        lambda: driver.find_elements("css selector", '.column[data-status="review"] .card[data-id="8"]'),
        what="the dropped card in the review column",
    )
    after = tasks_file.read_text(encoding="utf-8")
    assert sum(a != b for a, b in zip(before.splitlines(), after.splitlines(), strict=True)) == 1
    assert json.loads(after)["master"]["tasks"][7]["status"] == "review"


def test_the_tag_switcher_shows_another_tag_without_changing_the_current_one(page: tuple[Any, Running, Path]) -> None:
    from selenium.webdriver.support.ui import Select

    driver, _, project = page
    Select(driver.find_element("id", "tag")).select_by_value("feature-auth")
    wait_until(lambda: "feature-auth" in driver.find_element("id", "board-summary").text, what="the other tag")
    assert driver.find_element("id", "board-summary").text.startswith("2 tasks")
    assert not (project / ".taskmaster" / "state.json").exists()  # nothing was written for a view change


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def test_task_text_with_markup_is_shown_as_text_on_the_board_in_the_task_view_and_in_the_graph(
    page: tuple[Any, Running, Path],
) -> None:
    driver, _, project = page
    with TaskStore(Paths(project)).mutate() as doc:
        task = doc.tasks("master")[0]
        task.update(title=f"Title {HOSTILE}", description=f"Description {HOSTILE}", details=f"Details {HOSTILE}")
    card = f'.card[data-id="{task["id"]}"]'
    wait_until(
        lambda: "Title <img" in "".join(c.text for c in driver.find_elements("css selector", card)),
        timeout=5,
        what="the hostile title on its card",
    )
    driver.execute_script(f"document.querySelector('{card} button.open').click()")  # the board may re-render
    wait_until(lambda: "Details <img" in driver.find_element("id", "task-body").text, what="the task view")
    driver.find_element("id", "task-close").click()
    driver.find_element("id", "tab-graph").click()
    wait_until(
        lambda: driver.execute_script("return document.body.dataset.graphRendered") is not None, what="the graph"
    )
    assert "Title <img" in driver.find_element("id", "graph").text
    injected = driver.execute_script(
        "return document.querySelectorAll('main img, dialog img, main script, dialog script').length"
    )
    assert driver.execute_script("return window.pwned === undefined") and injected == 0


@pytest.mark.parametrize("width", [1400, 1024, 800])
def test_every_status_column_is_whole_inside_the_window_at_common_widths(
    page: tuple[Any, Running, Path], width: int
) -> None:
    driver, _, _ = page
    driver.set_window_size(width, 900)
    wait_until(lambda: driver.execute_script("return window.innerWidth") <= width, what="the resize")
    boxes = driver.execute_script(
        "const w = document.documentElement.clientWidth;"
        "return [...document.querySelectorAll('#board .column')].map(c => {"
        " const r = c.getBoundingClientRect(); return [c.dataset.status, r.left >= 0 && r.right <= w, r.width]; })"
    )
    assert len(boxes) == 8 and [status for status, whole, _ in boxes if not whole] == []
    assert min(w for _, _, w in boxes) >= 150  # shrunk, never squeezed into slivers: they wrap instead
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(driver, f"board-{width}px")


def test_a_click_anywhere_on_a_card_opens_its_task_but_its_move_control_does_not(
    page: tuple[Any, Running, Path],
) -> None:
    driver, _, _ = page
    dialog = driver.find_element("id", "task-dialog")
    driver.find_element("css selector", '.card[data-id="4"] .move-open').click()
    assert dialog.get_attribute("open") is None
    driver.find_element("css selector", '.card[data-id="4"] .meta').click()
    wait_until(lambda: dialog.get_attribute("open") is not None, what="the task view")
    assert "#4" in driver.find_element("id", "task-dialog").text
