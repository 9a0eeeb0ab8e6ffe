"""The fix-conflicts matrix: real ``git merge`` in temporary repositories, with no merge driver registered (so git
writes conflict markers in one of its three styles), then ``taskmaster-mcp fix-conflicts``; what is measured is how
many tasks that must survive the merge are missing afterwards (it must be 0).

Used by ``tests/test_fix_conflicts.py`` (which asserts) and ``tests/bench/bench_fix_conflicts.py`` (which prints
the table).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TASKS = Path(".taskmaster/tasks/tasks.json")
STYLES = ("merge", "diff3", "zdiff3")
IDENTITY = ("-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main")


def task(n: int, title: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": n,
        "title": title or f"Task {n}",
        "description": f"What task {n} does",
        "details": f"How to do task {n}",
        "testStrategy": "Run the tests",
        "status": "pending",
        "dependencies": [n - 1] if n > 1 else [],
        "priority": "medium",
        "subtasks": [],
        **fields,
    }


def document(*tasks: dict[str, Any]) -> dict[str, Any]:
    return {"master": {"tasks": list(tasks), "metadata": {"created": "2026-01-01T00:00:00.000Z"}}}


@dataclass(frozen=True)
class Scenario:
    """A base and two branches; ``must`` are the titles the merged file must hold, ``gone`` those it must not."""

    name: str
    base: dict[str, Any]
    ours: dict[str, Any]
    theirs: dict[str, Any]
    must: frozenset[str]
    gone: frozenset[str] = frozenset()


def scenarios() -> list[Scenario]:
    base = [task(n) for n in range(1, 6)]
    added = Scenario(
        "added on both sides",
        document(*base),
        document(*base, task(6, "A six"), task(7, "A seven")),
        document(*base, task(6, "B six"), task(7, "B seven", dependencies=[6])),
        frozenset({*(t["title"] for t in base), "A six", "A seven", "B six", "B seven"}),
    )
    edited = Scenario(
        "edited on both",
        document(*base),
        document(*base[:2], task(3, "A renamed three"), task(4, status="done"), base[4]),
        document(*base[:2], task(3, description="B says"), task(4, dependencies=[3, 1]), base[4]),
        frozenset({"Task 1", "Task 2", "A renamed three", "Task 4", "Task 5"}),
    )
    removed = Scenario(
        "removed on one",
        document(*base),
        document(*base[:4]),
        document(*base[:2], task(3, status="done"), *base[3:], task(6, "B six", dependencies=[3])),
        frozenset({"Task 1", "Task 2", "Task 3", "Task 4", "B six"}),
        frozenset({"Task 5"}),
    )
    return [added, edited, removed]


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *IDENTITY, *args], cwd=root, capture_output=True, text=True, timeout=60, check=False, env=env
    )


def commit(root: Path, data: dict[str, Any], message: str) -> None:
    (root / TASKS).parent.mkdir(parents=True, exist_ok=True)
    (root / TASKS).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def conflicted_repo(root: Path, scenario: Scenario, style: str) -> Path:
    """A repository in the middle of ``git merge`` of branch ``b`` into ``main``, tasks.json left with markers."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    git(root, "config", "merge.conflictStyle", style)
    commit(root, scenario.base, "base")
    git(root, "branch", "b")
    commit(root, scenario.ours, "a")
    git(root, "checkout", "-q", "b")
    commit(root, scenario.theirs, "b")
    git(root, "checkout", "-q", "main")
    done = git(root, "merge", "--no-edit", "b")
    assert done.returncode != 0 and "<<<<<<<" in (root / TASKS).read_text(encoding="utf-8"), done.stdout
    return root


def console_script() -> str:
    beside = Path(sys.executable).parent / "taskmaster-mcp"
    found = str(beside) if beside.exists() else shutil.which("taskmaster-mcp")
    assert found, "taskmaster-mcp is not installed; run the README's test command"
    return found


def fix_conflicts(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        [console_script(), "fix-conflicts", "-C", str(root), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@dataclass(frozen=True)
class Measured:
    """One cell of the matrix: the exit code, the tasks lost and back from the dead, and whether markers remain."""

    code: int
    lost: frozenset[str]
    resurrected: frozenset[str]
    markers: bool
    stderr: str


def measure(root: Path, scenario: Scenario, style: str, *, inside: bool = True) -> Measured:
    """One cell: ``inside`` runs fix-conflicts in the stopped merge (git's index holds the three versions); outside,
    on a copy of the conflicted file in a folder that is no repository (only the markers to go by)."""
    conflicted_repo(root, scenario, style)
    if not inside:
        copy = root.parent / f"{root.name}-markers-only"
        (copy / TASKS).parent.mkdir(parents=True)
        shutil.copyfile(root / TASKS, copy / TASKS)
        root = copy
    done = fix_conflicts(root)
    text = (root / TASKS).read_text(encoding="utf-8")
    if "<<<<<<<" in text:
        return Measured(done.returncode, frozenset(), frozenset(), True, done.stderr)
    titles = {t["title"] for t in json.loads(text)["master"]["tasks"]}
    return Measured(done.returncode, scenario.must - titles, scenario.gone & titles, False, done.stderr)
