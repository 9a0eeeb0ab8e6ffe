"""The quirk corpus: every habit of ``model_habits.py`` x parse_prd, expand_task and analyze_project_complexity.

Each case goes through the real tool path (in-memory MCP client -> our server -> the real OpenAI SDK -> the scripted
provider) with the main role on a model without native structured output (provider ``openai-compatible``, a model
the catalogue does not list, as a llama.cpp or vLLM server would be), no fallback role and the response cache off,
so each request reaches the server and a failure is a failure (the circuit breaker's cooldown is 0, so one case's
failures do not skip the next case's model). A case records whether the call succeeded, how many
model requests it took, how many mends the usage block reports, and what the call wrote (titles, priorities,
dependencies, the tasks scored), which must be what a clean answer writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_helpers import connected
from model_habits import HABITS, Habit, HabitModel
from provider_server import CHAT, ProviderServer, write_config

COMMANDS = ("parse_prd", "expand_task", "analyze_project_complexity")
MODEL = "qwen3-32b-local"
ENV_KEY = {"OPENAI_COMPATIBLE_API_KEY": "sk-local-test"}
PRD = """# Linkshelf

A bookmark manager for one person.

## Features
- Save a link with a title and tags.
- Search saved links by words in the title.
- Export every link as JSON.
"""
ARGUMENTS: dict[str, dict[str, Any]] = {
    "parse_prd": {"numTasks": 4, "force": True},
    "expand_task": {"id": "1", "num": 3, "force": True},
    "analyze_project_complexity": {"ids": "1,2,3"},
}
# What a call wrote, by command: the facts a benign habit must not change (advisory scores may be clamped).
FACT_KEYS = {
    "parse_prd": ("title", "priority", "dependencies"),
    "expand_task": ("title", "dependencies"),
    "analyze_project_complexity": ("taskId",),
}


@dataclass(frozen=True)
class Case:
    """One habit x command: did the call succeed, at how many requests, with how many mends reported."""

    habit: str
    command: str
    wrong: bool
    ok: bool
    requests: int
    mends: int
    facts: str
    applied: bool = True  # the habit had something to change in this command's answer
    error: str = ""

    @property
    def cell(self) -> str:
        """The table cell: ``ok`` / ``ok +1 re-ask`` / ``FAILED``, with the mends reported."""
        if not self.ok:
            return "FAILED"
        text = "ok" if self.requests == 1 else f"ok +{self.requests - 1} re-ask"
        if not self.applied:
            return f"{text} (n/a)"
        return f"{text} ({self.mends} mends)" if self.mends else text

    @property
    def expected(self) -> bool:
        """Succeeded, at 1 request for a benign habit and 2 (the one re-ask) for a real error."""
        return self.ok and self.requests == (2 if self.wrong else 1)


def make_project(root: Path, server: ProviderServer) -> Path:
    """A project whose only role is a non-native model on ``server``, three pending tasks and a PRD."""
    (root / ".taskmaster" / "docs").mkdir(parents=True)
    (root / ".taskmaster" / "docs" / "prd.txt").write_text(PRD, encoding="utf-8")
    tasks = [
        {
            "id": n,
            "title": title,
            "description": f"{title}.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [n - 1] if n > 1 else [],
            "priority": "medium",
            "subtasks": [],
        }
        for n, title in enumerate(("Save links", "Search links", "Export links"), start=1)
    ]
    (root / ".taskmaster" / "tasks" / "tasks.json").parent.mkdir(parents=True, exist_ok=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    write_config(
        root,
        {"main": {"provider": "openai-compatible", "modelId": MODEL, "maxTokens": 4000, "baseURL": server.url + "/v1"}},
        # each case stands alone: no cached answers, no retries, and a circuit that never stays open between cases
        {"cache": {"enabled": False}, "retries": {"perRole": 0}, "circuitBreaker": {"cooldownSeconds": 0}},
    )
    return root


def _facts(command: str, data: dict[str, Any], root: Path) -> str:
    if command == "parse_prd":
        items = data["created"]
    elif command == "expand_task":
        items = data.get("subtasks") or data.get("created") or []
    else:
        report = root / data["reportPath"]
        items = json.loads(report.read_text(encoding="utf-8"))["complexityAnalysis"]
    return json.dumps([{k: item.get(k) for k in FACT_KEYS[command]} for item in items], sort_keys=True)


async def run_command(
    root: Path, server: ProviderServer, command: str, habits: tuple[Habit, ...] = HABITS
) -> list[Case]:
    """Every habit on one command, through one MCP connection (each call replaces what the last one wrote)."""
    cases: list[Case] = []
    async with connected(root, env={**ENV_KEY, "TASKMASTER_MCP_DATA_DIR": str(root / "ledger")}) as client:
        for habit in habits:
            server.reset()
            model = HabitModel(habit)
            server.responder = model
            result = await client.call_tool(command, ARGUMENTS[command])
            requests = len(server.seen(CHAT))
            if result.is_error:
                text = getattr(result.content[0], "text", "") if result.content else ""
                cases.append(Case(habit.name, command, habit.wrong, False, requests, 0, "", model.applied, text[:300]))
                continue
            data = dict(result.structured_content or {})
            failed = data.get("failed") or []
            mends = len(data.get("usage", {}).get("normalised") or [])
            facts = _facts(command, data, root)
            cases.append(Case(habit.name, command, habit.wrong, not failed, requests, mends, facts, model.applied))
    return cases


def table(cases: list[Case]) -> str:
    """The habit x command table, one row a habit."""
    width = max(len(c.habit) for c in cases) + 2
    lines = ["habit".ljust(width) + "".join(c.ljust(28) for c in COMMANDS)]
    for habit in dict.fromkeys(c.habit for c in cases):
        row = {c.command: c for c in cases if c.habit == habit}
        wrong = " (wrong)" if next(iter(row.values())).wrong else ""
        lines.append(
            (habit + wrong).ljust(width + 8)[: width + 8]
            + "".join((row[c].cell if c in row else "-").ljust(28) for c in COMMANDS)
        )
    return "\n".join(lines)
