"""``review``: check the work done on a task (the git diff of the working tree) against what the task asked for.

Files :mod:`taskmaster_mcp.store.private` refuses (the task store's internals, ``.env`` files, keys and credentials)
are never part of the diff; the result lists them under ``diff.excluded`` (see :mod:`taskmaster_mcp.ai.gitdiff`).
When nothing is left to review, the error says which ``base`` to pass instead.
One validated :class:`ReviewOut` from the main role. With ``secondOpinion`` a second model reviews the same input
independently: the fallback role when it is configured with a different model than the one that answered, else
the research role. Where the two disagree the stricter view wins (incomplete > changes_requested > approve, and the
lower score), both views are returned, and findings, unmet requirements and follow-ups are merged.

Besides the diff the model sees the code around each changed hunk (new version, read through the private-file
guard; see :func:`taskmaster_mcp.ai.codebase.surrounding`), the project's tree and manifests when there is code,
and the task's open subtasks, so that it does not propose follow-ups they already cover; a follow-up whose title
nearly duplicates an open subtask's is dropped anyway (:func:`taskmaster_mcp.ai.quality.duplicates_of`) and listed
under ``droppedFollowUps``.

With ``apply`` the verdict changes the task in one write:

- approve with score >= ``taskmasterMcp.review.approveScore`` (default 80): status done, and its open subtasks
  with it (as set_task_status does);
- otherwise: status ``review`` (changes requested, or approved below the score) or ``in-progress`` (incomplete),
  the follow-up subtasks are added, and the summary and findings are appended to details as a dated note.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from taskmaster_mcp.ai import gitdiff
from taskmaster_mcp.ai.budget import input_budget_chars
from taskmaster_mcp.ai.codebase import SURROUNDING_TOTAL, codebase, surrounding
from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask, summarize, task_facts
from taskmaster_mcp.ai.prompts import review as prompts
from taskmaster_mcp.ai.prompts.blocks import codebase_block, task_context
from taskmaster_mcp.ai.prompts.review import Finding, FollowUp, ReviewOut, Verdict
from taskmaster_mcp.ai.quality import duplicates_of
from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.config import Role
from taskmaster_mcp.store.settings import approve_score
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Ref, Task, key, split_list, subtasks_of

DEFAULT_APPROVE_SCORE = 80
PER_FILE_CHARS = 12_000
MAX_DIFF_CHARS = 300_000
TEST_OUTPUT_CHARS = 12_000
STRICTNESS: dict[str, int] = {"approve": 0, "changes_requested": 1, "incomplete": 2}


class Opinion(BaseModel):
    """One model's review, shown when a second opinion was asked for."""

    model: str
    verdict: Verdict
    score: int
    summary: str
    findings: list[Finding]


class DiffInfo(BaseModel):
    """Which changes were reviewed, and what had to be cut."""

    base: str
    files: list[str]
    untracked: list[str] | None = None
    cut: list[str] | None = None
    omitted: list[str] | None = None
    excluded: list[str] | None = None


class Applied(BaseModel):
    """What ``apply`` changed."""

    status: str
    changed: list[str]
    addedSubtasks: list[str] | None = None
    note: bool = False


class ReviewResult(BaseModel):
    """The review (merged when there are two opinions), what it looked at, and what it changed."""

    id: str
    tag: str
    verdict: Verdict
    score: int
    summary: str
    findings: list[Finding]
    unmetRequirements: list[str]
    followUpSubtasks: list[FollowUp]
    droppedFollowUps: list[str] | None = None
    diff: DiffInfo
    agreement: bool | None = None
    opinions: list[Opinion] | None = None
    applied: Applied | None = None
    usage: UsageSummary


