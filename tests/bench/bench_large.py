"""Read and write latency on large projects, over real stdio, with the server's peak memory.

Projects of 100, 1,000 and 10,000 tasks, each task with 5 subtasks, realistic text (about 4 KB per task, so the
10,000-task file is ~40 MB) and random backward dependencies. For each size, in one warm session:

- get_task (random ids), next_task, get_tasks (default page): median latency (targets at 10,000 tasks:
  get_task and next_task <= 20 ms; Task Master 183 ms and 459 ms);
- next_task right after a write (the memoised answer is invalid, so it is computed afresh);
- the default get_tasks page size in bytes and estimated tokens (target <= 8k tokens at every size);
- set_task_status latency (parse-free, but it rewrites the file atomically with fsync);
- peak RSS of the server process after the run (target <= 400 MB at 10,000 tasks).

Run: python tests/bench/bench_large.py [sizes...]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))  # rpc, the shared helpers

from rpc import Session, server_command

WORDS = (
    "implement validate persist render migrate cache index query stream parse schedule retry document "
    "measure refactor secure deploy observe handler endpoint service module storage queue worker"
).split()


def text(rng: random.Random, length: int) -> str:
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def make_tasks(count: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    tasks: list[dict[str, Any]] = []
    statuses = ["done"] * 3 + ["pending"] * 5 + ["in-progress", "deferred"]
    for i in range(1, count + 1):
        deps = sorted(rng.sample(range(1, i), k=min(i - 1, rng.randint(0, 3))))
        subtasks = [
            {
                "id": s,
                "title": f"Step {s} of task {i}",
                "description": text(rng, 80),
                "dependencies": [s - 1] if s > 1 else [],
                "details": text(rng, 400),
                "status": rng.choice(["done", "pending", "pending"]),
            }
            for s in range(1, 6)
        ]
        tasks.append(
            {
                "id": i,
                "title": f"Task {i}: {text(rng, 30)}",
                "description": text(rng, 160),
                "details": text(rng, 1400),
                "testStrategy": text(rng, 200),
                "status": rng.choice(statuses) if i < count * 0.6 else "pending",
                "dependencies": deps,
                "priority": rng.choice(["high", "medium", "low"]),
                "subtasks": subtasks,
            }
        )
    return {"master": {"tasks": tasks, "metadata": {"created": "2025-01-01T00:00:00.000Z", "description": "bench"}}}


def timed(session: Session, tool: str, arguments: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = session.call(tool, arguments)
    return (time.perf_counter() - start) * 1000, result


def run_size(count: int, root: Path, repeats: int = 30) -> dict[str, float]:
    project = root / f"p{count}"
    (project / ".taskmaster" / "tasks").mkdir(parents=True)
    path = project / ".taskmaster" / "tasks" / "tasks.json"
    path.write_text(json.dumps(make_tasks(count), indent=2))
    rng = random.Random(1)
    session = Session(server_command(), project)
    try:
        session.initialize()
        first, _ = timed(session, "get_task", {"id": "1"})
        get_task = [timed(session, "get_task", {"id": str(rng.randint(1, count))})[0] for _ in range(repeats)]
        next_task = [timed(session, "next_task", {})[0] for _ in range(repeats)]
        page_ms: list[float] = []
        page_bytes = 0
        for _ in range(repeats):
            ms, result = timed(session, "get_tasks", {})
            page_ms.append(ms)
            page_bytes = len(result["content"][0]["text"])
        writes: list[float] = []
        after_write: list[float] = []
        for n in range(10):
            status = "deferred" if n % 2 == 0 else "pending"
            writes.append(timed(session, "set_task_status", {"id": str(count), "status": status})[0])
            after_write.append(timed(session, "next_task", {})[0])
        return {
            "size_mb": path.stat().st_size / 1e6,
            "first": first,
            "get_task": statistics.median(get_task),
            "next_task": statistics.median(next_task),
            "next_after_write": statistics.median(after_write),
            "get_tasks": statistics.median(page_ms),
            "page_bytes": page_bytes,
            "set_status": statistics.median(writes),
            "peak_rss": session.peak_rss_mb(),
        }
    finally:
        session.close()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    print(
        "tasks   file MB  first read  get_task  next_task  next(after write)  get_tasks  page bytes/~tokens"
        "  set_status  peak RSS"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            r = run_size(count, Path(tmp))
            tokens = r["page_bytes"] / 4
            print(
                f"{count:6d}  {r['size_mb']:7.1f}  {r['first']:8.1f}ms  {r['get_task']:6.2f}ms  "
                f"{r['next_task']:7.2f}ms  {r['next_after_write']:15.2f}ms  {r['get_tasks']:7.2f}ms  "
                f"{r['page_bytes']:7d} / {tokens:5.0f}  {r['set_status']:8.1f}ms  {r['peak_rss']:6.1f} MB"
            )
    print("targets at 10,000 tasks: get_task and next_task <= 20 ms, page <= 8k tokens, peak RSS <= 400 MB")
    print("tokens are estimated as bytes/4 (JSON of short words and ids tokenises at ~3.5-4.5 bytes/token)")


if __name__ == "__main__":
    main()
