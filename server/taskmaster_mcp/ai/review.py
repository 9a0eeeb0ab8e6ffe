"""``review``: check the work done on a task (the git diff of the working tree) against what the task asked for.

Files :mod:`taskmaster_mcp.store.private` refuses (the task store's internals, ``.env`` files, keys and credentials)
are never part of the diff; the result lists them under ``diff.excluded`` (see :mod:`taskmaster_mcp.ai.gitdiff`).
When nothing is left to review, the error says which ``base`` to pass instead.
One validated :class:`ReviewOut` from the main role (or the one role ``reviewers`` names). With two or three
``reviewers``, or ``secondOpinion`` (main, then the fallback role when it is configured with a different model than
the one that answered, else research), a panel reviews the same input independently and the consensus rule of
:mod:`taskmaster_mcp.ai.consensus` decides ``agree`` or ``needs_human``; the most severe verdict and the lowest
score are kept, every view is returned, and findings, unmet requirements and follow-ups are merged.

Besides the diff the model sees the code around each changed hunk (new version, read through the private-file
guard; see :func:`taskmaster_mcp.ai.codebase.surrounding`), the project's tree and manifests when there is code,
and the task's open subtasks, so that it does not propose follow-ups they already cover; a follow-up whose title
nearly duplicates an open subtask's is dropped anyway (:func:`taskmaster_mcp.ai.quality.duplicates_of`) and listed
under ``droppedFollowUps``.

With ``apply`` the verdict changes the task in one write:

- approve with score >= ``taskmasterMcp.review.approveScore`` (default 80), and no panel saying ``needs_human``:
  status done, and its open subtasks with it (as set_task_status does);
- a panel's ``needs_human``: status ``review`` whatever the verdict, with every view in the note;
- otherwise: status ``review`` (changes requested, or approved below the score) or ``in-progress`` (incomplete),
  the follow-up subtasks are added, and the summary and findings are appended to details as a dated note.
"""

from __future__ import annotations

import asyncio
import functools

from pydantic import BaseModel

from taskmaster_mcp.ai import consensus as panels
from taskmaster_mcp.ai import gitdiff
from taskmaster_mcp.ai.budget import input_budget_chars
from taskmaster_mcp.ai.codebase import SURROUNDING_TOTAL, codebase, surrounding
from taskmaster_mcp.ai.consensus import Consensus, Opinion
from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask, summarize, task_facts
from taskmaster_mcp.ai.prompts import review as prompts
from taskmaster_mcp.ai.prompts.blocks import codebase_block, task_context
from taskmaster_mcp.ai.prompts.review import Finding, FollowUp, ReviewOut, Verdict
from taskmaster_mcp.ai.quality import duplicates_of
from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.settings import approve_score, consensus_threshold
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Ref, Task, key, parse_ref, split_list, subtasks_of

DEFAULT_APPROVE_SCORE = 80
PER_FILE_CHARS = 12_000
MAX_DIFF_CHARS = 300_000
TEST_OUTPUT_CHARS = 12_000


class DiffInfo(BaseModel):
    """Which changes were reviewed, and what had to be cut."""

    base: str
    files: list[str]
    untracked: list[str] | None = None
    cut: list[str] | None = None
    omitted: list[str] | None = None
    excluded: list[str] | None = None
    planning: list[str] | None = None
    redacted: list[str] | None = None  # files whose secret values were replaced by [redacted: <kind>]


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
    completedSubtasks: list[str] = []
    droppedFollowUps: list[str] | None = None
    diff: DiffInfo
    agreement: bool | None = None
    opinions: list[Opinion] | None = None
    consensus: Consensus | None = None
    applied: Applied | None = None
    usage: UsageSummary


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
    if diff.skipped and not diff.excluded:
        return (
            f"The only changes{where} between {base} and the working tree are planning documents "
            f"({', '.join(diff.skipped[:5])}), which review leaves out. Pass paths naming them to review them, or "
            "base=<the commit before the work> (e.g. base=HEAD~1) if the work is committed."
        )
    private = f" ({', '.join(diff.excluded)}: keys, credentials or Task Master internals)" if diff.excluded else ""
    if diff.unborn:
        return (
            f"No files{where} to review: the repository has no commits, and the working tree holds no files "
            f"other than ones never sent to a model{private}. Write the work, then call review again: new "
            "files are reviewed."
        )
    if diff.excluded:
        return (
            f"The only changes{where} between {base} and the working tree are to files never sent to a "
            f"model{private}, so there is nothing to review. If the work is committed, pass base=<the commit "
            "before it>, e.g. base=HEAD~1."
        )
    return (
        f"No changes{where} between {base} and the working tree. If the work is committed, pass base=<the "
        "commit before it>, e.g. base=HEAD~1 (or base=main for a branch's work)."
    )


