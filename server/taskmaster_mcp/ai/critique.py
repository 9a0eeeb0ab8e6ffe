"""The critique loop of ``parse_prd`` and ``expand_task`` with ``critique``: main drafts, a critic role reviews the
draft against its source, main revises once, and only the revision is written.

Decisions:

- The critic role is ``taskmasterMcp.critique.role`` (default ``fallback``), checked by
  :func:`taskmaster_mcp.ai.panel_roles.configured_role` before any request: a critic that is not configured is an error
  naming the fix, never a silent switch to main (a model checking its own draft finds little). It is routed like any
  call starting on that role (command ``<command>:critique``), so if its model is down the next role of its
  fallback chain critiques; the report then notes that the critic was the author's own model. So it does when a
  pin or a routing rule sent the draft to the critic role itself (or a role on the same model): the critique is
  still asked (the caller asked for one) and the note says why it is not a second opinion.
- The critic judges coverage of the source (the PRD part for parse_prd; the task, its parent and the user's
  request for expand_task), dependency order, testable test strategies and duplicates, and answers with structured
  findings (:class:`~taskmaster_mcp.ai.prompts.critique.CritiqueFinding`) naming the draft's own ids.
- No findings: the revision is skipped (``revised: false``). A revision with nothing to fix costs a full plan's
  output tokens and can only drift from a draft the critic found sound.
- The revision goes to the author's role (same command and the draft's task facts, so a pin, a routing rule or
  ``commandRoles`` applies as it did to the draft) with the author's own system prompt, prompt prefix and user
  prompt plus the draft and the findings, and is validated exactly as a draft is:
  the same schema (one re-ask, then the next role), then the same renumbering that keeps only dependencies on real,
  earlier items. Two checks of :mod:`taskmaster_mcp.ai.quality` guard against a revision that answered only the
  changed items or lost its numbering: it must keep at least half as many items as the draft
  (:func:`~taskmaster_mcp.ai.quality.count_within` at 50%) and have no structure issue (an id used twice, say).
  If no role produces a valid revision, or the revision fails these checks, the call fails and nothing is written.
  A critic that fails on its whole chain fails the call too: the caller asked for a checked plan
  (``critique=false`` writes the draft).
- A long PRD planned in parts is critiqued and revised part by part, each against its own text, so every prompt
  stays within the input budget the parts were cut for.
- The result carries ``critique``: the role, the model(s) that answered it, every finding, whether the draft was
  revised, and each step's usage (draft, critique, revision); the tool's ``usage`` sums all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel

from taskmaster_mcp.ai.context import AIContext, ask
from taskmaster_mcp.ai.panel_roles import configured_role
from taskmaster_mcp.ai.prompts import critique as prompts
from taskmaster_mcp.ai.prompts.blocks import Template
from taskmaster_mcp.ai.prompts.critique import CritiqueFinding
from taskmaster_mcp.ai.quality import count_within, structure_issues
from taskmaster_mcp.errors import InvalidModelOutput
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.models.routing.rules import TaskFacts
from taskmaster_mcp.store.settings import critique_role

M = TypeVar("M", bound=BaseModel)
StepName = Literal["draft", "critique", "revision"]
KEPT_SHARE = 0.5  # a revision may merge or drop items, but not lose half of them


class Step(BaseModel):
    """One model call of the loop and what it used."""

    step: StepName
    model: str
    inputTokens: int
    outputTokens: int
    costUsd: float | None
    latencyMs: float


class CritiqueReport(BaseModel):
    """What the critic found and what came of it."""

    role: str
    models: list[str]
    findings: list[CritiqueFinding]
    revised: bool
    steps: list[Step]
    notes: list[str] | None = None


def plan_source(prd: str, existing: str | None) -> Callable[[str], str]:
    """The critic's prompt for a parse_prd draft of ``prd`` (a part of the PRD) with the tasks that exist."""
    return lambda draft: prompts.critique_plan_prompt(prd, draft, existing)


def subtasks_source(target: str, parent: str | None, request: str | None) -> Callable[[str], str]:
    """The critic's prompt for an expand_task draft of ``target`` (and its ``parent``) with the user's request."""
    return lambda draft: prompts.critique_subtasks_prompt(target, parent, draft, request)


