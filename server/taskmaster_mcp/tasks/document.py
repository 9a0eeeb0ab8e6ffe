"""The task document: a parsed tasks.json as plain data, tagged or legacy, with per-tag indexes.

Pure data and rules, no I/O: :class:`taskmaster_mcp.store.taskstore.TaskStore` reads and writes it. The document is
kept whole (every tag block and every other top-level key), so a write changes only what an operation changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import Conflict, NotFound, StoreError
from taskmaster_mcp.tasks import shape
from taskmaster_mcp.tasks.model import TagIndex, Task, task_list

DEFAULT_TAG = "master"


def now_iso() -> str:
    """UTC now in Task Master's timestamp form (``2025-06-01T10:00:00.000Z``)."""
    now = datetime.now(UTC)  # one reading: two could straddle a second and go back in time
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _is_tag_block(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("tasks"), list)  # pyright: ignore[reportUnknownMemberType]


@dataclass
class TaskFile:
    """A parsed tasks.json. ``data`` is the whole document, tag blocks and any other top-level keys included."""

    data: dict[str, Any]
    legacy: bool = False
    trailing_newline: bool = False
    exists: bool = True
    _indexes: dict[str, TagIndex] = field(default_factory=lambda: {}, repr=False)
    memo: dict[Any, Any] = field(default_factory=lambda: {}, repr=False)

    def tags(self) -> list[str]:
        """Tag names in file order."""
        if self.legacy:
            return [DEFAULT_TAG]
        return [name for name, value in self.data.items() if _is_tag_block(value)]

    def has_tag(self, tag: str) -> bool:
        """Whether ``tag`` exists in the file."""
        return tag in self.tags()

    def block(self, tag: str) -> dict[str, Any] | None:
        """The ``{"tasks": [...], "metadata": {...}}`` block of a tag, or None."""
        if self.legacy:
            return self.data if tag == DEFAULT_TAG else None
        value = self.data.get(tag)
        return value if _is_tag_block(value) else None  # pyright: ignore[reportReturnType]

    def tasks(self, tag: str) -> list[Task]:
        """The task list of ``tag`` (empty when the tag does not exist)."""
        return task_list(self.block(tag))

    def index(self, tag: str) -> TagIndex:
        """The id index of ``tag``; NotFound when the tag does not exist (and the file has tags)."""
        cached = self._indexes.get(tag)
        if cached is None:
            if self.block(tag) is None and self.exists and self.tags():
                raise NotFound(
                    f"Tag '{tag}' does not exist. Existing tags: {', '.join(self.tags())}. "
                    "Call list_tags, or add_tag to create it."
                )
            cached = TagIndex(tag, self.tasks(tag))
            self._indexes[tag] = cached
        return cached

    def ensure_tag(self, tag: str) -> dict[str, Any]:
        """The block of ``tag``, creating it (with Task Master's metadata shape) when absent."""
        self.migrate_legacy()
        block: dict[str, Any] | None = self.block(tag)
        if block is None:
            if tag in self.data:
                raise Conflict(
                    f"tasks.json has a top-level key '{tag}' that is not a tag. Use another tag name, or "
                    "move that key away by hand."
                )
            stamp = now_iso()
            meta: dict[str, Any] = {"created": stamp, "updated": stamp, "description": f"Tasks for {tag}"}
            block = {"tasks": [], "metadata": meta}
            self.data[tag] = block
            self.changed()
        return block

    def migrate_legacy(self) -> None:
        """Turn a legacy ``{"meta", "tasks"}`` document into the tagged format in place."""
        if not self.legacy:
            return
        old = self.data
        block: dict[str, Any] = {"tasks": old.get("tasks", [])}
        meta = old.get("meta")
        if isinstance(meta, dict):
            block["metadata"] = meta
        rest = {k: v for k, v in old.items() if k not in ("tasks", "meta")}
        self.data = {DEFAULT_TAG: {**block, **rest}}
        self.legacy = False

    def changed(self) -> None:
        """Drop indexes and memoised query results after an in-place change."""
        self._indexes.clear()
        self.memo.clear()


def parse_document(data: Any, path: Path) -> TaskFile:
    """Classify a parsed tasks.json as tagged or legacy and check its shape (:mod:`taskmaster_mcp.tasks.shape`);
    a document of any other shape raises StoreError and is never written over."""
    if not isinstance(data, dict):
        raise StoreError(f'{path} must hold a JSON object (tags or {{"tasks": [...]}}). It was not changed.')
    document = cast(dict[str, Any], data)
    if isinstance(document.get("tasks"), list) and not any(
        shape.is_tag_value(v) for k, v in document.items() if k != "tasks"
    ):
        shape.check_legacy(document, path)
        return TaskFile(data=document, legacy=True)
    shape.check_tagged(document, path)
    return TaskFile(data=document)
