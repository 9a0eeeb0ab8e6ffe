"""How the AI commands show their results: everything the tool returned, for a person.

``review`` shows the verdict, score, findings, unmet requirements, the follow-ups and what ``--apply`` changed;
``parse-prd`` its notes ("asked for 4, got 3", duplicate titles); ``analyze-complexity`` each score; ``expand --all``
each task with its count or its reason. Lines go through ``out.print(..., markup=False)``: the text is the model's
and the tasks' (already made terminal-safe by ``cli.main``), so brackets in it print as they are. No rich import
here: the console is handed in.
"""

from __future__ import annotations

import argparse
from typing import Any, cast

from taskmaster_mcp.cli.spec import Extra

VERDICT_STYLE = {"approve": "green", "changes_requested": "yellow", "incomplete": "red"}


def _say(out: Any, text: str, style: str | None = None) -> None:
    out.print(text, markup=False, style=style, soft_wrap=True)


def _list(value: object) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _reasons(out: Any, title: str, rows: object) -> None:
    """``title: N`` then one ``id: reason`` line each (skipped or failed items)."""
    items = [_dict(r) for r in _list(rows)]
    if items:
        _say(out, f"{title}: {len(items)}")
        for item in items:
            _say(out, f"  {item.get('id', '?')}: {item.get('reason', '(no reason given)')}")


def _notes(out: Any, notes: object) -> None:
    for note in _list(notes):
        _say(out, f"note: {note}")


def _tasks(out: Any, rows: object, indent: str = "  ") -> None:
    for row in (_dict(r) for r in _list(rows)):
        deps = ",".join(str(d) for d in _list(row.get("dependencies")))
        line = f"{indent}{row.get('id', '?')}  {row.get('title', '')}"
        if row.get("priority"):
            line += f"  [{row['priority']}]"
        _say(out, line + (f"  <- {deps}" if deps else ""))


def _critique(out: Any, data: dict[str, Any]) -> None:
    block = _dict(data.get("critique"))
    if not block:
        return
    for finding in (_dict(f) for f in _list(block.get("findings"))):
        _say(out, f"  critique [{finding.get('severity')}] {finding.get('kind')}: {finding.get('message')}")
    _say(out, f"critique by {block.get('role')}: {'revised' if block.get('revised') else 'not revised'}")
    _notes(out, block.get("notes"))


def _dropped(out: Any, data: dict[str, Any]) -> None:
    dropped = data.get("droppedDependencies")
    if dropped:
        _say(out, f"{dropped} dependency(ies) the model named were dropped (no such task, or a cycle).")


