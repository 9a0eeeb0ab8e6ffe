"""Budgets as hard limits: expand_all of 16 tasks under a daily cap, spend against the cap and one request's cost.

Measured through the real server over stdio (tests/bench/rpc.py) against the scripted provider server, which bills
each request for what it sent (~4 characters a token) and 1,500 output tokens, answering in 0.5 s so that the
requests overlap. The main role is claude-sonnet-4 ($3 / $15 per 1M tokens), maxTokens 4000, with
``budgets.dailyUsd`` set; the response cache is off. Before reservations every task passed the budget check at once
and expand_all spent 4.7-5x the cap. Target: spend <= cap + one request.

Run: .venv/bin/python tests/bench/bench_budget.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE.parent.parent / "server"))

from provider_server import ProviderServer, Recorded, Reply, request_tokens, write_config  # noqa: E402
from rpc import Session, server_command  # noqa: E402
from taskmaster_mcp.models.ledger import Ledger  # noqa: E402

TASKS = 16
CAP = 0.10
SUBTASKS = json.dumps(
    {
        "subtasks": [
            {
                "id": n,
                "title": f"Step {n}",
                "description": "Do it.",
                "details": "How.",
                "testStrategy": "Test.",
                "dependencies": [],
            }
            for n in range(1, 4)
        ]
    }
)


def answer(record: Recorded) -> Reply:
    """Bill what was sent: the request's text as input, 1,500 tokens of output."""
    body: Any = record.body
    return Reply(text=SUBTASKS, usage=(request_tokens(body) if isinstance(body, dict) else 0, 1500, 0), delay=0.5)


def main() -> None:
    server = ProviderServer().start()
    server.responder = answer
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            root = Path(tmp_name) / "project"
            tasks = [
                {
                    "id": n,
                    "title": f"Feature {n}",
                    "description": f"Build feature {n}: " + "the details of it, " * 40,
                    "status": "pending",
                    "dependencies": [],
                    "priority": "medium",
                    "subtasks": [],
                }
                for n in range(1, TASKS + 1)
            ]
            (root / ".taskmaster" / "tasks").mkdir(parents=True)
            (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
            main_role = {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514", "maxTokens": 4000}
            write_config(
                root,
                {"main": {**main_role, "baseURL": server.url}},
                {"budgets": {"dailyUsd": CAP}, "cache": {"enabled": False}},
            )
            env = {"ANTHROPIC_API_KEY": "sk-bench", "TASKMASTER_MCP_DATA_DIR": str(Path(tmp_name) / "data")}
            session = Session(server_command(), root, env)
            try:
                session.initialize()
                result = session.call("expand_all", {}).get("structuredContent") or {}
            finally:
                session.close()
            entries = [e for e in Ledger(root, env=env).entries() if e.outcome == "ok"]
            spent = sum(e.cost_usd or 0.0 for e in entries)
            one = max((e.cost_usd or 0.0 for e in entries), default=0.0)
            expanded = len(result.get("expanded") or [])
            print(f"expand_all of {TASKS} tasks under budgets.dailyUsd = ${CAP:g} (claude-sonnet-4, 0.5 s answers)")
            print(f"  requests answered : {len(entries)} ({expanded} tasks expanded, the rest refused by the budget)")
            print(f"  spent             : ${spent:.4f} = {spent / CAP:.2f}x the cap (before: 4.7-5x)")
            print(f"  one request       : ${one:.4f}; spent - cap = ${spent - CAP:+.4f} (target <= one request)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
