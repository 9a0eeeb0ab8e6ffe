"""The quirk corpus (tests/quirk_corpus.py): answers written as real models write them, through the real tool path.

Every habit of ``model_habits.HABITS`` x parse_prd, expand_task and analyze_project_complexity on a model without
native structured output: 0 failures; a benign habit costs exactly one request and writes what a clean answer
writes; a real error (missing field, truncated, no JSON, wrong shape) costs exactly the one re-ask. The same table is
printed by ``tests/bench/bench_quirks.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model_habits import HABITS
from provider_server import ProviderServer
from quirk_corpus import COMMANDS, Case, make_project, run_command, table


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_habit_succeeds_benign_ones_at_one_request_writing_what_a_clean_answer_writes(
    tmp_path: Path, provider_server: ProviderServer, command: str
) -> None:
    cases = await run_command(make_project(tmp_path / "p", provider_server), provider_server, command)
    assert len(cases) == len(HABITS) >= 12 + 4
    unexpected = [c for c in cases if not c.expected]
    assert not unexpected, table(cases) + "\n" + "\n".join(f"{c.habit}: {c.error}" for c in unexpected)
    assert sum(c.wrong for c in cases) == 4  # and those cost exactly the one re-ask (Case.expected)
    clean: Case = cases[0]
    assert clean.habit == "clean JSON" and clean.mends == 0 and clean.facts not in ("", "[]")
    for case in cases:
        assert case.facts == clean.facts, f"{case.habit} changed what {command} wrote"
    by_habit = {c.habit: c for c in cases}
    for mended in ('numbers as strings ("5")', 'ids as "task 5"', "extra keys", "confidence 0-100 (85)"):
        assert by_habit[mended].mends > 0, f"{mended} was mended silently"
    for unmended in ("<think> block with braces (#818)", "```json fence (#1174, #750)", "trailing commas"):
        assert by_habit[unmended].mends == 0, f"{unmended} changes no data and needs no note"
