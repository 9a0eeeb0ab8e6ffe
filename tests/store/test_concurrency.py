"""Many processes mutating one project at once through TaskStore.mutate lose nothing and never tear the file."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import make_project
from taskmaster_mcp.store.files import dumps

PER_PROCESS = 150

# Each worker imports everything first, then waits for "go" on stdin so that all of them start mutating together.
WORKER = """
import sys
from pathlib import Path
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks import edits

root, name, kind, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
store = TaskStore(Paths(root))
sys.stdin.readline()
for i in range(count):
    with store.mutate() as doc:
        if kind == "task":
            edits.add_task(doc, "master", title=f"{name}-{i}", description="made concurrently")
        else:
            edits.add_subtask(doc, "master", "1", title=f"{name}-{i}")
print("ok")
"""


def test_concurrent_processes_each_making_many_mutations_lose_none(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    seed = {
        "master": {
            "tasks": [
                {
                    "id": 1,
                    "title": "parent",
                    "description": "",
                    "status": "pending",
                    "dependencies": [],
                    "priority": "high",
                    "subtasks": [],
                }
            ],
            "metadata": {"description": "concurrency"},
        }
    }
    tasks_file = root / ".taskmaster" / "tasks" / "tasks.json"
    tasks_file.write_text(dumps(seed), encoding="utf-8")

    workers = {"a": "task", "b": "task", "c": "sub", "d": "sub"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root), name, kind, str(PER_PROCESS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, kind in workers.items()
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "ok"

    data = json.loads(tasks_file.read_text(encoding="utf-8"))
    tasks = data["master"]["tasks"]
    subtasks = tasks[0]["subtasks"]
    titles = Counter(t["title"] for t in tasks[1:]) + Counter(s["title"] for s in subtasks)
    expected = {f"{name}-{i}" for name in workers for i in range(PER_PROCESS)}
    assert set(titles) == expected
    assert all(n == 1 for n in titles.values())
    assert sorted(t["id"] for t in tasks) == list(range(1, 2 * PER_PROCESS + 2))
    assert sorted(s["id"] for s in subtasks) == list(range(1, 2 * PER_PROCESS + 1))
    assert data["master"]["metadata"] == {"description": "concurrency"}
    assert not list(tasks_file.parent.glob(".tasks.json.*.tmp"))
