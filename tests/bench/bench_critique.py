"""The cost of the critique loop: parse_prd and expand_task with and without ``critique`` (requests, tokens, time).

Measured through the real server over stdio (tests/bench/rpc.py). main (anthropic) and the fallback critic (openai)
point at the scripted provider server on 127.0.0.1, which answers every call after a fixed delay and reports tokens
as the characters of the request body and of the answer divided by 4 (a common rule of thumb), so token figures
grow with what is really sent: the critique carries the source and the draft, the revision the author's prompt,
the draft and the findings. Each figure is the median of a few runs after a warm-up call. Three cases: no critique;
a critic with one finding (draft, critique, revision); a critic with none (the revision is skipped).

Run: /work/.venv/bin/python tests/bench/bench_critique.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from provider_server import CHAT, ProviderServer, Recorded, Reply, write_config  # noqa: E402
from rpc import Session, server_command  # noqa: E402

DELAY = 0.3
RUNS = 3
TASKS = 10
SECTION = (
    "Users can {verb} their bookmarks from any device. The list updates within a second, keeps the order the "
    "user chose, and works offline; conflicts are resolved by the most recent edit. "
)
PRD = "# Linkshelf\n\n" + "\n\n".join(
    f"## Feature {n}\n" + SECTION.format(verb=f"manage kind {n} of") * 4 for n in range(1, TASKS + 1)
)
PLAN = json.dumps(
    {
        "tasks": [
            {
                "id": n,
                "title": f"Deliver feature {n}",
                "description": f"Feature {n} as the PRD describes it.",
                "details": "Add the model, the endpoint and the view; handle offline edits and conflicts. " * 3,
                "testStrategy": "Unit tests for the model, an API test per endpoint, one end-to-end test.",
                "priority": "medium",
                "dependencies": [n - 1] if n > 1 else [],
                "prdSection": f"Feature {n}",
            }
            for n in range(1, TASKS + 1)
        ]
    }
)
SUBTASKS = json.dumps(
    {
        "subtasks": [
            {
                "id": n,
                "title": f"Step number {n}",
                "description": f"Step {n} of the feature.",
                "details": "Write the code and its tests; keep the public API unchanged. " * 2,
                "testStrategy": "Unit test.",
                "dependencies": [n - 1] if n > 1 else [],
            }
            for n in range(1, 6)
        ]
    }
)
ONE_FINDING = json.dumps(
    {
        "findings": [
            {
                "kind": "test_strategy",
                "severity": "medium",
                "taskIds": [2],
                "message": "The test strategy does not check offline conflict resolution.",
            }
        ]
    }
)
NO_FINDINGS = json.dumps({"findings": []})


class Script:
    """Answers by who is asked: the critic (chat route) with findings or none; main with a plan or subtasks."""

    def __init__(self) -> None:
        self.findings = ONE_FINDING

    def __call__(self, record: Recorded) -> Reply:
        body = json.dumps(record.body)
        text = self.findings if record.path.endswith(CHAT) else PLAN if "<prd>" in body else SUBTASKS
        return Reply(text=text, delay=DELAY, usage=(len(body) // 4, len(text) // 4, 0))


def make_project(root: Path, server: ProviderServer) -> None:
    tasks = [
        {
            "id": 1,
            "title": "Bookmark sync",
            "description": "Sync bookmarks between devices.",
            "details": "Offline first; last edit wins.",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [],
            "priority": "high",
            "subtasks": [],
        }
    ]
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    write_config(
        root,
        {
            "main": {
                "provider": "anthropic",
                "modelId": "claude-sonnet-4-20250514",
                "maxTokens": 8000,
                "baseURL": server.url,
            },
            "fallback": {"provider": "openai", "modelId": "gpt-4o", "maxTokens": 8000, "baseURL": server.url + "/v1"},
        },
        {"cache": {"enabled": False}},
    )  # the same calls are timed several times: the response cache is off


def measure(session: Session, server: ProviderServer, tool: str, arguments: dict[str, Any]) -> dict[str, float]:
    """Median wall time, and the requests and tokens of one call (they are the same every run)."""
    times: list[float] = []
    result: dict[str, Any] = {}
    requests = 0
    for _ in range(RUNS):
        before = len(server.seen())
        start = time.perf_counter()
        answer = session.call(tool, arguments)
        times.append(time.perf_counter() - start)
        result = answer.get("structuredContent") or {}
        assert "usage" in result, answer
        requests = len(server.seen()) - before
    usage = result["usage"]
    return {
        "requests": requests,
        "input": usage["inputTokens"],
        "output": usage["outputTokens"],
        "ms": statistics.median(times) * 1000,
    }


def row(name: str, figures: dict[str, float]) -> str:
    return (
        f"  {name:<36} {figures['requests']:>4.0f} req  {figures['input']:>7,.0f} in  {figures['output']:>6,.0f}"
        f" out  {figures['ms']:>6,.0f} ms"
    )


def ratio(name: str, base: dict[str, float], other: dict[str, float]) -> str:
    parts = [
        f"{other[k] / base[k]:.2f}x {label}"
        for k, label in (
            ("requests", "requests"),
            ("input", "input tokens"),
            ("output", "output tokens"),
            ("ms", "time"),
        )
    ]
    return f"  {name:<36} " + ", ".join(parts)


def main() -> None:
    server = ProviderServer().start()
    script = Script()
    server.responder = script
    figures: dict[str, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            project = tmp / "project"
            make_project(project, server)
            env = {
                "ANTHROPIC_API_KEY": "sk-bench",
                "OPENAI_API_KEY": "sk-bench",
                "TASKMASTER_MCP_DATA_DIR": str(tmp / "data"),
            }
            session = Session(server_command(), project, env)
            try:
                session.initialize()
                session.call("expand_task", {"id": "1", "force": True, "critique": True})  # warm-up: both SDKs
                plan = {"prd": PRD, "numTasks": TASKS, "tag": "bench", "force": True}
                expand = {"id": "1", "force": True}
                for tool, arguments in (("parse_prd", plan), ("expand_task", expand)):
                    script.findings = ONE_FINDING
                    figures[tool] = measure(session, server, tool, arguments)
                    figures[f"{tool} + critique"] = measure(session, server, tool, {**arguments, "critique": True})
                    script.findings = NO_FINDINGS
                    figures[f"{tool} + critique, no findings"] = measure(
                        session, server, tool, {**arguments, "critique": True}
                    )
            finally:
                session.close()
    finally:
        server.stop()
    print(
        f"critique overhead over stdio, scripted models answering in {DELAY * 1000:.0f} ms a call "
        f"(tokens: request/answer characters / 4; median of {RUNS})"
    )
    for tool in ("parse_prd", "expand_task"):
        for case in ("", " + critique", " + critique, no findings"):
            print(row(tool + case, figures[tool + case]))
        print(ratio(f"{tool}: critique / none", figures[tool], figures[f"{tool} + critique"]))
        print(ratio(f"{tool}: no findings / none", figures[tool], figures[f"{tool} + critique, no findings"]))


if __name__ == "__main__":
    main()
