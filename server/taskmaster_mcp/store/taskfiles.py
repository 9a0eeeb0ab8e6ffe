"""Plain-text task files (``task_001.txt``, ``task_001_<tag>.txt``) in Task Master's layout, written by ``generate``.

Files are rewritten only when their text changes, and files of tasks that no longer exist in the tag are removed
(only files matching this tag's naming pattern are touched).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from taskmaster_mcp.store.files import project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths, tag_slug
from taskmaster_mcp.tasks.model import Task, deps_of, key, subtasks_of


def file_name(task_id: Any, tag: str) -> str:
    """``task_007.txt`` for master, ``task_007_<tagslug>.txt`` for other tags."""
    text = key(task_id)
    # An id is data from tasks.json: only [A-Za-z0-9_-] reach the file name, so an id like "../../x" cannot name a
    # file outside the output folder.
    number = text.zfill(3) if text.isdigit() else (re.sub(r"[^A-Za-z0-9_-]", "-", text) or "-")
    return f"task_{number}.txt" if tag == "master" else f"task_{number}_{tag_slug(tag)}.txt"


def render(task: Task) -> str:
    """The text of one task file."""
    tid = key(task.get("id"))
    deps = ", ".join(key(d) for d in deps_of(task)) or "None"
    lines = [
        f"# Task ID: {tid}",
        f"# Title: {task.get('title', '')}",
        f"# Status: {task.get('status', 'pending')}",
        f"# Dependencies: {deps}",
        f"# Priority: {task.get('priority', 'medium')}",
        f"# Description: {task.get('description', '')}",
        "# Details:",
        str(task.get("details") or ""),
        "",
        "# Test Strategy:",
        str(task.get("testStrategy") or ""),
    ]
    subs = subtasks_of(task)
    if subs:
        lines += ["", "# Subtasks:"]
        for sub in subs:
            sid = key(sub.get("id"))
            sub_deps = ", ".join(f"{tid}.{key(d)}" if isinstance(d, int) else key(d) for d in deps_of(sub)) or "None"
            lines += [
                f"## {sid}. {sub.get('title', '')} [{sub.get('status', 'pending')}]",
                f"### Dependencies: {sub_deps}",
                f"### Description: {sub.get('description', '')}",
                "### Details:",
                str(sub.get("details") or ""),
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def generate(paths: Paths, tag: str, tasks: list[Task], output: Path) -> dict[str, int]:
    """Write one file per task into ``output``; return counts of written, unchanged and removed files."""
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    wanted: set[str] = set()
    pattern = re.compile(r"^task_[^_]+\.txt$" if tag == "master" else rf"^task_[^_]+_{re.escape(tag_slug(tag))}\.txt$")
    with project_lock(paths.taskmaster):
        output.mkdir(parents=True, exist_ok=True)
        for task in tasks:
            name = file_name(task.get("id"), tag)
            wanted.add(name)
            target = output / name
            text = render(task)
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                counts["unchanged"] += 1
                continue
            write_atomic(target, text)
            counts["written"] += 1
        for existing in output.iterdir():
            if existing.is_file() and pattern.match(existing.name) and existing.name not in wanted:
                existing.unlink()
                counts["removed"] += 1
    return counts