def merge(first: ReviewOut, second: ReviewOut, labels: tuple[str, str]) -> ReviewOut:
    """The stricter verdict and the lower score; findings, unmet requirements and follow-ups of both."""
    strict, other = (first, second) if STRICTNESS[first.verdict] >= STRICTNESS[second.verdict] else (second, first)
    seen = {(f.file, f.line, f.message) for f in strict.findings}
    findings = [*strict.findings, *(f for f in other.findings if (f.file, f.line, f.message) not in seen)]
    titles = {f.title.strip().lower() for f in strict.followUpSubtasks}
    follow = [*strict.followUpSubtasks, *(f for f in other.followUpSubtasks if f.title.strip().lower() not in titles)]
    summary = strict.summary
    if first.verdict != second.verdict:
        summary = (f"The reviewers disagree: {labels[0]} says {first.verdict} ({first.score}), {labels[1]} says "
                   f"{second.verdict} ({second.score}); the stricter view is kept. {strict.summary}")
    return ReviewOut(verdict=strict.verdict, score=min(first.score, second.score), summary=summary,
                     findings=findings,
                     unmetRequirements=list(dict.fromkeys([*strict.unmetRequirements, *other.unmetRequirements])),
                     followUpSubtasks=follow)


def second_role(ai: AIContext, answered: Usage) -> Role:
    """The fallback role when it is configured with another model than the one that answered, else research."""
    config = ai.project.config()
    fallback = config.role("fallback")
    if fallback is not None and (fallback.provider, fallback.model_id) != (answered.provider, _model_of(ai, answered)):
        return "fallback"
    return "research"


def _model_of(ai: AIContext, usage: Usage) -> str:
    # the answering role's configured id (the API may report a dated variant of it)
    rc = ai.project.config().role(usage.role)  # type: ignore[arg-type]
    return rc.model_id if rc is not None else usage.model


def review_note(review: ReviewOut, base: str, added: list[str]) -> str:
    """The dated note ``apply`` appends to the task's details."""
    lines = [f"Review against {base}: {review.verdict}, score {review.score}/100. {review.summary}"]
    if review.findings:
        lines.append("Findings:")
        for f in review.findings:
            where = f"{f.file}:{f.line}" if f.file and f.line is not None else f.file
            lines.append(f"- [{f.severity}] {where + ': ' if where else ''}{f.message}")
    if review.unmetRequirements:
        lines.append("Unmet requirements:")
        lines += [f"- {r}" for r in review.unmetRequirements]
    if added:
        lines.append(f"Follow-up subtasks added: {', '.join(added)}")
    return "\n".join(lines)


def _tail(text: str | None) -> str | None:
    if not text or len(text) <= TEST_OUTPUT_CHARS:
        return text
    return f"[first {len(text) - TEST_OUTPUT_CHARS} characters cut]\n" + text[-TEST_OUTPUT_CHARS:]


def nothing_to_review(diff: gitdiff.Diff, base: str, paths: str | None) -> str:
    """Why there is nothing to send, and what to pass instead (the work is committed, or only private files
    changed, or the repository is empty)."""
    where = f" in {paths}" if paths else ""
    private = f" ({', '.join(diff.excluded)}: keys, credentials or Task Master internals)" if diff.excluded else ""
    if diff.unborn:
        return (f"No files{where} to review: the repository has no commits, and the working tree holds no files "
                f"other than ones never sent to a model{private}. Write the work, then call review again: new "
                "files are reviewed.")
    if diff.excluded:
        return (f"The only changes{where} between {base} and the working tree are to files never sent to a "
                f"model{private}, so there is nothing to review. If the work is committed, pass base=<the commit "
                "before it>, e.g. base=HEAD~1.")
    return (f"No changes{where} between {base} and the working tree. If the work is committed, pass base=<the "
            "commit before it>, e.g. base=HEAD~1 (or base=main for a branch's work).")


