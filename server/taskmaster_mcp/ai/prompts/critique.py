"""Prompts and output model for the critique loop: a critic role checks a draft plan against its source, and the
author revises it once (see :mod:`taskmaster_mcp.ai.critique`).

The critic sees the source (the PRD part, or the task being expanded and its parent) and the draft exactly as the
author answered it, with the author's own numbering, so that findings name the ids the revision will see. The
revision is asked with the author's system prompt followed by :data:`REVISE_SYSTEM` and the author's own user prompt
followed by the draft and the findings, so it is held to every rule the draft was.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import DATA_RULE, Template, framed

FindingKind = Literal["coverage", "dependency_order", "test_strategy", "duplicate", "other"]
MAX_FINDINGS = 20


class CritiqueFinding(BaseModel):
    """One problem the critic found in the draft; ``taskIds`` are the draft's own ids."""

    kind: FindingKind
    severity: Literal["high", "medium", "low"]
    taskIds: list[int] = []
    message: Annotated[str, Field(min_length=1)]


class CritiqueOut(BaseModel):
    """The critic's answer: findings, most important first (none when the draft is sound)."""

    findings: Annotated[list[CritiqueFinding], Field(max_length=MAX_FINDINGS)] = []


CHECKS = f"""\
Check the draft for, and only for:
- coverage: a requirement of the source that no item delivers, or an item that delivers something the source does
  not ask for or rules out;
- dependency_order: an item that needs the result of another but does not depend on it, or depends on an item
  planned after it, or an order in which foundations do not come first;
- test_strategy: a test strategy that is vague or cannot be checked ("test it works"), or misses what the item
  must prove;
- duplicate: two items doing the same work, or an item repeating work already listed as existing;
- other: anything else that would make a developer stumble (an item far too large or too small, a contradiction).

Report each real problem once, most important first, at most {MAX_FINDINGS}: its kind, a severity (high: the plan
would fail to deliver or would be built in the wrong order; medium: real rework later; low: worth fixing), the ids
of the draft's items concerned, and a message saying what is wrong and what the fix is. Do not report style or
wording. When the draft is sound, answer with no findings: an empty list is a good answer.

{DATA_RULE}"""

CRITIQUE_PLAN_SYSTEM = f"""\
You are a demanding technical lead checking a draft implementation plan, written by someone else from a product
requirements document, before anyone starts work on it. The document is binding.

{CHECKS}"""

CRITIQUE_SUBTASKS_SYSTEM = f"""\
You are a demanding senior engineer checking a draft breakdown of one task into subtasks, written by someone else,
before anyone starts work on it. The subtasks together must deliver the whole task and nothing beyond it.

{CHECKS}"""


def critique_plan_prompt(prd: str, draft: str, existing: str | None) -> str:
    """The critic's user prompt for a parse_prd draft: the PRD (part), the tasks that exist, the draft, then the
    instruction."""
    known = (
        f"\n\nThese tasks already exist; the draft must not repeat them:\n{framed('existing-tasks', existing)}"
        if existing
        else ""
    )
    return f"{framed('prd', prd)}{known}\n\n{framed('draft-plan', draft)}\n\nCheck the draft plan against the document."


def critique_subtasks_prompt(target: str, parent: str | None, draft: str, request: str | None) -> str:
    """The critic's user prompt for an expand_task draft: the task (and parent), the user's request, the draft, then
    the instruction."""
    source = (
        f"{framed('parent', parent)}\n\nThe item split is this subtask of it:\n{framed('subtask', target)}"
        if parent is not None
        else framed("task", target)
    )
    asked = f"\n\nThe user also asked:\n{framed('request', request)}" if request and request.strip() else ""
    return f"{source}{asked}\n\n{framed('draft-subtasks', draft)}\n\nCheck the draft subtasks against the task."


CRITIQUE_PLAN = Template("critique.parse_prd", 2, CRITIQUE_PLAN_SYSTEM, (critique_plan_prompt,))
CRITIQUE_SUBTASKS = Template("critique.expand", 2, CRITIQUE_SUBTASKS_SYSTEM, (critique_subtasks_prompt,))


REVISE_SYSTEM = """\
You wrote the draft below; a reviewer has checked it against the source. Revise it once: fix every finding that
is right, and leave the draft as it is where a finding is wrong (the source does not ask for it). Keep what was
right unchanged, keep your numbering rules, and answer with the complete revised list, every item, not only the
changed ones."""


def finding_lines(findings: list[CritiqueFinding]) -> str:
    """The findings as one line each: ``- [high] coverage (3, 4): message``."""
    return "\n".join(
        f"- [{f.severity}] {f.kind}"
        + (f" ({', '.join(str(i) for i in f.taskIds)})" if f.taskIds else "")
        + f": {f.message}"
        for f in findings
    )


def revise_prompt(prompt: str, draft: str, findings: list[CritiqueFinding]) -> str:
    """The author's own prompt, then the draft it answered and the critic's findings."""
    return (
        f"{prompt}\n\nYour draft:\n{framed('draft', draft)}\n\nThe reviewer's findings:\n"
        f"{framed('findings', finding_lines(findings))}\n\nAnswer with the complete revised list."
    )


REVISE = Template("revise", 2, REVISE_SYSTEM, (revise_prompt, finding_lines))
