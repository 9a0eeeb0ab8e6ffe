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
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskmaster_mcp.errors import NotFound, StoreError
from taskmaster_mcp.store.files import dumps, dumps_bytes, load_json, project_lock, write_atomic
from taskmaster_mcp.store.guard import hold
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.tmlock import taskmaster_lock
from taskmaster_mcp.tasks.document import DEFAULT_TAG, TaskFile, now_iso, parse_document

TORN_READ_WAIT_SECONDS = 2.0


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
        """The current document, re-parsed only if the file changed on disk since the last read.

        The project's guard (:mod:`taskmaster_mcp.store.guard`) is held from here to the end of the call (or of the
        event loop's step), so no other thread of this server changes the document while the caller uses it.
        """
        hold(str(self.paths.taskmaster))
        source = self._source()
        if source is None:
            self._cache = None
            return TaskFile(data={}, exists=False)
        st = source.stat()
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._cache is not None and self._cache.path == source and self._cache.signature == signature:
            return self._cache.file
        try:
            data, raw = load_json(source)
        except StoreError as first:
            # Task Master's scripts write tasks.json in place while holding its lock: a read in the middle sees a
            # torn file. Read once more after its lock is free; a file still broken then is really broken.
            try:
                with taskmaster_lock(source, wait=TORN_READ_WAIT_SECONDS):
                    data, raw = load_json(source)
            except OSError:  # a read-only folder: no lock can be taken, so the first answer stands
                raise first from None
            st = source.stat()
            signature = (st.st_mtime_ns, st.st_size, st.st_ino)
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
    def mutate(self) -> Generator[TaskFile]:
        """Lock, yield the live document, then write it atomically; on any exception write nothing."""
        self.require_initialized()
        with project_lock(self.paths.taskmaster), taskmaster_lock(self.paths.tasks_file):
            document = self._read_verified()
            try:
                yield document
            except NoChange:
                return
            except BaseException:
                self._cache = None
                raise
            try:
                document.migrate_legacy()  # the first write of a legacy file turns it into the tagged format
                document.changed()
                target = self.paths.tasks_file
                encoded = dumps_bytes(document.data, trailing_newline=document.trailing_newline)
                write_atomic(target, encoded, sweep=True)
                st = target.stat()
            except BaseException:  # the file was not written: the changed copy must never be read or saved
                self._cache = None
                raise
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
            write_atomic(self.paths.state_file, dumps(state, trailing_newline=trailing), sweep=True)

    def use_tag(self, name: str) -> TaskFile:
        """Make ``name`` the current tag (it must exist once the file has tags); return the document read."""
        self.require_initialized()
        doc = self.read()
        if doc.exists and not doc.has_tag(name):
            raise NotFound(f"Tag '{name}' does not exist. Existing: {', '.join(doc.tags())}. Create it with add_tag.")
        self.update_state(lambda state: state.update(currentTag=name, lastSwitched=now_iso()))
        return doc

    def follow_tag_change(self, old: str, new: str | None) -> None:
        """Keep state.json's current tag valid after ``old`` was renamed to ``new``, or deleted (``new`` None: back
        to master)."""
        if self.current_tag() == old:
            if new is None:
                self.update_state(lambda state: state.update(currentTag=DEFAULT_TAG, lastSwitched=now_iso()))
            else:
                self.update_state(lambda state: state.update(currentTag=new))
