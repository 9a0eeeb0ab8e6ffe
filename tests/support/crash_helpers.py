"""Killing the stdio server mid-write: shared by tests/e2e/test_crash.py and tests/bench/bench_crash.py.

Each round starts the installed server on a large project, pipelines many writes, waits for a random number of
answers, and SIGKILLs the process. Afterwards tasks.json must parse and validate, and every write the server
acknowledged before it died must be in it (an acknowledged write is durable: fsync before rename).
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "crash", "version": "1"}},
}


def large_project(root: Path, tasks: int, subtasks: int = 5) -> Path:
    """A project with ``tasks`` tasks of ``subtasks`` subtasks each, dependencies pointing backwards."""
    rng = random.Random(7)
    items = []
    for n in range(1, tasks + 1):
        items.append(
            {
                "id": n,
                "title": f"Task {n}",
                "description": "d" * 80,
                "details": "x" * 300,
                "testStrategy": "t",
                "status": "pending",
                "priority": rng.choice(["high", "medium", "low"]),
                "dependencies": sorted(rng.sample(range(1, n), min(2, n - 1))),
                "subtasks": [
                    {
                        "id": s,
                        "title": f"Sub {n}.{s}",
                        "description": "s",
                        "details": "",
                        "status": "pending",
                        "dependencies": [s - 1] if s > 1 else [],
                    }
                    for s in range(1, subtasks + 1)
                ],
            }
        )
    (root / ".taskmaster" / "tasks").mkdir(parents=True, exist_ok=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(
        json.dumps({"master": {"tasks": items, "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}, indent=2),
        encoding="utf-8",
    )
    return root


@dataclass
class CrashReport:
    """What the rounds saw."""

    rounds: int = 0
    acknowledged: int = 0
    temp_files_after_kills: int = 0  # summed over rounds: what each kill left
    temp_files_after_next_write: int = 0
    problems: list[str] = field(default_factory=lambda: [])


def _temps(root: Path) -> list[Path]:
    return sorted((root / ".taskmaster" / "tasks").glob(".tasks.json.*.tmp"))


def _one_clean_write(command: list[str], root: Path, env: dict[str, str]) -> bool:
    """Start the server, make one write, wait for its answer (bounded), and close stdin; return whether it answered."""
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "set_task_status", "arguments": {"id": "1", "status": "in-progress"}},
    }
    lines = [json.dumps(INITIALIZE), '{"jsonrpc":"2.0","method":"notifications/initialized"}', json.dumps(call)]
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()
    answered = False
    deadline = time.monotonic() + 60
    while not answered and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = proc.stdout.readline() if ready else b""
        if not line:
            break
        message = json.loads(line)
        answered = message.get("id") == 1 and "result" in message
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()
    return answered


def crash_rounds(command: list[str], root: Path, rounds: int, writes: int = 40, seed: int = 1) -> CrashReport:
    """Run ``rounds`` kill rounds against ``root``; then one clean write must sweep the temp files away."""
    rng = random.Random(seed)
    report = CrashReport()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)}
    for round_no in range(rounds):
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root, env=env
        )
        assert proc.stdin is not None and proc.stdout is not None
        titles: dict[int, str] = {}
        lines = [json.dumps(INITIALIZE), '{"jsonrpc":"2.0","method":"notifications/initialized"}']
        for n in range(1, writes + 1):
            title = f"crash round {round_no} write {n}"
            titles[n] = title
            lines.append(
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": n,
                        "method": "tools/call",
                        "params": {"name": "add_task", "arguments": {"title": title, "description": "crash test"}},
                    }
                )
            )
        proc.stdin.write(("\n".join(lines) + "\n").encode())
        proc.stdin.flush()
        wanted = rng.randint(0, writes // 2)
        acked: list[int] = []
        deadline = time.monotonic() + 60
        buffer = b""
        while len(acked) < wanted and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line)
                if message.get("id") and "result" in message and not message["result"].get("isError"):
                    acked.append(int(message["id"]))
        time.sleep(rng.random() * 0.05)  # land the kill at varying points of the write in progress
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdin.close()
        proc.stdout.close()
        report.rounds += 1
        report.acknowledged += len(acked)
        try:
            document = TaskStore(Paths(root)).read()
        except Exception as exc:  # the one thing this test exists to catch
            report.problems.append(f"round {round_no}: tasks.json unreadable after the kill: {exc}")
            continue
        present = {str(t.get("title")) for t in document.tasks("master")}
        lost = [titles[n] for n in acked if titles[n] not in present]
        if lost:
            report.problems.append(f"round {round_no}: acknowledged writes lost: {lost}")
        report.temp_files_after_kills += len(_temps(root))  # swept by the next round's first write
    if not _one_clean_write(command, root, env):
        report.problems.append("the clean write after the kills did not answer")
    report.temp_files_after_next_write = len(_temps(root))
    return report
