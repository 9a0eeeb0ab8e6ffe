"""Model answers and projects that several AI-command test files share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai_helpers import ai_project, as_json
from git_helpers import git
from provider_server import ProviderServer


def scores(ids: list[int]) -> str:
    """A reply scoring ``ids``: task n gets score n % 10 + 1."""
    return as_json(
        {
            "tasks": [
                {
                    "taskId": n,
                    "complexityScore": n % 10 + 1,
                    "recommendedSubtasks": n % 5 + 2,
                    "expansionPrompt": f"Split task {n} by layer.",
                    "reasoning": f"Task {n} reasons.",
                }
                for n in ids
            ]
        }
    )


def plan(*items: tuple[int, str, list[int]]) -> str:
    """A model reply proposing subtasks (model numbering, dependencies on earlier ones)."""
    return as_json(
        {
            "subtasks": [
                {
                    "id": i,
                    "title": title,
                    "description": f"{title}.",
                    "details": f"How to {title.lower()}.",
                    "testStrategy": "Unit test.",
                    "dependencies": deps,
                }
                for i, title, deps in items
            ]
        }
    )


def pending_project(root: Path, server: ProviderServer, count: int, ours: dict[str, Any] | None = None) -> Path:
    """A project with ``count`` pending tasks in master and an unrelated tag."""
    ai_project(root, server, ours=ours)
    tasks = [
        {
            "id": n,
            "title": f"Feature number {n}",
            "description": f"Feature {n}.",
            "details": "",
            "testStrategy": "",
            "status": "pending",
            "dependencies": [n - 1] if n > 1 else [],
            "priority": "medium",
            "subtasks": [],
        }
        for n in range(1, count + 1)
    ]
    other = {
        "tasks": [
            {"id": 1, "title": "Other", "description": "x", "status": "pending", "dependencies": [], "subtasks": []}
        ],
        "metadata": {"description": "other"},
    }
    (root / ".taskmaster/tasks/tasks.json").write_text(
        json.dumps({"master": {"tasks": tasks}, "other": other}, indent=2)
    )
    return root


def repo(tmp_path: Path, server: ProviderServer, fixtures: Path, **ours: Any) -> Path:
    """The messy project as a git repository with one commit, then a modified file and untracked files."""
    root = ai_project(tmp_path / "repo", server, fixtures / "messy-tasks.json", ours=ours or None)
    (root / "src").mkdir()
    (root / "src/calc.py").write_text("def add(a, b):\n    return a + b\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    (root / "src/calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n")
    (root / "src/new_module.py").write_text("NEW_MODULE_MARKER = True\n")
    (root / ".env").write_text("ANTHROPIC_API_KEY=sk-live-do-not-send\n")
    return root


def verdict(kind: str, score: int, *findings: dict[str, Any], follow: list[str] | None = None) -> str:
    return as_json(
        {
            "verdict": kind,
            "score": score,
            "summary": f"{kind} at {score}.",
            "findings": list(findings),
            "unmetRequirements": ["Pool size is configurable"] if kind != "approve" else [],
            "followUpSubtasks": [{"title": t, "description": f"{t}."} for t in follow or []],
        }
    )
