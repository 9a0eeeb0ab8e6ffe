"""Markdown task files (``task_001.md``, ``task_001_<tag>.md``) in Task Master 0.43's layout, written by ``generate``.

Files are rewritten only when their text changes, and files of tasks that no longer exist in the tag are removed
(only files matching this tag's naming pattern are touched; the ``.txt`` files of older versions are left alone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from taskmaster_mcp.store.files import project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths, tag_slug
from taskmaster_mcp.tasks.model import Task, deps_of, key, subtasks_of

# Task Master's marks after a dependency's id, by that task's status
_MARKS = {"done": " ✓", "in-progress": " ⧖", "blocked": " ⛔", "cancelled": " ✗", "deferred": " ⏸"}


def file_name(task_id: Any, tag: str) -> str:
    """``task_007.md`` for master, ``task_007_<tagslug>.md`` for other tags."""
    text = key(task_id)
    # An id is data from tasks.json: only [A-Za-z0-9_-] reach the file name, so an id like "../../x" cannot name a
    # file outside the output folder.
    number = text.zfill(3) if text.isdigit() else (re.sub(r"[^A-Za-z0-9_-]", "-", text) or "-")
    return f"task_{number}.md" if tag == "master" else f"task_{number}_{tag_slug(tag)}.md"


def _text(value: Any, default: str = "") -> str:
    """A field as JavaScript's ``value || default`` reads it."""
    return str(value) if value not in (None, "", 0, False) else default


def render(task: Task, tasks: list[Task] | None = None) -> str:
    """The markdown of one task file, as Task Master 0.43's generator writes it."""
    tid = key(task.get("id"))
    status_by_id = {key(t.get("id")): str(t.get("status") or "") for t in tasks or [task]}
    deps = [f"{key(d)}{_MARKS.get(status_by_id.get(key(d), ''), '')}" for d in deps_of(task)]
    text = (
        f"# Task ID: {tid}\n\n"
        f"**Title:** {_text(task.get('title'))}\n\n"
        f"**Status:** {_text(task.get('status'), 'pending')}\n\n"
        f"**Dependencies:** {', '.join(deps) or 'None'}\n\n"
        f"**Priority:** {_text(task.get('priority'), 'medium')}\n\n"
        f"**Description:** {_text(task.get('description'))}\n\n"
        f"**Details:**\n\n{_text(task.get('details'), 'No details provided.')}\n\n"
        f"**Test Strategy:**\n\n{_text(task.get('testStrategy'), 'No test strategy provided.')}\n"
    )
    subs = subtasks_of(task)
    if subs:
        text += "\n## Subtasks\n"
        for sub in subs:
            sub_deps = ", ".join(key(d) if "." in key(d) else f"{tid}.{key(d)}" for d in deps_of(sub)) or "None"
            text += f"\n### {tid}.{key(sub.get('id'))}. {_text(sub.get('title'))}\n\n"
            text += f"**Status:** {_text(sub.get('status'), 'pending')}  \n**Dependencies:** {sub_deps}  \n\n"
            if sub.get("description"):
                text += f"{sub['description']}\n"
            if sub.get("details"):
                text += f"\n**Details:**\n\n{sub['details']}\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def generate(paths: Paths, tag: str, tasks: list[Task], output: Path) -> dict[str, int]:
    """Write one file per task into ``output``; return counts of written, unchanged and removed files."""
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    wanted: set[str] = set()
    pattern = re.compile(r"^task_[^_]+\.md$" if tag == "master" else rf"^task_[^_]+_{re.escape(tag_slug(tag))}\.md$")
    with project_lock(paths.taskmaster):
        output.mkdir(parents=True, exist_ok=True)
        for task in tasks:
            name = file_name(task.get("id"), tag)
            wanted.add(name)
            target = output / name
            text = render(task, tasks)
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
