"""N agents on one plan: each loops claim → work → done through its own connection (a stdio server process of its
own, or a client of one shared HTTP server), and the run is checked: every task handed out exactly once, none
before its dependencies were done, all done. Used by tests/e2e/test_parallel_agents_processes.py and
tests/bench/bench_parallel_agents.py."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

Call = Callable[[str, dict[str, Any]], dict[str, Any]]


def layered_plan(root: Path, layers: int, width: int) -> list[dict[str, Any]]:
    """``layers`` x ``width`` tasks; each task after the first layer depends on two tasks of the layer before."""
    tasks: list[dict[str, Any]] = []
    for layer, column in itertools.product(range(layers), range(width)):
        tid = layer * width + column + 1
        deps = (
            []
            if layer == 0
            else sorted({(layer - 1) * width + column + 1, (layer - 1) * width + (column + 1) % width + 1})
        )
        tasks.append(
            {
                "id": tid,
                "title": f"Task {tid}",
                "description": "",
                "status": "pending",
                "dependencies": deps,
                "priority": "medium",
                "details": "",
                "testStrategy": "",
                "subtasks": [],
            }
        )
    (root / ".taskmaster/tasks").mkdir(parents=True, exist_ok=True)
    document = {"master": {"tasks": tasks, "metadata": {"description": "agents"}}}
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return tasks


@dataclass
class Log:
    """What the agents did, in one process-wide order."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    claimed: list[tuple[float, str, str]] = field(default_factory=lambda: [])  # (when, agent, task id)
    done: dict[str, float] = field(default_factory=lambda: {})
    errors: list[str] = field(default_factory=lambda: [])


def structured(result: dict[str, Any]) -> dict[str, Any]:
    if "structuredContent" in result:
        return dict(result["structuredContent"])
    return json.loads(result["content"][0]["text"])


def run_agent(name: str, call: Call, log: Log, total: int, work: float, lease: float = 30, stop_after: int = 0) -> None:
    """Claim → work ``work`` s → done until all ``total`` tasks are done (``stop_after``: vanish after that many
    claims without finishing the last, like a killed agent)."""
    claims = 0
    try:
        while True:
            found = structured(call("next_task", {"claim": True, "agent": name, "leaseMinutes": lease}))
            item = found.get("next")
            if not item:
                with log.lock:
                    if len(log.done) >= total:
                        return
                time.sleep(0.02)  # nothing free yet: another agent is finishing a dependency
                continue
            tid = str(item["id"])
            with log.lock:
                log.claimed.append((time.monotonic(), name, tid))
                if item.get("blockedBy"):  # the server's own view, read under the lock that granted the claim
                    log.errors.append(f"{name} got {tid} while it was blocked by {item['blockedBy']}")
            claims += 1
            if stop_after and claims >= stop_after:
                return  # killed mid-task: its lease must run out before anyone else gets this task
            time.sleep(work)
            finishing = time.monotonic()  # before the call: a claim that ended earlier cannot have seen it done
            call("set_task_status", {"id": tid, "status": "done"})
            with log.lock:
                log.done[tid] = finishing
    except Exception as exc:  # reported by check(), so one agent's crash fails the run with its reason
        with log.lock:
            log.errors.append(f"{name}: {exc}")


def check(log: Log, tasks: list[dict[str, Any]], taken_over: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """What went wrong: a task handed out twice (except ``taken_over`` after an expired lease), one handed out
    before its dependencies were done (the server said it was blocked, or the claim returned before the dependency's
    done call even started), one never done."""
    problems = list(log.errors)
    handed: dict[str, int] = {}
    for when, agent, tid in log.claimed:
        handed[tid] = handed.get(tid, 0) + 1
        deps = next(t["dependencies"] for t in tasks if str(t["id"]) == tid)
        late = [str(d) for d in deps if log.done.get(str(d), float("inf")) > when]
        if late:
            problems.append(f"{agent} got {tid} before {', '.join(late)} was done")
    problems += [f"{tid} handed out {n} times" for tid, n in handed.items() if n > 1 and tid not in taken_over]
    problems += [f"{t['id']} never done" for t in tasks if str(t["id"]) not in log.done]
    return problems


def run_agents(
    calls: dict[str, Call], tasks: list[dict[str, Any]], work: float, **options: dict[str, Any]
) -> tuple[Log, float]:
    """Run one agent thread per connection (``options[name]``: that agent's run_agent keywords); the log and the
    wall time."""
    log = Log()
    threads = [
        threading.Thread(target=run_agent, args=(name, call, log, len(tasks), work), kwargs=options.get(name, {}))
        for name, call in calls.items()
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return log, time.monotonic() - started


class HttpAgent:
    """A minimal MCP client of a streamable HTTP server (JSON or SSE answers), one session, synchronous."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url, self.session_id, self.next_id = url, None, 0
        self.headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.client = httpx2.Client(timeout=60)
        self.request(
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "agent", "version": "1"}},
        )
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def post(self, message: dict[str, Any]) -> httpx2.Response:
        headers = dict(self.headers)
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        response = self.client.post(self.url, headers=headers, content=json.dumps(message))
        self.session_id = response.headers.get("mcp-session-id", self.session_id)
        return response

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        response = self.post({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        response.raise_for_status()
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            for line in response.text.splitlines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("id") == self.next_id:
                        return message
            raise RuntimeError(f"no answer to {method} in the event stream")
        return response.json()

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = self.request("tools/call", {"name": tool, "arguments": arguments})["result"]
        if result.get("isError"):
            raise RuntimeError(f"{tool} failed: {result['content'][0]['text']}")
        return result

    def close(self) -> None:
        self.client.close()


def stdio_env(root: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)}
