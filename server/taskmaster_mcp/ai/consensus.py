"""Review by a panel: two or three reviewer roles judge the same change, and a fixed rule says whether they agree.

``review`` with ``reviewers`` (a comma list of roles) asks each of them the same prompt, concurrently; with
``secondOpinion`` the panel is main plus a second role picked after main answered (:func:`second_role`, as
before). A single reviewer is not a panel: ``review`` then behaves exactly as without ``reviewers``, on that role.

The consensus rule (``threshold`` is the ``consensusThreshold`` argument, else
``taskmasterMcp.review.consensusThreshold``, default 20 score points):

- every reviewer must answer: one that fails on its whole fallback chain makes the outcome ``needs_human`` with its
  error shown (never a silent approval by the others); when none answers, the call fails and nothing changes;
- the answers must come from different models: a reviewer the router answered with a model another reviewer
  already used (its own was down) gives ``needs_human``, since the two views are not independent;
- every verdict must be the same: otherwise ``needs_human``;
- the highest score minus the lowest must be at most ``threshold``: otherwise ``needs_human``;
- else ``agree``.

Either way the combined review is the most severe verdict (incomplete > changes_requested > approve) with the lowest
score, and the findings, unmet requirements and follow-ups of every view (repeats dropped): a disagreement never
hides a problem one reviewer saw. Every view is returned (role asked, the model that answered, verdict, score,
summary, findings, or the error). With ``apply``, ``needs_human`` sets the task's status to ``review`` (never
``done``, never ``in-progress``), adds the follow-ups and records the views in the dated note.

Roles are plain names checked by :func:`taskmaster_mcp.ai.panel_roles.configured_role`; two reviewer roles
configured with the same model are refused before any request, since they could only agree with themselves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from taskmaster_mcp.ai.context import AIContext, PromptUsage, ask
from taskmaster_mcp.ai.panel_roles import configured_role, model_of
from taskmaster_mcp.ai.prompts import review as prompts
from taskmaster_mcp.ai.prompts.review import Finding, FollowUp, ReviewOut, Verdict
from taskmaster_mcp.errors import InvalidInput, TaskmasterError
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.tasks.model import split_list

STRICTNESS: dict[str, int] = {"approve": 0, "changes_requested": 1, "incomplete": 2}
MAX_REVIEWERS = 3


class Opinion(BaseModel):
    """One reviewer's view: ``model`` is the role, provider and model that answered; ``role`` the role asked."""

    model: str
    verdict: Verdict | None = None
    score: int | None = None
    summary: str = ""
    findings: list[Finding] = []
    role: str | None = None
    error: str | None = None


class Consensus(BaseModel):
    """Whether the panel agrees, and if not, why a human must decide."""

    outcome: Literal["agree", "needs_human"]
    reasons: list[str] = []
    threshold: int
    spread: int


@dataclass
class View:
    """A reviewer's answer (or failure) with the usage of its request."""

    role: str
    review: ReviewOut | None = None
    usage: PromptUsage | None = None
    failure: TaskmasterError | None = None

    @property
    def error(self) -> str | None:
        """The failure as one line (None when the reviewer answered)."""
        return None if self.failure is None else " ".join(str(self.failure).split())[:600]

    @property
    def label(self) -> str:
        """``role provider/model`` of the model that answered (the role asked when none did)."""
        return f"{self.usage.role} {self.usage.provider}/{self.usage.model}" if self.usage else self.role


def reviewer_roles(ai: AIContext, reviewers: str | None) -> list[str]:
    """The roles named by ``reviewers`` (1 to 3, distinct, configured, different models); [] when not given."""
    names = split_list(reviewers)
    if not names:
        return []
    if len(names) > MAX_REVIEWERS or len(set(names)) != len(names):
        raise InvalidInput(
            f"reviewers takes one to {MAX_REVIEWERS} different roles, e.g. reviewers=main,fallback; got {reviewers!r}."
        )
    config = ai.project.config()
    roles: list[str] = [configured_role(config, name, "reviewers") for name in names]
    models: dict[tuple[str, str], str] = {}
    for role in roles:
        model = model_of(config, role)
        if model in models:
            raise InvalidInput(
                f"reviewers: the {models[model]} and {role} roles both use {model[0]}/{model[1]}, so "
                "they could only agree with themselves. Configure another model for one of them "
                "with the `models` tool, or name other roles."
            )
        models[model] = role
    return roles


def second_role(ai: AIContext, answered: Usage) -> str:
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