async def review(
    ai: AIContext,
    *,
    tag: str,
    ref: Ref,
    base: str,
    paths: str | None,
    test_output: str | None,
    second_opinion: bool,
    apply: bool,
    reviewers: str | None = None,
    threshold_points: int | None = None,
) -> ReviewResult:
    """Review the working tree's changes for task ``ref``; with ``apply``, set its status and record the outcome.

    ``reviewers`` / ``second_opinion``: a panel under the consensus rule of :mod:`taskmaster_mcp.ai.consensus`
    (``threshold_points`` overrides ``taskmasterMcp.review.consensusThreshold``).
    """
    if ref.sub is not None:
        raise InvalidInput(
            f"review takes a task id; {ref} is a subtask. Pass {ref.task}: its subtasks are part of what is checked."
        )
    store = ai.project.store
    store.require_initialized()
    threshold = approve_score(ai.project.config()) if apply else DEFAULT_APPROVE_SCORE
    roles = panels.reviewer_roles(ai, reviewers)
    if roles and second_opinion:
        raise InvalidInput("Pass reviewers or secondOpinion, not both (secondOpinion is main plus one other role).")
    solo = roles[0] if len(roles) == 1 else None
    panel = len(roles) > 1 or second_opinion  # the threshold setting is checked only when a panel runs
    spread = (
        threshold_points if threshold_points is not None else consensus_threshold(ai.project.config()) if panel else 0
    )
    task, _ = store.read().index(tag).get(ref)
    task_text = task_context(task, max_details=8000)
    tests = _tail(test_output)
    code = await asyncio.to_thread(codebase, ai.project.paths)
    code_text = codebase_block(code.tree, code.manifests) if code is not None else ""
    facts = None if roles else task_facts(ai, tag, task)  # a solo review on main is routed by the task
    # every reviewer sees the same prompt, sized for the smallest of them and for the role the policy routes to
    fits = min(input_budget_chars(ai, role, command="review", task=facts) for role in roles or ["main"])
    budget = fits - len(task_text) - len(tests or "") - len(code_text) - 6_000
    diff = await asyncio.to_thread(
        gitdiff.collect,
        ai.project.paths,
        base,
        split_list(paths),
        per_file=PER_FILE_CHARS,
        total=max(4_000, min(budget, MAX_DIFF_CHARS)),
        skip=None if paths else planning_document,
    )
    if not diff.files:
        raise InvalidInput(nothing_to_review(diff, base, paths))
    room = min(SURROUNDING_TOTAL, budget - len(diff.text))
    around = (
        await asyncio.to_thread(
            surrounding, ai.project.paths, gitdiff.changed_ranges(diff.text), set(diff.untracked), total=room
        )
        if room > 1_000
        else []
    )
    planned = open_subtask_lines(task)
    prompt = prompts.review_prompt(
        task_text,
        diff.text,
        base=base,
        test_output=tests,
        open_subtasks=planned,
        surrounding=around,
        codebase=code_text,
    )
    reviewing = 2 if second_opinion else max(1, len(roles))
    await ai.progress(0, reviewing, f"reviewing {len(diff.files)} changed file(s)")
    agreement, opinions, verdict = None, None, None
    usages: list[Usage] = []
    if panel:
        views = await panels.panel(ai, prompt, roles if len(roles) > 1 else [], second_opinion)
        usages = [v.usage for v in views if v.usage is not None]
        outcome, verdict, opinions = panels.decide(views, spread)
        agreement = verdict.outcome == "agree"
    else:
        outcome, usage = await ask(
            ai,
            prompts.REVIEW,
            prompt,
            ReviewOut,
            command="review",
            role=solo or "main",
            task=None if solo else task_facts(ai, tag, task),
        )
        usages = [usage]
    open_ids = {line.split(" ", 1)[0] for line in planned}
    completed = [i for i in dict.fromkeys(outcome.completedSubtasks) if i in open_ids]
    outcome = outcome.model_copy(update={"completedSubtasks": completed})
    titles = [line.split(" ", 1)[1] for line in planned]
    dropped = [f.title for f in outcome.followUpSubtasks if duplicates_of(f.title, titles)]
    if dropped:
        outcome = outcome.model_copy(
            update={"followUpSubtasks": [f for f in outcome.followUpSubtasks if f.title not in dropped]}
        )
    save = functools.partial(_apply, ai, tag, ref, outcome, base, threshold, verdict, opinions)
    applied = await ai.write(save) if apply else None
    return ReviewResult(
        id=str(ref),
        tag=tag,
        verdict=outcome.verdict,
        score=outcome.score,
        summary=outcome.summary,
        findings=outcome.findings,
        unmetRequirements=outcome.unmetRequirements,
        followUpSubtasks=outcome.followUpSubtasks,
        completedSubtasks=completed,
        droppedFollowUps=dropped or None,
        diff=DiffInfo(
            base=base,
            files=diff.files,
            untracked=diff.untracked or None,
            cut=diff.cut or None,
            omitted=diff.omitted or None,
            excluded=diff.excluded or None,
            planning=diff.skipped or None,
            redacted=diff.redacted or None,
        ),
        agreement=agreement,
        opinions=opinions,
        consensus=verdict,
        applied=applied,
        usage=summarize(usages),
    )


