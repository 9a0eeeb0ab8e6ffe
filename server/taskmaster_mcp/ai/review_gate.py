"""The review gate of ``autopilot_finalize``: ``review`` of the task branch's changes, judged against
``review.approveScore``, with the note recorded in the task and the message that refuses a failing finalize."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taskmaster_mcp.ai.context import AIContext
from taskmaster_mcp.ai.prompts.review import ReviewOut
from taskmaster_mcp.ai.review import review, review_note
from taskmaster_mcp.store.settings import approve_score
from taskmaster_mcp.tasks import workflow as rules
from taskmaster_mcp.tasks.model import Ref


@dataclass
class Gate:
    """The verdict that gates finalize: approve with a score at or above ``threshold`` passes."""

    verdict: str
    score: int
    threshold: int
    passed: bool
    summary: str
    base: str
    findings: list[dict[str, Any]] = field(default_factory=lambda: [])
    unmetRequirements: list[str] = field(default_factory=lambda: [])


async def run_gate(ai: AIContext, wf: rules.Workflow, base: str) -> tuple[Gate, str]:
    """Review the branch's changes since ``base`` against the task; the gate and the note to record."""
    last = wf.last_results or {}
    tests = (
        (
            f"Last test run reported to autopilot: {last.get('passed')} passed, {last.get('failed')} failed, "
            f"{last.get('skipped')} skipped."
        )
        if last
        else None
    )
    result = await review(
        ai,
        tag=wf.tag or ai.project.tag(None),
        ref=Ref(wf.task_id),
        base=base,
        paths=None,
        test_output=tests,
        second_opinion=False,
        apply=False,
    )
    threshold = approve_score(ai.project.config())
    gate = Gate(
        verdict=result.verdict,
        score=result.score,
        threshold=threshold,
        passed=result.verdict == "approve" and result.score >= threshold,
        summary=result.summary,
        base=base,
        findings=[f.model_dump(exclude_none=True) for f in result.findings],
        unmetRequirements=result.unmetRequirements,
    )
    out = ReviewOut(
        verdict=result.verdict,
        score=result.score,
        summary=result.summary,
        findings=result.findings,
        unmetRequirements=result.unmetRequirements,
    )
    outcome = "passed" if gate.passed else "failed"
    note = f"autopilot_finalize review gate {outcome} (approve with {threshold}+ passes).\n" + review_note(
        out, f"{base[:12]} (branch {wf.branch})", []
    )
    return gate, note


def refusal(wf: rules.Workflow, gate: Gate) -> str:
    """Why finalize is refused: the verdict, the findings and unmet requirements, and what to do next."""
    lines = [
        f"Review gate failed for task {wf.task_id}: {gate.verdict}, score {gate.score}/100 (approve with "
        f"{gate.threshold}+ passes). {gate.summary}"
    ]
    for f in gate.findings[:20]:
        where = f"{f.get('file')}:{f.get('line')}" if f.get("file") and f.get("line") is not None else f.get("file")
        lines.append(f"- [{f.get('severity')}] {where + ': ' if where else ''}{f.get('message')}")
    lines += [f"- unmet: {r}" for r in gate.unmetRequirements[:20]]
    lines.append(
        f"The workflow stays open at FINALIZE; the review is recorded in task {wf.task_id}'s details. Fix "
        "the findings, commit them (git commit), and call autopilot_finalize review=true again, or pass "
        "force=true to finalize anyway."
    )
    return "\n".join(lines)
