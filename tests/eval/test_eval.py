"""The offline quality harness (tests/eval/evaluation.py) in the normal test run: good inputs pass, bad ones fail.

The table itself: ``.venv/bin/python -m tests.eval``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from evaluation import Result, evaluate, expected_failures, table


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Result], dict[int, dict[str, int]]]:
    return asyncio.run(evaluate(tmp_path_factory.mktemp("eval")))


def test_every_good_golden_input_passes_every_check(results: tuple[list[Result], dict[int, dict[str, int]]]) -> None:
    bad = expected_failures()
    failed = [r for r in results[0] if r.input not in bad and not r.ok]
    assert not failed, table(*results)


def test_every_bad_golden_input_fails_exactly_the_checks_it_was_built_to_fail(
    results: tuple[list[Result], dict[int, dict[str, int]]],
) -> None:
    for name, checks in expected_failures().items():
        failed = {r.check for r in results[0] if r.input == name and not r.ok}
        assert failed == checks, f"{name}: failed {sorted(failed)}, built to fail {sorted(checks)}"


def test_every_command_context_stays_under_its_budget_on_the_300_task_project(
    results: tuple[list[Result], dict[int, dict[str, int]]],
) -> None:
    from evaluation import BUDGETS

    largest = results[1][300]
    assert set(largest) == set(BUDGETS)
    assert all(0 < largest[tool] <= budget for tool, budget in BUDGETS.items()), largest


def test_golden_directories_each_hold_a_prd_a_checklist_and_a_recording() -> None:
    golden = Path(__file__).parent / "golden"
    cases = [p for p in golden.iterdir() if p.is_dir()]
    assert 6 <= len([c for c in cases if not c.name.startswith("bad-")]) <= 8
    for case in cases:
        assert (case / "prd.md").is_file() and (case / "checklist.json").is_file()
        assert list((case / "recording").glob("*.json")), case