PLANNING_WORDS = ("prd", "requirements", "spec", "roadmap", "plan", "design", "rfc", "brief")
PLANNING_SUFFIXES = (".md", ".txt", ".markdown", ".rst", ".adoc")


def planning_document(name: str, untracked: bool) -> bool:
    """Whether review leaves ``name`` out of the diff unless paths name it: anything under ``.taskmaster/`` (the
    plan, its PRDs and reports: what the work was planned from, not the work), and an untracked text document whose
    name says it is a plan (``prd``, ``spec``, ``roadmap``, ...)."""
    if name == ".taskmaster" or name.startswith(".taskmaster/"):
        return True
    base = name.rsplit("/", 1)[-1].lower()
    if base.startswith("requirements") and base.endswith((".txt", ".in")):
        return False  # pip's requirements files are code the change may need, not a plan
    return untracked and base.endswith(PLANNING_SUFFIXES) and any(w in base for w in PLANNING_WORDS)


def open_subtask_lines(task: Task) -> list[str]:
    """``7.2 Title`` for each open subtask of ``task``."""
    tid = key(task.get("id"))
    return [
        f"{tid}.{key(s.get('id'))} {s.get('title', '')}"
        for s in subtasks_of(task)
        if s.get("status", "pending") not in CLOSED_STATUSES
    ]


def _apply(
    ai: AIContext,
    tag: str,
    ref: Ref,
    outcome: ReviewOut,
    base: str,
    threshold: int,
    verdict: Consensus | None = None,
    opinions: list[Opinion] | None = None,
) -> Applied:
    human = verdict is not None and verdict.outcome == "needs_human"  # never done, whatever the scores
    approved = outcome.verdict == "approve" and outcome.score >= threshold and not human
    status = (
        "done" if approved else "review" if human else "in-progress" if outcome.verdict == "incomplete" else "review"
    )
    added: list[str] = []
    with ai.project.store.mutate() as doc:
        changed = edits.set_status(doc, tag, [ref], status)
        if approved and not changed:
            raise NoChange
        if not approved:
            finished = [parse_ref(i) for i in outcome.completedSubtasks]
            if finished:
                changed += edits.set_status(doc, tag, finished, "done")
            for follow in outcome.followUpSubtasks:
                sub = edits.add_subtask(doc, tag, str(ref), title=follow.title, description=follow.description)
                added.append(f"{ref}.{sub['id']}")
            task, _ = doc.index(tag).get(ref)
            note = review_note(outcome, base, added)
            if verdict is not None and opinions is not None:
                note += "\n" + panels.views_note(verdict, opinions)
            edits.append_note(task, note)
    return Applied(status=status, changed=changed, addedSubtasks=added or None, note=not approved)
