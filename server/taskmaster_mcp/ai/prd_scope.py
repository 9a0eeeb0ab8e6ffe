"""A PRD's scope (its stack, constraints and out-of-scope lines), taken once and carried with the work planned from it.

Decisions:

- **Deterministic first.** Sections whose heading names them (``## Out of scope``, ``## Non-goals``, ``## Tech
  stack``, ``## Constraints``, ...) and labelled lines (``Stack (fixed): Python 3.12, ...``, ``Out of scope: ...``)
  are read as written, without a model. Where nothing marks them, a PRD planned in one call is asked for its scope
  in that same answer (``TaskPlan.scope``: no extra call); a PRD split into parts costs one small model call first
  (:data:`~taskmaster_mcp.ai.prompts.plan.PRD_SCOPE`; the response cache answers a repeat for free), because
  every part needs it. A failed scope call costs the plan nothing: it goes on without a scope and says so.
- **Bounded**: at most :data:`SCOPE_CHARS` characters, each line cut at :data:`LINE_CHARS`.
- **It travels.** parse_prd sends the scope with every part of a split PRD, and records it on every task it writes,
  in the task's ``metadata`` (which Task Master keeps): ``metadata.prd = {"source": ..., "scope": ...}``. This one
  key of ``metadata`` is ours; the rest stays user-owned and is never sent to a model. expand_task, update_task and
  add_task read it back (:func:`task_scope`) and send it with the task.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, cast

from taskmaster_mcp.ai.context import AIContext, ask
from taskmaster_mcp.ai.prompts import plan
from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.models.router import Usage

SCOPE_CHARS = 1_500
LINE_CHARS = 300
METADATA_KEY = "prd"
KINDS = {
    "Stack": ("tech stack", "technology stack", "stack", "technologies", "technology", "tooling"),
    "Constraints": ("constraints", "constraint", "non-functional requirements", "non-functional", "limits"),
    "Out of scope": (
        "out of scope",
        "out-of-scope",
        "non-goals",
        "non goals",
        "not in scope",
        "exclusions",
        "excluded",
        "later",
        "future work",
    ),
}
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$|^\s*\*\*(.+?)\*\*:?\s*$|^([A-Z][\w /()-]{2,40}):\s*$")
_LABEL = re.compile(
    r"\b(tech stack|technology stack|stack|constraints|out of scope|out-of-scope|non-goals)\s*(\([^)]{0,30}\))?\s*:\s*",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _kind(title: str) -> str | None:
    words = " ".join(re.sub(r"[^a-z -]", " ", title.lower()).split())
    for kind, names in KINDS.items():
        if any(words == n or words.startswith(n + " ") or words.endswith(" " + n) for n in names):
            return kind
    return None


def _line(text: str) -> str:
    text = " ".join(_ITEM.sub("", text).split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 2] + " …"


def extract(prd: str) -> dict[str, list[str]]:
    """The scope lines that headings or labels mark in ``prd``, by kind (``Stack``, ``Constraints``, ``Out of
    scope``); empty when nothing marks them."""
    found: dict[str, list[str]] = {}
    section: str | None = None
    lines = prd.splitlines()
    for number, raw in enumerate(lines):
        heading = _HEADING.match(raw)
        if heading:
            section = _kind(next(g for g in heading.groups()[1:] if g))
            continue
        if section is not None:
            if raw.strip():
                found.setdefault(section, []).append(_line(raw))
            continue
        label = _LABEL.search(raw)
        if label is None:
            continue
        kind = _kind(label.group(1))
        rest = [raw[label.end() :]]
        for follow in lines[number + 1 :]:  # the labelled sentence runs to the end of its paragraph
            if not follow.strip() or _HEADING.match(follow) or _ITEM.match(follow):
                break
            rest.append(follow)
        if kind is not None and " ".join(rest).strip():
            found.setdefault(kind, []).append(_line(" ".join(rest)))
    return found


def render(found: dict[str, list[str]]) -> str | None:
    """The scope as prompt text (``Stack: ...`` lines, then constraints, then out of scope), bounded; None when
    empty."""
    out: list[str] = []
    used = 0
    for kind in KINDS:
        for line in dict.fromkeys(found.get(kind, [])):
            entry = f"{kind}: {line}"
            if used + len(entry) + 1 > SCOPE_CHARS:
                break
            out.append(entry)
            used += len(entry) + 1
    return "\n".join(out) or None


def answered(scope: plan.PrdScope | None) -> str | None:
    """The scope a model gave (the scope step's answer, or parse_prd's own ``scope`` field) as prompt text."""
    if scope is None:
        return None
    return render({"Stack": scope.stack, "Constraints": scope.constraints, "Out of scope": scope.outOfScope})


async def prd_scope(ai: AIContext, prd: str, usages: list[Usage], notes: list[str]) -> str | None:
    """The scope of a PRD split into parts: from its headings and labels, else from one small model call (its
    usage goes into ``usages``; a failure is a note, never the plan's failure)."""
    marked = render(extract(prd))
    if marked is not None:
        return marked
    try:
        answer, usage = await ask(ai, plan.PRD_SCOPE, plan.prd_scope_prompt(prd), plan.PrdScope, command="parse_prd")
    except TaskmasterError as err:
        notes.append(f"The PRD's scope could not be read ({str(err)[:200]}); tasks were planned without it.")
        return None
    usages.append(usage)
    return answered(answer)


def source_of(prd: str, path: str | None = None) -> str:
    """How a task records the PRD it came from: the file's path when known, else a digest of the text."""
    return path or f"prd sha256:{hashlib.sha256(prd.encode('utf-8')).hexdigest()[:12]}"


def record(task: dict[str, Any], source: str, scope: str | None) -> None:
    """Note on ``task`` (in ``metadata.prd``) which PRD it came from and that PRD's scope."""
    meta: object = task.get("metadata")
    if not isinstance(meta, dict):
        meta = task["metadata"] = {}
    entry: dict[str, str] = {"source": source}
    if scope:
        entry["scope"] = scope
    cast(dict[str, Any], meta)[METADATA_KEY] = entry


def task_origin(*tasks: dict[str, Any] | None) -> tuple[str, str] | None:
    """``(source, scope)`` recorded on the first of ``tasks`` that carries a PRD scope (a subtask's parent, related
    tasks), or None."""
    for task in tasks:
        meta: object = task.get("metadata") if task is not None else None
        if not isinstance(meta, dict):
            continue
        entry: object = cast(dict[str, Any], meta).get(METADATA_KEY)
        if isinstance(entry, dict):
            found = cast(dict[str, Any], entry)
            scope, source = found.get("scope"), found.get("source")
            if isinstance(scope, str) and scope.strip():
                return (source if isinstance(source, str) else "", scope.strip()[:SCOPE_CHARS])
    return None


def task_scope(*tasks: dict[str, Any] | None) -> str | None:
    """The recorded PRD scope of the first of ``tasks`` that has one."""
    origin = task_origin(*tasks)
    return origin[1] if origin is not None else None
