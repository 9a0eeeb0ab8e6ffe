"""The prompt-level checks of tests/eval/prompt_eval.py in the normal test run: every golden request passes them,
and every named mutation of the prompt builders is caught (``python -m tests.eval`` prints both tables)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mutations import MUTATIONS, mutated, mutation_table
from prompt_eval import Outcome, prompt_table, run_checks


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Outcome], dict[str, int]]:
    return asyncio.run(run_checks(tmp_path_factory.mktemp("prompts")))


def test_every_request_built_for_a_golden_input_passes_every_prompt_check(
    baseline: tuple[list[Outcome], dict[str, int]],
) -> None:
    outcomes, sizes = baseline
    assert outcomes and all(o.ok for o in outcomes), prompt_table(outcomes, sizes)
    checks = {o.check for o in outcomes}
    assert {"count", "framing", "order", "escaped", "scope", "neighbours", "reask", "budget"} <= checks


# The check each mutation must trip (it may trip others too).
EXPECTED = {
    "drop scope": "scope",
    "drop the count": "count",
    "drop neighbours": "neighbours",
    "drop the framing": "framing",
    "document last": "order",
    "unescape delimiters": "escaped",
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_of_the_prompt_builders_is_caught_by_its_check(name: str, tmp_path: Path) -> None:
    with mutated(name):
        outcomes, _ = asyncio.run(run_checks(tmp_path))
    failed = [o for o in outcomes if not o.ok]
    assert EXPECTED[name] in {o.check for o in failed}, mutation_table({name: failed})


def test_the_mutations_are_undone_after_each_run(tmp_path: Path) -> None:
    with mutated("unescape delimiters"):
        pass
    outcomes, _ = asyncio.run(run_checks(tmp_path))
    assert all(o.ok for o in outcomes)
