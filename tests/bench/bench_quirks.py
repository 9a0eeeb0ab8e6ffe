"""The quirk corpus as a table: each habit of tests/model_habits.py x parse_prd, expand_task and analyze.

Through the real tool path (in-memory MCP client -> our server -> the real OpenAI SDK -> the scripted provider on
127.0.0.1) on a model without native structured output. A cell says ``ok`` (one request), ``ok +1 re-ask`` (the
answer was truly wrong and the one re-ask fixed it) or ``FAILED``, with the mends the usage block reported. Target:
0 failures, and a re-ask only on the rows marked (wrong). tests/test_model_quirks.py asserts the same outcomes.

Run: .venv/bin/python tests/bench/bench_quirks.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from provider_server import ProviderServer  # noqa: E402
from quirk_corpus import COMMANDS, Case, make_project, run_command, table  # noqa: E402


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
    for case in failures:
        print(f"FAILED {case.habit} x {case.command}: {case.error}")
    return 1 if failures or any(not c.expected for c in cases) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
