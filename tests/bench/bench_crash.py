"""Crash counts: SIGKILL the stdio server mid-write on a large project, many times (see tests/support/crash_helpers.py).

Run: python tests/bench/bench_crash.py [rounds] [tasks]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from crash_helpers import crash_rounds, large_project  # noqa: E402
from rpc import server_command  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        root = large_project(Path(tmp) / "big", tasks=tasks)
        size = (root / ".taskmaster/tasks/tasks.json").stat().st_size / 1e6
        started = time.perf_counter()
        report = crash_rounds(server_command(), root, rounds=rounds, writes=40)
        print(
            f"crash test: {report.rounds} SIGKILLs mid-write on a {tasks}-task project ({size:.1f} MB), "
            f"{time.perf_counter() - started:.0f} s"
        )
        print(
            f"  acknowledged writes before the kills: {report.acknowledged}, lost: "
            f"{sum('lost' in p for p in report.problems)}"
        )
        print(f"  tasks.json unreadable after a kill: {sum('unreadable' in p for p in report.problems)}")
        print(
            f"  temp files left by the kills (summed over rounds): {report.temp_files_after_kills}; "
            f"after the next write: {report.temp_files_after_next_write}"
        )
        for problem in report.problems:
            print(f"  PROBLEM {problem}")


if __name__ == "__main__":
    main()