async def review(ai: AIContext, *, tag: str, ref: Ref, base: str, paths: str | None, test_output: str | None,
                 second_opinion: bool, apply: bool) -> ReviewResult:
    """Review the working tree's changes for task ``ref``; with ``apply``, set its status and record the outcome."""
    if ref.sub is not None:
        raise InvalidInput(f"review takes a task id; {ref} is a subtask. Pass {ref.task}: its subtasks are part "
                           "of what is checked.")
    store = ai.project.store
    store.require_initialized()
    threshold = approve_score(ai.project.config()) if apply else DEFAULT_APPROVE_SCORE
    task, _ = store.read().index(tag).get(ref)
    task_text = task_context(task, max_details=8000)
    tests = _tail(test_output)
    code = await asyncio.to_thread(codebase, ai.project.paths)
    code_text = codebase_block(code.tree, code.manifests) if code is not None else ""
    budget = input_budget_chars(ai, "main") - len(task_text) - len(tests or "") - len(code_text) - 6_000
    diff = await asyncio.to_thread(gitdiff.collect, ai.project.paths, base, split_list(paths),
                                   per_file=PER_FILE_CHARS, total=max(4_000, min(budget, MAX_DIFF_CHARS)))
    if not diff.files:
        raise InvalidInput(nothing_to_review(diff, base, paths))
    room = min(SURROUNDING_TOTAL, budget - len(diff.text))
    around = await asyncio.to_thread(surrounding, ai.project.paths, gitdiff.changed_ranges(diff.text),
                                     set(diff.untracked), total=room) if room > 1_000 else []
    planned = open_subtask_lines(task)
    prompt = prompts.review_prompt(task_text, diff.text, base=base, test_output=tests, open_subtasks=planned,
                                   surrounding=around, codebase=code_text)
    await ai.progress(0, 2 if second_opinion else 1, f"reviewing {len(diff.files)} changed file(s)")
    first, usage = await ask(ai, prompts.REVIEW, prompt, ReviewOut, command="review", task=task_facts(ai, tag, task))
    usages: list[Usage] = [usage]
    outcome, agreement, opinions = first, None, None
    if second_opinion:
        await ai.progress(1, 2, "asking for a second opinion")
        other, other_usage = await ask(ai, prompts.REVIEW, prompt, ReviewOut, command="review",
                                       role=second_role(ai, usage))
        usages.append(other_usage)
        labels = (f"{usage.role} {usage.provider}/{usage.model}",
                  f"{other_usage.role} {other_usage.provider}/{other_usage.model}")
        outcome = merge(first, other, labels)
        agreement = first.verdict == other.verdict
        opinions = [Opinion(model=label, verdict=o.verdict, score=o.score, summary=o.summary, findings=o.findings)
                    for label, o in zip(labels, (first, other), strict=True)]
    titles = [line.split(" ", 1)[1] for line in planned]
    dropped = [f.title for f in outcome.followUpSubtasks if duplicates_of(f.title, titles)]
    if dropped:
        outcome = outcome.model_copy(update={"followUpSubtasks": [
            f for f in outcome.followUpSubtasks if f.title not in dropped]})
    applied = _apply(ai, tag, ref, outcome, base, threshold) if apply else None
    return ReviewResult(
        id=str(ref), tag=tag, verdict=outcome.verdict, score=outcome.score, summary=outcome.summary,
        findings=outcome.findings, unmetRequirements=outcome.unmetRequirements,
        followUpSubtasks=outcome.followUpSubtasks, droppedFollowUps=dropped or None,
        diff=DiffInfo(base=base, files=diff.files, untracked=diff.untracked or None, cut=diff.cut or None,
                      omitted=diff.omitted or None, excluded=diff.excluded or None),
        agreement=agreement, opinions=opinions, applied=applied, usage=summarize(usages))


def open_subtask_lines(task: Task) -> list[str]:
    """``7.2 Title`` for each open subtask of ``task``."""
    tid = key(task.get("id"))
    return [f"{tid}.{key(s.get('id'))} {s.get('title', '')}" for s in subtasks_of(task)
            if s.get("status", "pending") not in CLOSED_STATUSES]


def _apply(ai: AIContext, tag: str, ref: Ref, outcome: ReviewOut, base: str, threshold: int) -> Applied:
    approved = outcome.verdict == "approve" and outcome.score >= threshold
    status = "done" if approved else "in-progress" if outcome.verdict == "incomplete" else "review"
    added: list[str] = []
    with ai.project.store.mutate() as doc:
        changed = edits.set_status(doc, tag, [ref], status)
        if approved and not changed:
            raise NoChange
        if not approved:
            for follow in outcome.followUpSubtasks:
                sub = edits.add_subtask(doc, tag, str(ref), title=follow.title, description=follow.description)
                added.append(f"{ref}.{sub['id']}")
            task, _ = doc.index(tag).get(ref)
            edits.append_note(task, review_note(outcome, base, added))
    return Applied(status=status, changed=changed, addedSubtasks=added or None, note=not approved)
