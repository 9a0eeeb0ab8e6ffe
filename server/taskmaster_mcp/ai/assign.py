"""``assign_models``: pins proposed from the routing rules, with an optional classifier model call for the tasks
whose keyword type is unsure.

Rules come first (:mod:`taskmaster_mcp.models.routing_table`). With ``classify``, the tasks whose keyword type has
less than ``minConfidence`` are sent to the model in one call (their brief only: never metadata); its type replaces
the keyword type when its confidence reaches ``minConfidence``, and below that the task keeps the default route.
Pins are written only with ``apply``; tasks already pinned keep their pin.
"""

from __future__ import annotations

from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask, summarize
from taskmaster_mcp.ai.prompts import routing as prompts
from taskmaster_mcp.models.routing.rules import policy_of
from taskmaster_mcp.models.routing_table import PinResult, open_tasks, proposals
from taskmaster_mcp.store.reports import scores_by_task
from taskmaster_mcp.store.settings import settings_from_config
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks.model import key
from taskmaster_mcp.tasks.pins import pin_of, set_pin
from taskmaster_mcp.tasks.tasktype import classify

MAX_CLASSIFIED = 60  # tasks per classifier call: enough for a plan, small enough for any model's output limit


class AssignResult(PinResult):
    """Proposed (and, with apply, written) pins, and the classifier call's usage when there was one."""

    usage: UsageSummary | None = None


async def assign_models(
    ai: AIContext, *, tag: str, apply: bool, min_confidence: float, use_model: bool
) -> AssignResult:
    """Propose a pin per open task; with ``use_model``, ask the model about unsure types; write with ``apply``."""
    project = ai.project
    project.store.require_initialized()
    config = project.config()
    policy = policy_of(config, settings_from_config(config))
    tasks = project.store.read().index(tag).tasks
    unsure = [t for t in open_tasks(tasks) if classify(t).confidence < min_confidence][:MAX_CLASSIFIED]
    types: dict[str, tuple[str, float]] = {}
    usage = None
    if use_model and unsure:
        answer, used = await ask(
            ai, prompts.CLASSIFY, prompts.classify_prompt(list(unsure)), prompts.Classification, command="assign_models"
        )
        asked = {key(t.get("id")) for t in unsure}
        types = {str(c.id): (c.type, c.confidence) for c in answer.tasks if str(c.id) in asked}
        usage = summarize([used])
    found = proposals(config, policy, tasks, scores_by_task(project.paths, tag), min_confidence, types)
    wanted = {p.id: p.role for p in found if p.role is not None and p.current is None}
    if not apply:
        return AssignResult(
            tag=tag,
            changed=[],
            proposals=found,
            usage=usage,
            message=f"{len(wanted)} pin(s) proposed; call again with apply=true to write them "
            "(tasks already pinned keep their pin).",
        )
    changed: list[str] = []
    if wanted:

        def section() -> None:
            with project.store.mutate() as doc:
                index = doc.index(tag)
                for tid, role in wanted.items():
                    task = index.task(tid)
                    if pin_of(task) is None and set_pin(task, role):  # a pin set since the proposal is kept
                        changed.append(tid)
                if not changed:
                    raise NoChange

        await ai.write(section)
    return AssignResult(
        tag=tag, changed=changed, proposals=found, usage=usage, message=f"{len(changed)} task(s) pinned."
    )