def _step(step: StepName, usage: Usage) -> Step:
    return Step(
        step=step,
        model=f"{usage.role} {usage.provider}/{usage.model}",
        inputTokens=usage.input_tokens,
        outputTokens=usage.output_tokens,
        costUsd=usage.cost_usd,
        latencyMs=usage.latency_ms,
    )


class Critic:
    """One tool call's critique loop: built before any request (so a bad critic role costs nothing), then
    :meth:`check` once per draft, then :meth:`report` for the result."""

    def __init__(self, ai: AIContext, kind: Literal["plan", "subtasks"]) -> None:
        config = ai.project.config()
        self.role: str = configured_role(config, critique_role(config), "taskmasterMcp.critique.role")
        self.template: Template = prompts.CRITIQUE_PLAN if kind == "plan" else prompts.CRITIQUE_SUBTASKS
        self.field = "tasks" if kind == "plan" else "subtasks"
        self.findings: list[CritiqueFinding] = []
        self.steps: list[Step] = []
        self.models: list[str] = []
        self.notes: list[str] = []
        self.revised = False

    async def check(
        self,
        ai: AIContext,
        *,
        command: str,
        author: Template,
        prompt: str,
        draft: M,
        drafted: Usage,
        source: Callable[[str], str],
        usages: list[Usage],
        prefix: str = "",
        task: TaskFacts | None = None,
    ) -> M:
        """Critique ``draft`` (answered to ``prompt`` with ``author``; ``source`` makes the critic's user prompt from
        the draft's JSON) and revise once when there are findings. Every call's usage goes into ``usages``.

        ``prefix`` and ``task`` are the draft's own (the prompt's stable start, the task's routing facts): the
        revision is asked with both, so it sees what the draft saw and goes where the draft went (a pin, a rule).
        The critique gets neither: it starts on the critic role, never on the task's pin."""
        self.steps.append(_step("draft", drafted))
        await ai.progress(0, None, f"asking the {self.role} role to critique the draft")
        text = draft.model_dump_json()
        review, usage = await ask(
            ai, self.template, source(text), prompts.CritiqueOut, command=f"{command}:critique", role=self.role
        )
        usages.append(usage)
        self.steps.append(_step("critique", usage))
        label = f"{usage.role} {usage.provider}/{usage.model}"
        self.models = list(dict.fromkeys([*self.models, label]))
        if (usage.provider, usage.model) == (drafted.provider, drafted.model):
            why = (
                f"the {self.role} role's model failed"
                if usage.role != self.role
                else f"the draft was routed to the {drafted.role} role, which uses the {self.role} role's model "
                "(name another critic with taskmasterMcp.critique.role)"
            )
            self.notes.append(
                f"The critique was answered by the author's own model ({label}): {why}, so the draft "
                "was not checked by a second model."
            )
        self.findings += review.findings
        if not review.findings:
            return draft
        await ai.progress(0, None, f"revising the draft after {len(review.findings)} finding(s)")
        revised, usage = await ask(
            ai,
            prompts.REVISE,
            prompts.revise_prompt(prompt, text, review.findings),
            type(draft),
            command=command,
            system=f"{author.system}\n\n{prompts.REVISE.system}",
            prefix=prefix,
            task=task,
        )
        usages.append(usage)
        self.steps.append(_step("revision", usage))
        self._validate(draft, revised)
        self.revised = True
        return revised

    def _validate(self, draft: BaseModel, revised: BaseModel) -> None:
        """Refuse a revision that lost at least half of the draft's items or repeats an id (nothing is written)."""
        before, after = getattr(draft, self.field), getattr(revised, self.field)
        items = [item.model_dump() for item in after]
        problems = [issue.message for issue in structure_issues(items)]
        if len(after) < len(before) and not count_within(len(after), len(before), KEPT_SHARE):
            problems.insert(0, f"it has {len(after)} {self.field} where the draft had {len(before)}")
        if problems:
            raise InvalidModelOutput(
                f"The revised plan is not usable ({'; '.join(problems)}), so nothing was "
                "written. Run the command again, or without critique to write a draft."
            )

    def report(self) -> CritiqueReport:
        """The ``critique`` block of the tool's result."""
        return CritiqueReport(
            role=self.role,
            models=self.models,
            findings=self.findings,
            revised=self.revised,
            steps=self.steps,
            notes=self.notes or None,
        )
