"""The files of a tasks.json merge: git's merge driver (``%O %A %B %P``), conflict-marker repair, and the report.

The rules are :func:`taskmaster_mcp.tasks.merge.merge_documents`; this module reads the three versions, checks each
is a tasks document (a broken one is refused with nothing written), writes the result over ``%A`` atomically in Task
Master's format, and lists true conflicts in ``.taskmaster/reports/merge-conflicts.json``. Git stops the merge when
the driver exits non-zero, so the person decides; the file it leaves is always valid JSON, never conflict markers.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.files import dumps, load_json, project_lock, write_atomic
from taskmaster_mcp.store.merge_git import unmerged_stages
from taskmaster_mcp.store.tmlock import taskmaster_lock
from taskmaster_mcp.tasks.document import TaskFile, now_iso, parse_document
from taskmaster_mcp.tasks.merge import MergeResult, merge_documents
from taskmaster_mcp.tasks.merge_identity import lost_tasks
from taskmaster_mcp.tasks.merge_markers import Split, split_conflicts, unsure_base
from taskmaster_mcp.tasks.merge_refs import unique_ids

REPORT_NAME = "merge-conflicts.json"
_TRAILING_COMMA = re.compile(r",(\n\s*[}\]])")  # JSON strings hold no raw newline, so this never edits a string


@dataclass
class Outcome:
    """What a merge did: the merged result and the report file written (None without conflicts)."""

    result: MergeResult
    report: Path | None


def report_path(root: Path, repo_path: str) -> Path:
    """Where the conflicts report goes: ``reports/`` next to the ``tasks/`` folder of ``repo_path`` (git's ``%P``,
    relative to ``root``), else the project's ``.taskmaster/reports/``."""
    rel = PurePosixPath(repo_path.replace("\\", "/"))
    if rel.parent.name == "tasks" and rel.parent.parent.name == ".taskmaster":
        return root / Path(*rel.parent.parent.parts) / "reports" / REPORT_NAME
    return root / ".taskmaster" / "reports" / REPORT_NAME


def safe_report_path(root: Path, repo_path: str) -> Path:
    """:func:`report_path`, checked: its folder must resolve inside ``root``, so a symlinked ``.taskmaster`` or
    ``reports`` folder never leads the report out of the repository (a symlink at the report's own name is replaced,
    never written through). StoreError otherwise, before anything is written."""
    path = report_path(root, repo_path)
    inside = Path(os.path.realpath(root))
    folder = Path(os.path.realpath(path.parent))
    if folder != inside and inside not in folder.parents:
        raise StoreError(
            f"The conflict report's folder {path.parent} leads outside the repository (to {folder}) through a "
            "symlink; nothing was written. Remove the symlink, then retry."
        )
    return path


def _document(path: Path, label: str) -> TaskFile:
    if label == "The ancestor" and not path.read_bytes().strip():
        return TaskFile(data={})  # git's %O for a file both branches added: empty, so everything is an addition
    try:
        data, _raw = load_json(path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"{label} version of {path} is not valid JSON ({exc}); it was not merged.") from exc
    return parse_document(data, path)


def _parse_text(text: str, path: Path, label: str) -> TaskFile:
    try:
        import orjson

        data: Any = orjson.loads(text)
    except ValueError as exc:
        raise StoreError(f"The {label} side of {path} is not valid JSON ({exc}); nothing was written.") from exc
    return parse_document(data, path)


def _merge(base: TaskFile, ours: TaskFile, theirs: TaskFile, *, trailing_newline: bool) -> tuple[MergeResult, str]:
    """The merge and its text; StoreError, before anything is written, if a task either side added or changed is
    missing from it (a last check: the rules are meant never to drop one)."""
    result = merge_documents(base.data, ours.data, theirs.data, legacy=(base.legacy, ours.legacy, theirs.legacy))
    kept = {(c.tag, c.task) for c in result.conflicts if c.field == "title" and c.subtask is None and c.task}
    b, o, t = (_tagged(d.data, d.legacy) for d in (base, ours, theirs))
    lost = lost_tasks(b, o, t, result.data, kept)
    if lost:
        raise StoreError(
            f"The merge would drop {', '.join(lost[:5])}; nothing was written. This is a bug in taskmaster-mcp: "
            "resolve the file by hand and report it."
        )
    return result, dumps(result.data, trailing_newline=trailing_newline)


def _write_report(report: Path, repo_path: str, result: MergeResult) -> Path:
    document = {
        "file": repo_path,
        "generatedAt": now_iso(),
        "conflicts": [c.as_json() for c in result.conflicts],
        "renumbered": [{"tag": tag, "from": old, "to": new} for tag, old, new in result.renumbered],
        "droppedClaims": [d.as_json() for d in result.dropped_claims],
        "howToResolve": "Ours was kept for each conflict. Edit tasks.json to the value you want, then "
        "`git add` it and continue the merge (or rebase).",
    }
    write_atomic(report, dumps(document, trailing_newline=True))
    return report


