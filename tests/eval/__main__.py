"""Print the offline quality table: ``.venv/bin/python -m tests.eval`` (no network, no model, no keys)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluation import evaluate, table
from mutations import mutation_suite, mutation_table
from plan_judge import judge_table
from prompt_eval import prompt_table, run_checks


def main() -> None:
    """Run every check on every golden input and print the tables: answers, prompts, mutations."""
    with tempfile.TemporaryDirectory() as tmp:
        rows, sizes = asyncio.run(evaluate(Path(tmp)))
        outcomes, largest = asyncio.run(run_checks(Path(tmp) / "prompts"))
        caught = asyncio.run(mutation_suite(Path(tmp) / "mutations"))
    print(table(rows, sizes))
    print()
    print(judge_table())
    print()
    print(prompt_table(outcomes, largest))
    print()
    print(mutation_table(caught))


if __name__ == "__main__":
    main()
