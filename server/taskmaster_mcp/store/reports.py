"""The complexity report (``.taskmaster/reports/task-complexity-report[_<tag>].json``): its one reader and its one
merging writer.

Task Master's shape is ``{"meta": {...}, "complexityAnalysis": [{"taskId", "taskTitle", "complexityScore",
"recommendedSubtasks", "expansionPrompt", "reasoning"}, ...]}``. Every other key and every unknown entry field is
carried over untouched by a merge.

- :func:`read_report` is strict: a file that is not JSON, or has no ``complexityAnalysis`` list, raises StoreError
  naming the file (the report tool and analysis must not build on it).
- :func:`scores_by_task` is lenient: a missing or broken report only means "no recommendations" (next_task and
  expand_task work without one), and a broken one is logged.
- :func:`merge_report` replaces re-analysed tasks in place, keeps the others, appends new ones, and writes the file
  atomically under the project lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.files import dumps, load_json, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.tasks.model import key

log = logging.getLogger("taskmaster_mcp")

ENTRIES = "complexityAnalysis"


@dataclass(frozen=True)
class ComplexityReport:
    """A parsed report: the whole document, and its entries (objects only)."""

    path: Path
    data: dict[str, Any]

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The analysis entries that are objects, in file order."""
        raw = cast(list[Any], self.data.get(ENTRIES, []))
        return [cast(dict[str, Any], e) for e in raw if isinstance(e, dict)]

    @property
    def meta(self) -> dict[str, Any]:
        """The ``meta`` object (empty when absent or not an object)."""
        meta = self.data.get("meta")
        return cast(dict[str, Any], meta) if isinstance(meta, dict) else {}

    def by_task(self) -> dict[str, dict[str, Any]]:
        """Entries keyed by task id text (the first entry of an id wins)."""
        found: dict[str, dict[str, Any]] = {}
        for entry in self.entries:
            found.setdefault(key(entry.get("taskId")), entry)
        return found


def read_report(path: Path) -> ComplexityReport | None:
    """The report at ``path``; None when there is no file; StoreError when it is not a readable report."""
    if not path.is_file():
        return None
    data, _ = load_json(path)
    if not isinstance(data, dict) or not isinstance(cast(dict[str, Any], data).get(ENTRIES, []), list):
        raise StoreError(
            f"{path} is not a complexity report (no {ENTRIES} list). Move it away and run "
            "analyze_project_complexity again."
        )
    return ComplexityReport(path, cast(dict[str, Any], data))


def scores_by_task(paths: Paths, tag: str) -> dict[str, dict[str, Any]]:
    """The tag's report entries by task id; empty when there is no report or it cannot be read (logged)."""
    try:
        report = read_report(paths.complexity_report(tag))
    except StoreError as err:
        log.warning("ignoring the complexity report: %s", err)
        return {}
    return report.by_task() if report is not None else {}


def merge_report(
    paths: Paths, tag: str, entries: dict[int, dict[str, Any]], meta: dict[str, Any], path: Path | None = None
) -> Path:
    """Merge fresh ``entries`` (by task id) into the tag's report (or the report at ``path``), with ``meta``
    describing this run.

    ``meta["analysisCount"]`` is set (in its place, when ``meta`` has the key) to the merged entry count.
    Returns the report's path.
    """
    path = path or paths.complexity_report(tag)
    with project_lock(paths.taskmaster):
        existing = read_report(path)
        data = existing.data if existing is not None else {}
        merged: list[Any] = []
        fresh = dict(entries)
        for old in cast(list[Any], data.get(ENTRIES, [])):
            tid = key(cast(dict[str, Any], old).get("taskId")) if isinstance(old, dict) else None
            merged.append(fresh.pop(int(tid)) if tid is not None and tid.isdigit() and int(tid) in fresh else old)
        merged += fresh.values()
        report = {
            "meta": {**meta, "analysisCount": len(merged)},
            ENTRIES: merged,
            **{k: v for k, v in data.items() if k not in ("meta", ENTRIES)},
        }
        trailing = path.is_file() and path.read_bytes().endswith(b"\n")
        write_atomic(path, dumps(report, trailing_newline=trailing), sweep=True)
    return path


def complexity_of(paths: Paths, tag: str, task: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """``complexityScore`` and ``recommendedSubtasks`` of a task from the tag's report (or the report at ``path``);
    empty when the report has no entry for it or cannot be read."""
    if path is None:
        entry = scores_by_task(paths, tag).get(key(task.get("id")))
    else:
        try:
            report = read_report(path)
        except StoreError as err:
            log.warning("ignoring the complexity report: %s", err)
            report = None
        entry = report.by_task().get(key(task.get("id"))) if report is not None else None
    if entry is None:
        return {}
    return {"complexityScore": entry.get("complexityScore"), "recommendedSubtasks": entry.get("recommendedSubtasks")}