async def ask_reviewer(ai: AIContext, prompt: str, role: str) -> View:
    """One reviewer's view; a failure on its whole fallback chain is kept as the view's error, not raised."""
    try:
        answer, usage = await ask(ai, prompts.REVIEW, prompt, ReviewOut, command="review", role=role)
    except TaskmasterError as err:
        return View(role=role, failure=err)
    return View(role=role, review=answer, usage=usage)


async def panel(ai: AIContext, prompt: str, roles: list[str], second_opinion: bool) -> list[View]:
    """Every reviewer's view: ``roles`` concurrently, or main then :func:`second_role` for ``second_opinion``."""
    if roles:
        return list(await asyncio.gather(*(ask_reviewer(ai, prompt, role) for role in roles)))
    answer, usage = await ask(ai, prompts.REVIEW, prompt, ReviewOut, command="review")
    first = View(role="main", review=answer, usage=usage)
    return [first, await ask_reviewer(ai, prompt, second_role(ai, usage))]


def combine(reviews: list[tuple[str, ReviewOut]]) -> ReviewOut:
    """The most severe verdict, the lowest score, and everything any reviewer found (repeats dropped).

    With a single verdict the summary is the strictest reviewer's; otherwise it starts by naming each view.
    """
    strict = max(reviews, key=lambda item: STRICTNESS[item[1].verdict])[1]
    ordered = [strict, *(r for _, r in reviews if r is not strict)]
    findings: list[Finding] = []
    seen: set[tuple[str, int | None, str]] = set()
    titles: set[str] = set()
    follow: list[FollowUp] = []
    for review in ordered:
        for finding in review.findings:
            if (finding.file, finding.line, finding.message) not in seen:
                seen.add((finding.file, finding.line, finding.message))
                findings.append(finding)
        for item in review.followUpSubtasks:
            if item.title.strip().lower() not in titles:
                titles.add(item.title.strip().lower())
                follow.append(item)
    summary = strict.summary
    if len({r.verdict for _, r in reviews}) > 1:
        views = ", ".join(f"{label} says {r.verdict} ({r.score})" for label, r in reviews)
        summary = f"The reviewers disagree: {views}; the stricter view is kept. {strict.summary}"
    return ReviewOut(
        verdict=strict.verdict,
        score=min(r.score for _, r in reviews),
        summary=summary,
        findings=findings,
        unmetRequirements=list(dict.fromkeys(u for r in ordered for u in r.unmetRequirements)),
        followUpSubtasks=follow,
    )


def decide(views: list[View], threshold: int) -> tuple[ReviewOut, Consensus, list[Opinion]]:
    """Apply the consensus rule of this module's docstring; raise the first error when no reviewer answered."""
    answered = [(v.label, v.review) for v in views if v.review is not None]
    if not answered:
        raise next(v.failure for v in views if v.failure is not None)
    reasons = [f"the {v.role} reviewer failed: {v.error}" for v in views if v.error is not None]
    used: dict[tuple[str, str], str] = {}
    for view in views:
        if view.usage is None:
            continue
        model = (view.usage.provider, view.usage.model)
        if model in used:
            reasons.append(
                f"the {used[model]} and {view.role} reviewers were both answered by {model[0]}/{model[1]} "
                "(a reviewer's own model failed), so their views are not independent"
            )
        used.setdefault(model, view.role)
    verdicts = list(dict.fromkeys(r.verdict for _, r in answered))
    if len(verdicts) > 1:
        reasons.append(f"the verdicts differ ({', '.join(verdicts)})")
    scores = [r.score for _, r in answered]
    spread = max(scores) - min(scores)
    if spread > threshold:
        reasons.append(f"the scores differ by {spread} points, more than the threshold of {threshold}")
    combined = combine([(label, review) for label, review in answered])
    opinions = [
        Opinion(model=v.label, role=v.role, error=v.error)
        if v.review is None
        else Opinion(
            model=v.label,
            role=v.role,
            verdict=v.review.verdict,
            score=v.review.score,
            summary=v.review.summary,
            findings=v.review.findings,
        )
        for v in views
    ]
    consensus = Consensus(
        outcome="needs_human" if reasons else "agree", reasons=reasons, threshold=threshold, spread=spread
    )
    return combined, consensus, opinions


def views_note(consensus: Consensus, opinions: list[Opinion]) -> str:
    """The panel's outcome and each reviewer's view, as lines for the dated note ``apply`` appends."""
    lines = [
        f"Needs a human: {'; '.join(consensus.reasons)}." if consensus.reasons else "The reviewers agree.",
        "Reviewers:",
    ]
    for o in opinions:
        lines.append(f"- {o.model}: " + (f"failed ({o.error})" if o.error else f"{o.verdict}, {o.score}/100"))
    return "\n".join(lines)
