"""Benchmark: the CPU a CLI command costs (user + system of the child process), against ``--version``.

Run: .venv/bin/python tests/bench/bench_cli.py [RUNS]   (default 7 runs each; the median is shown)

Each command runs as a person runs it, the installed console script in a fresh process, on a copy of the messy
fixture project. CPU time (not wall time) is measured with ``resource.getrusage(RUSAGE_CHILDREN)`` around each run,
so other load on the machine changes the figures less. The ratio against ``--version`` (measured in the same run)
is the figure to compare: issue 22 asks for ``list`` and ``next`` at most 2.0x.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "fixtures" / "messy-tasks.json"
COMMANDS = (["--version"], ["list"], ["next"], ["show", "1"], ["list", "--json"], ["tags"])


def _script() -> str:
    found = Path(sys.executable).parent / "taskmaster-mcp"
    return str(found) if found.exists() else shutil.which("taskmaster-mcp") or "taskmaster-mcp"


def cpu_of(argv: list[str], cwd: Path) -> float:
    """CPU seconds (user + sys) of one run of ``argv`` in ``cwd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(runs: int) -> None:
    script = _script()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".taskmaster" / "tasks").mkdir(parents=True)
        shutil.copy(FIXTURE, root / ".taskmaster" / "tasks" / "tasks.json")
        for argv in COMMANDS:  # warm the bytecode caches, so the first measured run is not a compile
            cpu_of([script, *argv], root)
        samples: dict[str, list[float]] = {" ".join(argv): [] for argv in COMMANDS}
        for _ in range(runs):  # interleaved, so a burst of load elsewhere hits every command alike
            for argv in COMMANDS:
                samples[" ".join(argv)].append(cpu_of([script, *argv], root))
    base = statistics.median(samples["--version"])
    print(f"taskmaster-mcp CLI, CPU per run (user+sys, median of {runs}), ratio to --version")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:<12} {median * 1000:7.0f} ms  {median / base:5.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
