"""Print the offline quality table: ``.venv/bin/python -m tests.eval`` (no network, no model, no keys)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluation import evaluate, table


def main() -> None:
    """Run every check on every golden input and print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        rows, sizes = asyncio.run(evaluate(Path(tmp)))
    print(table(rows, sizes))


if __name__ == "__main__":
    main()