def render_plan(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``parse-prd``: the tasks written, what they replaced, and the tool's notes."""
    created = _list(data.get("created"))
    parts = data.get("parts") or 1
    replaced = f", replacing {data['replaced']}" if data.get("replaced") else ""
    split = f" (the PRD was read in {parts} parts)" if parts > 1 else ""
    _say(out, f"Created {len(created)} task(s) in tag {data.get('tag')}{replaced}{split}.")
    _tasks(out, created)
    _dropped(out, data)
    _notes(out, data.get("notes"))
    _critique(out, data)


def render_expand(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``expand ID`` (the subtasks written) or ``expand --all`` (each task's count, or why not)."""
    if "expanded" in data:
        _say(out, str(data.get("message", "")))
        for row in (_dict(r) for r in _list(data.get("expanded"))):
            _say(out, f"  {row.get('id')}: {row.get('subtasks')} subtask(s)")
        _reasons(out, "skipped", data.get("skipped"))
        _reasons(out, "failed", data.get("failed"))
        remaining = _list(data.get("remaining"))
        if remaining:
            _say(out, f"left for the next run: {', '.join(str(r) for r in remaining)} (run the command again)")
        return
    created = _list(data.get("created"))
    _say(out, f"Task {data.get('id')}: {len(created)} subtask(s) written.")
    _tasks(out, created)
    removed = _list(data.get("removed"))
    if removed:
        _say(out, f"replaced: {', '.join(str(r) for r in removed)}")
    _dropped(out, data)
    _critique(out, data)


def render_analyze(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``analyze-complexity``: the verdict, each score (highest first), failures with reasons, the report."""
    _say(out, str(data.get("message", "")))
    top = [_dict(r) for r in _list(data.get("top"))]
    above = {str(i) for i in _list(data.get("aboveThreshold"))}
    if top:
        _say(out, "  id  score  subtasks")
        for row in top:
            mark = "  (expand)" if str(row.get("id")) in above else ""
            _say(out, f"  {row.get('id')!s:>2}  {row.get('score')!s:>5}  {row.get('subtasks')!s:>8}{mark}")
    if data.get("skipped"):
        _say(out, f"skipped: {data['skipped']} task(s) already done or cancelled")
    _reasons(out, "failed", data.get("failed"))
    if data.get("reportPath"):
        _say(out, f"report: {data['reportPath']}")


def render_review(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``review``: verdict and score, the summary, findings, unmet requirements, follow-ups, the panel, what was
    reviewed, and what ``--apply`` changed (or that nothing was)."""
    verdict = str(data.get("verdict", ""))
    _say(out, f"Review of {data.get('id')}: {verdict}, score {data.get('score')}/100", VERDICT_STYLE.get(verdict))
    if data.get("summary"):
        _say(out, str(data["summary"]))
    findings = [_dict(f) for f in _list(data.get("findings"))]
    if findings:
        _say(out, f"findings ({len(findings)}):")
        for f in findings:
            where = f.get("file") or ""
            if where and f.get("line") is not None:
                where += f":{f['line']}"
            _say(out, f"  [{f.get('severity')}] {where + ' ' if where else ''}{f.get('message')}")
    unmet = _list(data.get("unmetRequirements"))
    if unmet:
        _say(out, f"unmet requirements ({len(unmet)}):")
        for item in unmet:
            _say(out, f"  - {item}")
    follow = [_dict(f) for f in _list(data.get("followUpSubtasks"))]
    if follow:
        _say(out, "follow-up subtasks:")
        for f in follow:
            _say(out, f"  - {f.get('title')}: {f.get('description', '')}")
    for dropped in _list(data.get("droppedFollowUps")):
        _say(out, f"  follow-up not added: {dropped}")
    for opinion in (_dict(o) for o in _list(data.get("opinions"))):
        view = (
            opinion.get("error") or f"{opinion.get('verdict')}, {opinion.get('score')}/100 {opinion.get('summary', '')}"
        )
        _say(out, f"opinion of {opinion.get('model')}: {view}")
    consensus = _dict(data.get("consensus"))
    if consensus:
        reasons = "".join(f"; {r}" for r in _list(consensus.get("reasons")))
        _say(out, f"consensus: {consensus.get('outcome')} (score spread {consensus.get('spread')}){reasons}")
    if data.get("agreement") is False:
        _say(out, "the two opinions disagree; the merged review is shown")
    _diff(out, _dict(data.get("diff")))
    applied = _dict(data.get("applied"))
    if applied:
        added = _list(applied.get("addedSubtasks"))
        parts = [f"status of {data.get('id')} set to {applied.get('status')}"]
        if added:
            parts.append(f"added subtasks {', '.join(str(a) for a in added)}")
        if applied.get("note"):
            parts.append("the review appended to its details")
        _say(out, "applied: " + "; ".join(parts) + ".")
    else:
        _say(out, "Nothing was changed (--apply sets the status, adds the follow-ups and a note).")


def _diff(out: Any, diff: dict[str, Any]) -> None:
    files = _list(diff.get("files"))
    _say(out, f"reviewed: {len(files)} file(s) changed against {diff.get('base', 'HEAD')}")
    for name, label in (
        ("untracked", "new (untracked) files"),
        ("cut", "cut to fit the prompt"),
        ("omitted", "left out (too large)"),
        ("excluded", "never sent (private files)"),
    ):
        listed = _list(diff.get(name))
        if listed:
            _say(out, f"  {label}: {', '.join(str(x) for x in listed)}")


def render_research(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``research``: the answer, the context it was given, and where it was saved."""
    _say(out, str(data.get("findings", "")))
    if data.get("findingsCut"):
        _say(out, "note: the answer was cut at the model's output limit")
    context = _list(data.get("context"))
    if context:
        _say(out, f"context: {', '.join(str(c) for c in context)}")
    auto = _list(data.get("autoTasks"))
    if auto:
        _say(out, f"tasks found relevant and included: {', '.join(str(t) for t in auto)}")
    if data.get("savedTo"):
        _say(out, f"saved to task {data['savedTo']} (a dated note)")
    if data.get("savedFile"):
        _say(out, f"saved to {data['savedFile']}")
    if extra.get("savedTo"):
        _say(out, f"written to {extra['savedTo']}")


def render_edit(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """``update``, ``update-task``, ``update-subtask``, ``scope-up/down``, ``add-task``: what changed, what was left
    alone and why, follow-ups."""
    from taskmaster_mcp.cli.views import task_detail

    if data.get("message"):
        _say(out, str(data["message"]))
    for name in ("updated", "unchanged"):
        values = _list(data.get(name))
        if values:
            _say(out, f"{name}: {', '.join(str(v) for v in values)}")
    changed = _list(data.get("changed"))
    if changed and all(isinstance(c, dict) for c in changed):
        _tasks(out, changed)
    elif changed and not data.get("message"):
        _say(out, f"changed: {', '.join(str(c) for c in changed)}")
    skipped = data.get("skipped")
    if skipped and all(isinstance(s, dict) for s in _list(skipped)):
        _reasons(out, "skipped", skipped)
    elif skipped:
        _say(out, f"skipped: {', '.join(str(s) for s in _list(skipped))}")
    _reasons(out, "failed", data.get("failed"))
    if isinstance(data.get("task"), dict):
        task_detail(out, data["task"])
    added = _list(data.get("addedDependencies"))
    if added:
        _say(out, f"dependencies the model added: {', '.join(str(a) for a in added)}")
    following = _dict(data.get("next"))
    if following:
        _say(out, f"next: {following.get('id')}  {following.get('title', '')}")
    follow = _list(data.get("followUps"))
    if follow:
        _say(out, f"follow-ups: {', '.join(str(f) for f in follow)}")
    _critique(out, data)
