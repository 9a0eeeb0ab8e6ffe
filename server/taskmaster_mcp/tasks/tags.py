"""Tag operations: list, add, delete, rename, copy (use_tag lives with state.json in the store).

Tag names follow Task Master: letters, digits, ``-`` and ``_``; ``master`` cannot be deleted or renamed.
"""

from __future__ import annotations

import re
from typing import Any

from taskmaster_mcp.errors import Conflict, InvalidInput, NotFound
from taskmaster_mcp.tasks.bounds import TAG_DESCRIPTION_LIMIT, check_text
from taskmaster_mcp.tasks.document import DEFAULT_TAG, TaskFile, now_iso
from taskmaster_mcp.tasks.jsonvalues import clip, clone
from taskmaster_mcp.tasks.queries import progress

_TAG_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def check_name(name: str) -> str:
    """Return a valid tag name or raise with the rule."""
    if not _TAG_NAME.match(name):
        raise InvalidInput(f"'{name}' is not a valid tag name. Use letters, digits, '-' and '_' (e.g. feature-auth).")
    return name


def _existing(doc: TaskFile, name: str) -> dict[str, Any]:
    block = doc.block(name)
    if block is None:
        raise NotFound(f"Tag '{name}' does not exist. Existing tags: {', '.join(doc.tags()) or 'none'}.")
    return block


def _free(doc: TaskFile, name: str) -> None:
    """Refuse a name that a non-tag top-level key of tasks.json already uses (writing it would replace that key)."""
    if name in doc.data:
        raise Conflict(f"tasks.json has a top-level key '{name}' that is not a tag. Pick another tag name.")


def list_tags(doc: TaskFile, current: str, *, with_metadata: bool = False) -> list[dict[str, Any]]:
    """Each tag with its task counts, description and whether it is the current tag (and its whole ``metadata``
    with ``with_metadata``, Task Master's showMetadata)."""
    return [tag_row(doc, name, current, with_metadata=with_metadata) for name in tag_names(doc)]


def tag_names(doc: TaskFile) -> list[str]:
    """The tags in file order (``master`` for a file without any)."""
    return doc.tags() or [DEFAULT_TAG]


def tag_row(doc: TaskFile, name: str, current: str, *, with_metadata: bool = False) -> dict[str, Any]:
    """One row of :func:`list_tags`."""
    block = doc.block(name) or {}
    stats = progress(doc.tasks(name))
    meta = block.get("metadata")
    row: dict[str, Any] = {
        "name": name,
        "tasks": stats["tasks"],
        "done": stats["byStatus"].get("done", 0) + stats["byStatus"].get("completed", 0),
        "subtasks": stats["subtasks"],
    }
    if name == current:
        row["current"] = True
    if isinstance(meta, dict) and isinstance(meta.get("description"), str):  # pyright: ignore[reportUnknownMemberType]
        row["description"] = meta["description"]
    if with_metadata and isinstance(meta, dict):
        row["metadata"] = clip(meta)
    return row


def tag_from_branch(branch: str) -> str:
    """Task Master's tag name for a git branch: other characters become ``-``, runs collapse, ends trimmed, lower
    case, 50 characters (``feature/Auth`` -> ``feature-auth``)."""
    slug = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9_-]", "-", branch)).strip("-").lower()[:50]
    return slug or "unknown-branch"


def add_tag(doc: TaskFile, name: str, *, description: str | None, copy_from: str | None) -> int:
    """Create a tag (empty, or a copy of ``copy_from``'s tasks); return the number of tasks in it."""
    check_name(name)
    check_text("tag description", description, TAG_DESCRIPTION_LIMIT)
    if doc.has_tag(name):
        raise Conflict(f"Tag '{name}' already exists. Pick another name, or use_tag to switch to it.")
    if copy_from is not None:
        _existing(doc, copy_from)
    tasks: list[Any] = clone(doc.tasks(copy_from)) if copy_from is not None else []
    doc.migrate_legacy()
    _free(doc, name)
    stamp = now_iso()
    doc.data[name] = {
        "tasks": tasks,
        "metadata": {
            "created": stamp,
            "updated": stamp,
            "description": description or (f"Copy of {copy_from}" if copy_from else f"Tasks for {name}"),
        },
    }
    return len(tasks)


def delete_tag(doc: TaskFile, name: str) -> int:
    """Delete a tag and its tasks; return how many tasks went with it."""
    if name == DEFAULT_TAG:
        raise InvalidInput("The master tag cannot be deleted. Delete its tasks with remove_task instead.")
    block = _existing(doc, name)
    count = len(block.get("tasks", []))
    del doc.data[name]
    return count


def rename_tag(doc: TaskFile, old: str, new: str) -> None:
    """Rename a tag, keeping its position in the file and its metadata."""
    if old == DEFAULT_TAG:
        raise InvalidInput("The master tag cannot be renamed. Copy it with copy_tag instead.")
    check_name(new)
    _existing(doc, old)
    if doc.has_tag(new):
        raise Conflict(f"Tag '{new}' already exists. Pick another name.")
    _free(doc, new)
    doc.data = {(new if k == old else k): v for k, v in doc.data.items()}


def copy_tag(doc: TaskFile, source: str, target: str, description: str | None) -> int:
    """Copy every task of ``source`` into a new tag ``target``; return the number copied."""
    _existing(doc, source)
    return add_tag(doc, target, description=description, copy_from=source)
