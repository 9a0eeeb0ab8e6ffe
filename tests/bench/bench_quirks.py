"""The quirk corpus as a table: each habit of tests/model_habits.py x parse_prd, expand_task and analyze.

Through the real tool path (in-memory MCP client -> our server -> the real OpenAI SDK -> the scripted provider on
127.0.0.1) on a model without native structured output. A cell says ``ok`` (one request), ``ok +1 re-ask`` (the
answer was truly wrong and the one re-ask fixed it) or ``FAILED``, with the mends the usage block reported. Target:
0 failures, and a re-ask only on the rows marked (wrong). tests/test_model_quirks.py asserts the same outcomes.

It also prints what reading an answer costs: ``read_answer`` (scan, mend, validate) as a multiple of pydantic's
``model_validate_json`` alone on the same clean 20-task plan, and per answer in ms, measured in the same run.

Run: .venv/bin/python tests/bench/bench_quirks.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from provider_server import ProviderServer  # noqa: E402
from quirk_corpus import COMMANDS, Case, make_project, run_command, table  # noqa: E402
from taskmaster_mcp.ai.prompts.plan import TaskPlan  # noqa: E402
from taskmaster_mcp.models.answers import read_answer  # noqa: E402

READS = 300


def reading_cost() -> str:
    """read_answer against model_validate_json on a clean 20-task plan (~40 KB), and with habits around it."""
    tasks = [
        {
            "id": n,
            "title": f"Task number {n} of the plan",
            "description": "d" * 200,
            "details": "x" * 1500,
            "testStrategy": "t" * 300,
            "priority": "high",
            "dependencies": [n - 1] if n > 1 else [],
        }
        for n in range(1, 21)
    ]
    text = json.dumps({"tasks": tasks, "confidence": 0.8})
    habits = "<think>" + "{why} " * 200 + "</think>\nHere {it is}:\n```json\n" + text + "\n```\nDone {ok}."
    base = timeit.timeit(lambda: TaskPlan.model_validate_json(text), number=READS) / READS
    ours = timeit.timeit(lambda: read_answer(TaskPlan, text), number=READS) / READS
    wrapped = timeit.timeit(lambda: read_answer(TaskPlan, habits), number=READS) / READS
    return (
        f"reading a {len(text) // 1000} KB 20-task answer: read_answer {ours / base:.1f}x model_validate_json "
        f"(+{(ours - base) * 1000:.2f} ms an answer); with a think block, prose and a fence {wrapped / base:.1f}x"
    )


async def main() -> int:
    server = ProviderServer().start()
    cases: list[Case] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = make_project(Path(tmp) / "project", server)
            for command in COMMANDS:
                cases += await run_command(root, server, command)
    finally:
        server.stop()
    print(table(cases))
    failures = [c for c in cases if not c.ok]
    benign = [c for c in cases if not c.wrong]
    wrong = [c for c in cases if c.wrong]
    print(
        f"\n{len(cases)} cases ({len(benign)} benign, {len(wrong)} truly wrong): {len(failures)} failures; "
        f"requests per benign case {sum(c.requests for c in benign) / len(benign):.2f} (target 1.00), "
        f"per wrong case {sum(c.requests for c in wrong) / len(wrong):.2f} (target 2.00)"
    )
    print(reading_cost())
    for case in failures:
        print(f"FAILED {case.habit} x {case.command}: {case.error}")
    return 1 if failures or any(not c.expected for c in cases) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
