"""Benchmark: the time our code takes before each AI call reaches the model (reading the store and the code,
building the prompt), on the 150-task project of ``bench_prompt_sizes.py``. The write after the answer is left out:
its fsync varies by tens of milliseconds with the disk's load and would hide the figure.

Run: .venv/bin/python tests/bench/bench_prompt_build.py [BASE_SERVER_DIR]

Each command runs in-process with a router that answers at once from a fixed table (no network, no model), so
the time is ours alone. With ``BASE_SERVER_DIR`` (a ``server/`` directory of another commit, e.g. from ``git
archive <commit> server | tar -x -C /tmp/base``) the same measurement runs there too, in a subprocess, and the
table prints both and the difference per call; the two are measured in the same run, on the same machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
REPS = 15
ANSWERS: dict[str, Any] = {
    "TaskPlan": {
        "tasks": [
            {
                "id": 1,
                "title": "Export to CSV",
                "description": "d",
                "details": "x",
                "testStrategy": "t",
                "priority": "low",
            }
        ]
    },
    "SubtaskPlan": {
        "subtasks": [
            {
                "id": n,
                "title": f"Step {n} of it",
                "description": "d",
                "details": "x",
                "testStrategy": "t",
                "dependencies": [],
            }
            for n in (1, 2, 3)
        ]
    },
    "NewTask": {"title": "Search by tag", "description": "d", "details": "x", "testStrategy": "t", "dependencies": []},
    "ComplexityAnswer": {"tasks": []},
    "ReviewOut": {"verdict": "approve", "score": 90, "summary": "Fine."},
}


async def measure() -> dict[str, float]:
    """Median milliseconds per command over :data:`REPS` runs, on the 150-task project (run with the server under
    test first on sys.path)."""
    from taskmaster_mcp.ai import analyze, expand, plan, review  # first: the server under test, from PYTHONPATH
    from taskmaster_mcp.ai.context import AIContext
    from taskmaster_mcp.models.usage import Usage
    from taskmaster_mcp.store.paths import Paths
    from taskmaster_mcp.store.project import Project
    from taskmaster_mcp.tasks.model import Ref

    sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "support")]
    from bench_prompt_sizes import build

    reached: list[float] = []

    class Router:
        async def generate_object(self, *, role: str, schema: Any, **_: Any) -> tuple[Any, Usage]:
            reached.append(time.perf_counter())
            return schema.model_validate(ANSWERS[schema.__name__]), Usage(role=role, provider="b", model="b")

    async def quiet(*_: Any) -> None:
        return None

    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp) / "p", SimpleNamespace(url="http://127.0.0.1:9"), 150)  # type: ignore[arg-type]
        ai = AIContext(project=Project.open(Paths(root)), router=Router(), sampler=None, progress=quiet)  # type: ignore[arg-type]
        calls = {
            "parse_prd": lambda: plan.parse_prd(
                ai,
                prd="# More\n\n- Export to CSV.\n",
                tag="bench",
                num_tasks=1,
                force=True,
                append=False,
                research=False,
            ),
            "expand_task": lambda: expand.expand_task(
                ai, tag="master", id="100", num=3, request=None, force=True, research=False
            ),
            "add_task": lambda: plan.add_task_from_prompt(
                ai,
                tag="master",
                prompt="Add search by tag to the REST API",
                dependencies=[],
                priority=None,
                research=False,
            ),
            "analyze": lambda: analyze.analyze(
                ai, tag="master", threshold=5, ids=[], first=140, last=150, research=False
            ),
            "review": lambda: review.review(
                ai,
                tag="master",
                ref=Ref("100"),
                base="HEAD",
                paths=None,
                test_output=None,
                second_opinion=False,
                apply=False,
            ),
        }
        out: dict[str, float] = {}
        for name, call in calls.items():
            times: list[float] = []
            for _ in range(REPS):
                reached.clear()
                start = time.perf_counter()
                await call()
                times.append((reached[0] - start) * 1000)
            out[name] = statistics.median(times)
        return out


def run_in(server: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(server)}
    done = subprocess.run(
        [sys.executable, __file__, "--measure"], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if "--measure" in sys.argv:
        print(json.dumps(asyncio.run(measure())))
        return
    current = run_in(HERE.parent.parent / "server")
    base = run_in(Path(sys.argv[1])) if len(sys.argv) > 1 else {}
    print("ms from the call to its first request reaching the model (median of 15), 150-task project")
    print("command".ljust(14) + "this tree".rjust(12) + ("base".rjust(12) + "difference".rjust(12) if base else ""))
    for name, ms in current.items():
        extra = f"{base[name]:>12.2f}{ms - base[name]:>+12.2f}" if name in base else ""
        print(name.ljust(14) + f"{ms:>12.2f}" + extra)


if __name__ == "__main__":
    main()
