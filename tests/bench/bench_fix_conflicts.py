"""fix-conflicts after a plain `git merge` (no driver registered): git's 3 conflict styles x 3 kinds of change.

Each cell is a real repository in a temporary folder (``git -c merge.conflictStyle=merge|diff3|zdiff3``), stopped on
a conflict in tasks.json, then ``taskmaster-mcp fix-conflicts``. Two tables: inside the stopped merge (git's index
holds the three versions) and on the conflicted file copied out of the repository (markers only). Printed per cell:
tasks lost (must be 0), tasks a branch removed that came back, and the outcome (merged with its exit code, or
refused with the file left byte-identical).

Run: .venv/bin/python tests/bench/bench_fix_conflicts.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from merge_helpers import STYLES, measure, scenarios


def main() -> int:
    os.environ["GIT_CEILING_DIRECTORIES"] = tempfile.gettempdir()
    total_lost = 0
    with tempfile.TemporaryDirectory() as folder:
        for inside in (True, False):
            print("inside the merge (index stages)" if inside else "markers only (outside any repository)")
            print(f"  {'change':22} {'style':7} {'lost':>4} {'back':>4}  outcome")
            for scenario in scenarios():
                for style in STYLES:
                    where = Path(folder) / f"{'in' if inside else 'out'}-{scenario.name}-{style}".replace(" ", "-")
                    cell = measure(where, scenario, style, inside=inside)
                    total_lost += len(cell.lost)
                    outcome = "refused, file untouched" if cell.markers else f"merged, exit {cell.code}"
                    print(f"  {scenario.name:22} {style:7} {len(cell.lost):>4} {len(cell.resurrected):>4}  {outcome}")
    print(f"tasks lost in all cells: {total_lost}")
    return 1 if total_lost else 0


if __name__ == "__main__":
    sys.exit(main())
