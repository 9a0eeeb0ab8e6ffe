"""The one module every read and write of tasks.json and state.json goes through.

Reads are cached: the parsed file and its per-tag indexes stay in memory and are re-read only when the file's
mtime, size or inode changes, so a warm ``get_task`` on a 40 MB project costs a ``stat``, not a parse.

Writes are faithful and safe:

- :meth:`TaskStore.mutate` takes the project lock, re-validates the cache against the file on disk, hands the
  caller the live document, and writes it back atomically only if the caller returns without raising. A raised
  error drops the in-memory copy (which the caller may have half-changed) and leaves the file byte-identical.
- The document is re-serialised in Task Master's format (2-space indent, non-ASCII as is, trailing newline kept
  as found), so an operation that changes one value changes one line of the file.
- A legacy ``{"meta", "tasks"}`` file is migrated to the tagged format (as tag ``master``, its ``meta`` kept as the
  tag's ``metadata``) on the first write, as Task Master does. A ``tasks/tasks.json`` at the project root is read
  when ``.taskmaster/tasks/tasks.json`` is absent; the first write goes to the new location and the old file is
  left for the user to delete.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import NotFound, StoreError
from .files import dumps, dumps_bytes, load_json, project_lock, write_atomic
from .project import Paths
from .tasks import TagIndex, Task, task_list

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
                raise NotFound(f"Tag '{tag}' does not exist. Existing tags: {', '.join(self.tags())}. "
                               "Call list_tags, or add_tag to create it.")
            cached = TagIndex(tag, self.tasks(tag))
            self._indexes[tag] = cached
        return cached

    def ensure_tag(self, tag: str) -> dict[str, Any]:
        """The block of ``tag``, creating it (with Task Master's metadata shape) when absent."""
        self.migrate_legacy()
        block = self.block(tag)
        if block is None:
            stamp = now_iso()
            block = {"tasks": [], "metadata": {"created": stamp, "updated": stamp, "description": f"Tasks for {tag}"}}
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
    """Classify a parsed tasks.json as tagged or legacy; reject shapes that are neither."""
    if not isinstance(data, dict):
        raise StoreError(f"{path} must hold a JSON object (tags or {{\"tasks\": [...]}}). It was not changed.")
    document: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
    if isinstance(document.get("tasks"), list) and not any(
        _is_tag_block(v) for k, v in document.items() if k != "tasks"
    ):
        return TaskFile(data=document, legacy=True)
    return TaskFile(data=document)


@dataclass
class _Cached:
    signature: tuple[int, int, int]
    path: Path
    file: TaskFile
    crc: int


class NoChange(Exception):
    """Raise inside :meth:`TaskStore.mutate` to end it without writing (the operation turned out to be a no-op)."""


class TaskStore:
    """Cached reads and locked, atomic writes of one project's tasks.json and state.json."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._cache: _Cached | None = None

    def _source(self) -> Path | None:
        if self.paths.tasks_file.is_file():
            return self.paths.tasks_file
        if self.paths.legacy_tasks_file.is_file():
            return self.paths.legacy_tasks_file
        return None

    def read(self) -> TaskFile:
        """The current document, re-parsed only if the file changed on disk since the last read."""
        source = self._source()
        if source is None:
            self._cache = None
            return TaskFile(data={}, exists=False)
        st = source.stat()
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._cache is not None and self._cache.path == source and self._cache.signature == signature:
            return self._cache.file
        data, raw = load_json(source)
        parsed = parse_document(data, source)
        parsed.trailing_newline = raw.endswith(b"\n")
        self._cache = _Cached(signature, source, parsed, zlib.crc32(raw))
        return parsed

    def _read_verified(self) -> TaskFile:
        """Like :meth:`read`, but a cache hit is confirmed against the file's bytes.

        The (mtime, size, inode) signature can in theory repeat when another process rewrites the file twice
        within the filesystem's timestamp granularity at the same size and a recycled inode; a write must never
        build on a stale copy, so it pays one read and CRC of the file (~20 ms at 57 MB) instead of trusting it.
        """
        document = self.read()
        cached = self._cache
        if cached is not None and cached.file is document:
            raw = cached.path.read_bytes()
            if zlib.crc32(raw) != cached.crc:
                self._cache = None
                return self.read()
        return document

    @contextlib.contextmanager
    def mutate(self) -> Iterator[TaskFile]:
        """Lock, yield the live document, then write it atomically; on any exception write nothing."""
        self.require_initialized()
        with project_lock(self.paths.taskmaster):
            document = self._read_verified()
            try:
                yield document
            except NoChange:
                return
            except BaseException:
                self._cache = None
                raise
            document.migrate_legacy()  # the first write of a legacy file turns it into the tagged format
            document.changed()
            target = self.paths.tasks_file
            encoded = dumps_bytes(document.data, trailing_newline=document.trailing_newline)
            write_atomic(target, encoded)
            st = target.stat()
            document.exists = True
            self._cache = _Cached((st.st_mtime_ns, st.st_size, st.st_ino), target, document, zlib.crc32(encoded))

    def require_initialized(self) -> None:
        """Raise NotFound unless the project has a ``.taskmaster`` directory."""
        if not self.paths.taskmaster.is_dir():
            raise NotFound(
                f"No .taskmaster directory in {self.paths.root}. Call initialize_project (or run "
                "`taskmaster-mcp init`) to create one, or pass the right projectRoot."
            )

    # --- state.json -------------------------------------------------------------------------------------------

    def read_state(self) -> dict[str, Any]:
        """state.json as a dict (empty when absent). A corrupt file raises StoreError."""
        if not self.paths.state_file.is_file():
            return {}
        data, _ = load_json(self.paths.state_file)
        return data if isinstance(data, dict) else {}  # pyright: ignore[reportUnknownVariableType]

    def current_tag(self, default_tag: str | None = None) -> str:
        """``state.currentTag``, else the config's ``defaultTag``, else ``master``."""
        current = self.read_state().get("currentTag")
        if isinstance(current, str) and current:
            return current
        return default_tag or DEFAULT_TAG

    def update_state(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``change`` to state.json under the lock and write it atomically."""
        with project_lock(self.paths.taskmaster):
            state = self.read_state()
            trailing = self.paths.state_file.is_file() and self.paths.state_file.read_bytes().endswith(b"\n")
            change(state)
            write_atomic(self.paths.state_file, dumps(state, trailing_newline=trailing))
