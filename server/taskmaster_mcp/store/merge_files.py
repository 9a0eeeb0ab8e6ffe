"""The files of a tasks.json merge: git's merge driver (``%O %A %B %P``), conflict-marker repair, and the report.

The rules are :func:`taskmaster_mcp.tasks.merge.merge_documents`; this module reads the three versions, checks each
is a tasks document (a broken one is refused with nothing written), writes the result over ``%A`` atomically in Task
Master's format, and lists true conflicts in ``.taskmaster/reports/merge-conflicts.json``. Git stops the merge when
the driver exits non-zero, so the person decides; the file it leaves is always valid JSON, never conflict markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, cast

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.files import dumps, load_json, write_atomic
from taskmaster_mcp.tasks.document import TaskFile, now_iso, parse_document
from taskmaster_mcp.tasks.merge import MergeResult, merge_documents
from taskmaster_mcp.tasks.merge_refs import unique_ids

REPORT_NAME = "merge-conflicts.json"
_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: |$)")
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
    result = merge_documents(base.data, ours.data, theirs.data, legacy=(base.legacy, ours.legacy, theirs.legacy))
    return result, dumps(result.data, trailing_newline=trailing_newline)


def _write_report(report: Path, repo_path: str, result: MergeResult) -> Path:
    document = {
        "file": repo_path,
        "generatedAt": now_iso(),
        "conflicts": [c.as_json() for c in result.conflicts],
        "renumbered": [{"tag": tag, "from": old, "to": new} for tag, old, new in result.renumbered],
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
    write_atomic(ours, text)
    report = _write_report(report_path(root, repo_path), repo_path, result) if result.conflicts else None
    return Outcome(result, report)


def split_conflicts(text: str) -> tuple[str, str, str | None, str]:
    """The ours, theirs and base texts of a file with git conflict markers, and the common text.

    The base is None when no hunk has a diff3 ``|||||||`` section; the common text is every line outside the hunks.
    Raises StoreError for markers that do not nest as git writes them.
    """
    sides: dict[str, list[str]] = {"ours": [], "theirs": [], "base": [], "common": []}
    state = "common"
    diff3 = False
    for line in text.splitlines(keepends=True):
        mark = _MARKER.match(line)
        kind = mark.group(1)[0] if mark else None
        if kind == "<" and state == "common":
            state = "ours"
        elif kind == "|" and state == "ours":
            state, diff3 = "base", True
        elif kind == "=" and state in ("ours", "base"):
            state = "theirs"
        elif kind == ">" and state == "theirs":
            state = "common"
        elif kind is not None:
            raise StoreError(f"Unbalanced conflict marker {line.strip()[:20]!r}; fix the markers by hand.")
        elif state == "common":
            for side in sides.values():
                side.append(line)
        else:
            sides[state].append(line)
    if state != "common":
        raise StoreError("A conflict hunk has no closing >>>>>>> marker; fix the markers by hand.")
    join = "".join
    return join(sides["ours"]), join(sides["theirs"]), join(sides["base"]) if diff3 else None, join(sides["common"])


def _common_base(common: str, ours: TaskFile, theirs: TaskFile, path: Path) -> TaskFile:
    """The base of a two-way conflict file: its common lines when they parse as a tasks document (a dangling comma
    left by a removed hunk is dropped), else the values both sides agree on."""
    try:
        return _parse_text(_TRAILING_COMMA.sub(r"\1", common), path, "common")
    except StoreError:
        return TaskFile(data=_agreed(ours.data, theirs.data))


def _agreed(ours: Any, theirs: Any) -> Any:
    """What two versions agree on, object key by key and task list by id (a value they disagree on is left out)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        mine, other = cast(dict[str, Any], ours), cast(dict[str, Any], theirs)
        return {k: _agreed(v, other[k]) for k, v in mine.items() if k in other}
    if isinstance(ours, list) and isinstance(theirs, list):
        mine_items, other_items = cast(list[Any], ours), cast(list[Any], theirs)
        if all(isinstance(i, dict) and "id" in i for i in [*mine_items, *other_items]):
            by_id = {str(i["id"]): i for i in other_items}
            return [_agreed(i, by_id[str(i["id"])]) for i in mine_items if str(i["id"]) in by_id]
    return _if_equal(ours, theirs)


def _if_equal(ours: Any, theirs: Any) -> Any:
    return ours if type(ours) is type(theirs) and ours == theirs else None


def fix_conflicts(file: Path, root: Path, repo_path: str) -> Outcome:
    """Rewrite a tasks.json holding git conflict markers as the merge of its two sides; StoreError (file untouched)
    when it has no markers or a side is not a tasks document."""
    raw = file.read_text(encoding="utf-8")
    ours_text, theirs_text, base_text, common = split_conflicts(raw)
    if ours_text == theirs_text == common and base_text is None:
        raise StoreError(f"{file} has no conflict markers; nothing to fix.")
    ours = _parse_text(ours_text, file, "ours")
    theirs = _parse_text(theirs_text, file, "theirs")
    base = _parse_text(base_text, file, "base") if base_text is not None else _common_base(common, ours, theirs, file)
    result = merge_documents(base.data, ours.data, theirs.data, legacy=(base.legacy, ours.legacy, theirs.legacy))
    result.renumbered += unique_ids(result.data)
    write_atomic(file, dumps(result.data, trailing_newline=raw.endswith("\n")))
    report = _write_report(report_path(root, repo_path), repo_path, result) if result.conflicts else None
    return Outcome(result, report)
