"""Builders shared by the core-rule tests (no MCP): tasks, subtasks and documents in Task Master's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.taskstore import TaskStore
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Task, parse_ref


def task(
    tid: Any,
    status: str = "pending",
    deps_: list[Any] | None = None,
    priority: str = "medium",
    subs: list[Task] | None = None,
    **extra: Any,
) -> Task:
    return {
        "id": tid,
        "title": f"task {tid}",
        "status": status,
        "dependencies": deps_ or [],
        "priority": priority,
        "subtasks": subs or [],
        **extra,
    }


def sub(sid: int, status: str = "pending", deps_: list[Any] | None = None) -> Task:
    return {"id": sid, "title": f"sub {sid}", "status": status, "dependencies": deps_ or []}


def doc_of(*tasks: Task, tag: str = "master") -> TaskFile:
    return TaskFile(data={tag: {"tasks": list(tasks), "metadata": {"description": tag}}})


def get(doc: TaskFile, ref: str, tag: str = "master") -> Task:
    doc.changed()  # as mutate does after an operation: indexes are per file version
    t, s = doc.index(tag).get(parse_ref(ref))
    return s if s is not None else t


def messy(messy_project: Path) -> TaskFile:
    return TaskStore(Paths(messy_project)).read()