def merge_driver(base: Path, ours: Path, theirs: Path, repo_path: str, root: Path) -> Outcome:
    """Merge ``theirs`` into ``ours`` (written in place) with ``base`` as the ancestor; StoreError, with ``ours``
    untouched, when any version is not a tasks document."""
    docs = [_document(p, label) for p, label in ((base, "The ancestor"), (ours, "Our"), (theirs, "Their"))]
    raw_ours = ours.read_bytes()
    result, text = _merge(*docs, trailing_newline=raw_ours.endswith(b"\n"))
    report = safe_report_path(root, repo_path) if result.conflicts else None
    write_atomic(ours, text)
    return Outcome(result, _write_report(report, repo_path, result) if report is not None else None)


def _guessed_base(split: Split, ours: TaskFile, theirs: TaskFile, path: Path) -> TaskFile:
    """The base of a file outside a git merge, from its markers: exact with diff3's ``|||||||`` sections, else a
    guess (the common lines, with the base section where there is one) that must decide every task both sides hold
    differently; StoreError, nothing written, when it cannot."""
    text = split.base if split.base is not None else split.common
    try:
        base = _parse_text(_TRAILING_COMMA.sub(r"\1", text), path, "base")
    except StoreError:
        base = None
    if split.exact and base is not None:
        return base
    data = [_tagged(d.data, d.legacy) for d in (base or TaskFile(data={}), ours, theirs)]
    unsure = unsure_base(*data) if base is not None else ["the whole file"]
    if unsure:
        raise StoreError(
            f"{path}: the conflict markers alone cannot tell whether {', '.join(unsure[:5])} "
            f"{'was' if len(unsure) == 1 else 'were'} edited on both branches or added on both under one id "
            "(git's default and zdiff3 styles do not keep the common ancestor). Nothing was written. Run "
            "fix-conflicts while the merge is still in progress, before `git add` (it then reads the three versions "
            "git keeps), or set `git config merge.conflictStyle diff3` before merging, or fix the file by hand."
        )
    return base or TaskFile(data={})


def _tagged(data: dict[str, Any], legacy: bool) -> dict[str, Any]:
    return {"master": data} if legacy else data


def _stage(text: str | None, path: Path, label: str) -> TaskFile:
    if text is None or not text.strip():
        return TaskFile(data={})  # both branches added the file: everything is an addition
    return _parse_text(text, path, label)


@contextlib.contextmanager
def _project_locks(file: Path) -> Generator[None]:
    """Our project lock and Task Master's lock for a tasks file inside a ``.taskmaster/`` folder (a server or Task
    Master writing the file meanwhile would be overwritten); nothing for any other file."""
    folder = file.parent.parent
    if file.parent.name != "tasks" or folder.name != ".taskmaster":
        yield
        return
    with project_lock(folder), taskmaster_lock(file):
        yield


def fix_conflicts(file: Path, root: Path, repo_path: str) -> Outcome:
    """:func:`fix_conflicts_unlocked` under the project's locks."""
    with _project_locks(file):
        return fix_conflicts_unlocked(file, root, repo_path)


def fix_conflicts_unlocked(file: Path, root: Path, repo_path: str) -> Outcome:
    """Rewrite a tasks.json holding git conflict markers as the task-by-task merge of its versions; StoreError, with
    the file untouched, when it has no markers, a version is not a tasks document, or the merge cannot be sure.

    Inside a git merge (the file is unmerged in the index) the three versions come from git's index stages, exact
    whatever the conflict style; outside one they come from the markers (:mod:`taskmaster_mcp.tasks.merge_markers`).
    """
    raw = file.read_text(encoding="utf-8")
    split = split_conflicts(raw)
    if not split.hunks:
        raise StoreError(f"{file} has no conflict markers; nothing to fix.")
    stages = unmerged_stages(file)
    if stages is not None:
        base = _stage(stages.base, file, "ancestor (stage 1)")
        ours = _parse_text(stages.ours, file, "ours (stage 2)")
        theirs = _parse_text(stages.theirs, file, "theirs (stage 3)")
    else:
        ours = _parse_text(split.ours, file, "ours")
        theirs = _parse_text(split.theirs, file, "theirs")
        base = _guessed_base(split, ours, theirs, file)
    result, text = _merge(base, ours, theirs, trailing_newline=raw.endswith("\n"))
    moved = unique_ids(result.data)
    if moved:
        result.renumbered += moved
        text = dumps(result.data, trailing_newline=raw.endswith("\n"))
    report = safe_report_path(root, repo_path) if result.conflicts else None
    write_atomic(file, text)
    return Outcome(result, _write_report(report, repo_path, result) if report is not None else None)
