"""The tasks.json merge driver on a large project: two branches of a 10,000-task file with 100 divergent edits each.

The base comes from ``tests/crash_helpers.large_project`` (10,000 tasks of 5 subtasks). Each branch changes 100 tasks
(status, title, details, a dependency), retitles 10 tasks the other branch retitles too (true conflicts, so the report
is written), and adds 10 tasks under the same new ids as the other branch, so the merge also renumbers and rewrites
references. The installed console script runs exactly as git runs it
(``taskmaster-mcp merge-driver %O %A %B %P``); printed: wall time, the child's peak RSS (target <= 500 MB), the file
size and the number of conflicts reported.

Run: python tests/bench/bench_merge.py [tasks]
"""

from __future__ import annotations

import copy
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from crash_helpers import large_project
from servers import console_script

EDITS = 100
ADDED = 10
SHARED = 10  # tasks both branches retitle differently: true conflicts, so the report is written too


def branch(base: dict[str, Any], seed: int, side: str) -> dict[str, Any]:
    """A copy of ``base`` with ``EDITS`` edits to random tasks and ``ADDED`` new tasks after the highest id."""
    rng = random.Random(seed)
    data = copy.deepcopy(base)
    tasks: list[dict[str, Any]] = data["master"]["tasks"]
    for n, target in enumerate(rng.sample(tasks, EDITS)):
        kind = n % 4
        if kind == 0:
            target["status"] = rng.choice(["in-progress", "review", "done"])
        elif kind == 1:
            target["title"] = f"{target['title']} ({side})"
        elif kind == 2:
            target["details"] += f"\n{side} note"
        else:
            target["dependencies"].append(rng.randrange(1, int(target["id"])) if int(target["id"]) > 1 else 1)
    for target in random.Random(99).sample(tasks, SHARED):
        target["title"] = f"{target['title']} [{side}]"
    top = len(tasks)
    for n in range(1, ADDED + 1):
        tasks.append(
            {
                "id": top + n,
                "title": f"{side} new {n}",
                "description": "",
                "status": "pending",
                "dependencies": [top + n - 1],
                "priority": "medium",
                "subtasks": [],
            }
        )
    return data


def main(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        large_project(root, size)
        base_file = root / ".taskmaster" / "tasks" / "tasks.json"
        base = json.loads(base_file.read_text(encoding="utf-8"))
        for name, data in (
            ("base.json", base),
            ("ours.json", branch(base, 1, "ours")),
            ("theirs.json", branch(base, 2, "theirs")),
        ):
            (root / name).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run(
            [console_script(), "merge-driver", "base.json", "ours.json", "theirs.json", ".taskmaster/tasks/tasks.json"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        merged = json.loads((root / "ours.json").read_text(encoding="utf-8"))
        report = root / ".taskmaster" / "reports" / "merge-conflicts.json"
        conflicts = len(json.loads(report.read_text(encoding="utf-8"))["conflicts"]) if report.exists() else 0
        print(
            f"tasks: {size:,} per branch ({EDITS} edits, {SHARED} shared retitles, {ADDED} added each); file "
            f"{base_file.stat().st_size / 1e6:.1f} MB"
        )
        print(
            f"merge-driver: exit {done.returncode}, wall {wall:.2f} s, peak RSS {peak_kb / 1024:.0f} MB "
            f"(target <= 500 MB)"
        )
        print(f"merged tasks: {len(merged['master']['tasks']):,}; conflicts reported: {conflicts}")
        if done.stderr:
            print(f"stderr (first line): {done.stderr.splitlines()[0][:160]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
