"""How long another project's read takes while a write waits on each kind of lock or hook (issue 18 §3).

One real ``taskmaster-mcp`` process over stdio, two projects. Baseline: the same read with nothing waiting. For
each kind of wait the figure is the read's time in ms and its ratio to the baseline; the target is <= 1 s.

    .venv/bin/python tests/bench/bench_liveness.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from liveness_helpers import KINDS, call, make_project, one_wait, server, server_env


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "home").mkdir()
        async with server(base, server_env(base / "home", base)) as client:
            rows: list[tuple[str, float, bool]] = []
            for kind in KINDS:
                waiting, other = make_project(base / f"a{len(rows)}"), make_project(base / f"b{len(rows)}")
                await call(client, "get_tasks", projectRoot=str(other))  # warm: the figure is not a first parse
                start = time.perf_counter()
                await call(client, "get_tasks", projectRoot=str(other))
                baseline = (time.perf_counter() - start) * 1000
                outcome = await one_wait(client, kind, waiting, other)
                rows.append((kind, outcome.other_read_ms, outcome.writer_ok and not outcome.writer_done_before_read))
                print(
                    f"{kind:28s} other project's read {outcome.other_read_ms:7.1f} ms "
                    f"(x{outcome.other_read_ms / max(baseline, 0.001):.1f} of {baseline:.1f} ms unloaded); "
                    f"write waited and then went through: {rows[-1][2]}"
                )
    worst = max(ms for _, ms, _ in rows)
    print(f"worst: {worst:.1f} ms (target <= 1000 ms)")


if __name__ == "__main__":
    anyio.run(main)
