"""What every AI command shares: the context it runs in, the usage block, the research step, running many jobs.

The AI commands live one family a module beside this one. Each follows the same shape: read what it needs from the
store, build a prompt from :mod:`taskmaster_mcp.ai.prompts`, ask for a validated object with :func:`ask` (or text
with :func:`ask_text`), then change the store in one atomic mutation. Nothing is written before the model's answer
has been validated.

Every call names its prompt :class:`~taskmaster_mcp.ai.prompts.blocks.Template`; the versions of the templates a
tool call used are recorded in its result (``usage.promptVersion``, e.g. ``parse_prd.research@1 parse_prd@2``).
:func:`ask` and :func:`ask_text` are the one place that passes ``template.id`` to the router, which writes it to
the ledger entry's own ``prompt`` field (and keys recordings by it). Folding the version into the ledger's
``command`` would split ``usage_report``'s ``by_command`` per version and bypass ``commandRoles``, so it is not
done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import anyio.to_thread
from pydantic import BaseModel

from taskmaster_mcp.ai.prompts.blocks import Template
from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.models.concurrency import launch_width
from taskmaster_mcp.models.router import ModelRouter, ProgressFn, Sampler, Usage
from taskmaster_mcp.models.routing.rules import TaskFacts, facts_of
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.guard import worker_unit
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.reports import scores_by_task
from taskmaster_mcp.store.settings import settings_from_config
from taskmaster_mcp.tasks.model import key

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)


@dataclass
class AIContext:
    """Everything an AI command needs, as plain values and callables (built by ``mcp_server.calls.ai_context``)."""

    project: Project
    router: ModelRouter
    sampler: Sampler | None
    progress: ProgressFn
    fresh: bool = False  # skip the response cache (``fresh: true`` on the tool, ``--fresh`` on the CLI)
    route_pin: str | None = None  # a pin being set by this very call (update_task modelRole): it routes the call

    async def write(self, section: Callable[[], T]) -> T:
        """Run ``section`` on a worker thread and await its result: the one seam for an AI command's store work.

        ``section`` is a plain function holding a whole ``with store.mutate()`` block (or a git subprocess): the
        waits inside it (our project lock, Task Master's lock, git) then never stall the event loop, so every other
        call of the server goes on. Locks are taken and released in that one thread, inside a
        :func:`~taskmaster_mcp.store.guard.worker_unit`, so calls on the same project still take turns. A cancelled
        call waits for the section to end: a write is whole or not made at all.
        """
        return await anyio.to_thread.run_sync(_in_unit, section)


def _in_unit(section: Callable[[], T]) -> T:
    with worker_unit():
        return section()


class UsageSummary(BaseModel):
    """The ``usage`` block of every AI tool result: which models answered and what it cost."""

    calls: int
    models: list[str]
    inputTokens: int
    outputTokens: int
    cachedTokens: int
    costUsd: float | None
    latencyMs: float
    fallbacks: list[str] | None = None
    promptVersion: str = ""
    cacheHits: int | None = None  # calls answered from the response cache (cost 0); omitted when none
    cache: str | None = None  # when any were: where they came from and how to get new answers
    warnings: list[str] | None = None  # budgets past budgets.warnAt; costs that count against no budget
    route: list[str] | None = None  # why each call started on its role (the routing rule or pin that chose it)
    escalated: list[str] | None = None  # calls that moved up to a stronger role, and why
    normalised: list[str] | None = None  # what was mended in the answers (enum case, "5" for 5, ...); see docs
    secrets: list[str] | None = None  # what the secret guard redacted or left out of this call's prompts


class PromptUsage(Usage):
    """A router call's Usage and the template (``name@version``) that made its prompt."""

    prompt: str = ""


async def ask(
    ai: AIContext,
    template: Template,
    prompt: str,
    schema: type[M],
    *,
    command: str,
    role: str = "main",
    system: str | None = None,
    prefix: str = "",
    task: TaskFacts | None = None,
) -> tuple[M, PromptUsage]:
    """Ask the router for an object validated against ``schema`` with ``template``'s system prompt.

    ``prefix``: the stable start of the prompt (project context shared by many calls), sent before ``prompt`` and
    marked for the provider's prompt cache; it must be byte-identical from call to call to be reused. ``task``: the
    routing facts of the task the call is about (:func:`task_facts`), so the policy can route it.

    ``prompt`` and ``prefix`` pass the secret guard's last net (:func:`~taskmaster_mcp.store.secrets.guard_prompt`):
    a key pasted into a task or a request is redacted before any model sees it.
    """
    prompt, prefix = secrets.guard_prompt(prompt), secrets.guard_prompt(prefix, "project context")
    value, usage = await ai.router.generate_object(
        command=command,
        role=role,
        system=system or template.system,
        prompt=prompt,
        schema=schema,
        progress=ai.progress,
        sampler=ai.sampler,
        prompt_version=template.id,
        fresh=ai.fresh,
        prefix=prefix,
        task=task,
    )
    return value, PromptUsage(**usage.model_dump(), prompt=template.id)


async def ask_text(
    ai: AIContext,
    template: Template,
    prompt: str,
    *,
    command: str,
    role: str = "main",
    system: str | None = None,
    task: TaskFacts | None = None,
) -> tuple[str, PromptUsage]:
    """Ask the router for free text with ``template``'s system prompt (or ``system``, built from it); the prompt
    passes the secret guard's last net, as in :func:`ask`."""
    prompt = secrets.guard_prompt(prompt)
    text, usage = await ai.router.generate_text(
        command=command,
        role=role,
        system=system or template.system,
        prompt=prompt,
        progress=ai.progress,
        sampler=ai.sampler,
        prompt_version=template.id,
        fresh=ai.fresh,
        task=task,
    )
    return text, PromptUsage(**usage.model_dump(), prompt=template.id)


def task_facts(ai: AIContext, tag: str, task: dict[str, Any], sub: dict[str, Any] | None = None) -> TaskFacts:
    """The routing facts of ``task`` (complexity from the tag's report, type, pin, and the agent claiming ``sub`` when
    the call is about that subtask, else the task); they only route, never prompt."""
    facts = facts_of(task, scores_by_task(ai.project.paths, tag).get(key(task.get("id"))), sub=sub)
    return replace(facts, pin=ai.route_pin) if ai.route_pin else facts


def summarize(usages: Iterable[Usage]) -> UsageSummary:
    """Merge the Usage of every router call of one tool call (cost is None if any part's price is unknown)."""
    items = list(usages)
    cost: float | None = 0.0
    for usage in items:
        cost = None if cost is None or usage.cost_usd is None else cost + usage.cost_usd
    fallbacks = [note for usage in items for note in usage.fallbacks]
    hits = sorted(u.cache_saved_at for u in items if u.cache_saved_at)
    return UsageSummary(
        calls=len(items),
        models=list(dict.fromkeys(f"{u.role} {u.provider}/{u.model}" for u in items)),
        inputTokens=sum(u.input_tokens for u in items),
        outputTokens=sum(u.output_tokens for u in items),
        cachedTokens=sum(u.cached_tokens for u in items),
        costUsd=None if cost is None else round(cost, 6),
        latencyMs=round(sum(u.latency_ms for u in items), 1),
        fallbacks=fallbacks or None,
        promptVersion=" ".join(dict.fromkeys(u.prompt for u in items if isinstance(u, PromptUsage) and u.prompt)),
        cacheHits=len(hits) or None,
        warnings=list(dict.fromkeys(w for u in items for w in u.warnings)) or None,
        cache=cache_note(hits, len(items)),
        route=list(dict.fromkeys(u.route for u in items if u.route)) or None,
        escalated=[u.escalated for u in items if u.escalated] or None,
        normalised=_mends(items),
        secrets=secrets.notes() or None,
    )


MENDS_SHOWN = 10


def _mends(usages: list[Usage]) -> list[str] | None:
    """What was mended in the answers (models/normalise.py), each note once, at most MENDS_SHOWN lines."""
    notes = list(dict.fromkeys(n for u in usages for n in u.normalised))
    if len(notes) > MENDS_SHOWN:
        notes = [*notes[: MENDS_SHOWN - 1], f"and {len(notes) - MENDS_SHOWN + 1} more mends"]
    return notes or None


def cache_note(saved: list[str], calls: int) -> str | None:
    """What the usage block says when answers came from the response cache (``saved``: when each was stored)."""
    if not saved:
        return None
    when = saved[0] if saved[0] == saved[-1] else f"{saved[0]} to {saved[-1]}"
    which = "answered" if len(saved) == calls else f"{len(saved)} of {calls} answers came"
    return (
        f"{which} from the response cache (saved {when}), at no cost; pass fresh: true (CLI --fresh) for a new answer"
    )


async def research_step(ai: AIContext, command: str, template: Template, question: str) -> tuple[str, PromptUsage]:
    """Ask the research role for plain-text findings that a main-role call will use.

    Research models (Perplexity and the like) are good at fresh facts and poor at structured output, so they are
    asked for text only; the main role turns it into validated structure.
    """
    return await ask_text(ai, template, question, command=f"{command}:research", role="research")


async def researched(
    research: bool, ai: AIContext, command: str, template: Template, question: Callable[[], str], usages: list[Usage]
) -> str | None:
    """The research step when ``research`` is asked for (its usage appended to ``usages``); None otherwise."""
    if not research:
        return None
    findings, usage = await research_step(ai, command, template, question())
    usages.append(usage)
    return findings


def task_line(task: dict[str, Any]) -> str:
    """``7: Title [status]`` for listing existing tasks in a prompt."""
    return f"{task.get('id')}: {task.get('title', '')} [{task.get('status', 'pending')}]"


def renumber(
    model_ids: list[int], model_deps: list[list[int]], start: int, known: frozenset[int] = frozenset()
) -> tuple[list[int], list[list[int]], int]:
    """Assign our ids to items the model numbered itself, and keep only dependencies on real, earlier items.

    Item ``n`` (in answer order) gets id ``start + n``. A dependency naming one of the model's own ids follows it
    to our id; one naming an id in ``known`` (existing items) is kept as is; anything else, anything not earlier
    than the item itself, and repeats are dropped. Returns (our ids, dependencies per item, how many were dropped).
    """
    mapping: dict[int, int] = {}
    for offset, model_id in enumerate(model_ids):
        mapping.setdefault(model_id, start + offset)
    ids = [start + offset for offset in range(len(model_ids))]
    kept: list[list[int]] = []
    dropped = 0
    for new_id, wanted in zip(ids, model_deps, strict=True):
        deps: list[int] = []
        for dep in wanted:
            target = mapping.get(dep, dep if dep in known else None)
            if target is None or target >= new_id or target in deps:
                dropped += 1
                continue
            deps.append(target)
        kept.append(deps)
    return ids, kept, dropped


async def run_each(
    ai: AIContext, items: Sequence[T], work: Callable[[AIContext, T], Awaitable[R]], label: Callable[[T], str]
) -> list[R | TaskmasterError]:
    """Run ``work`` on every item, as many at once as the adaptive limiter admits (models/concurrency.py); each
    result is a value or its TaskmasterError."""
    semaphore = asyncio.Semaphore(launch_width(settings_from_config(ai.project.config())))
    finished = 0

    async def one(item: T) -> R | TaskmasterError:
        nonlocal finished

        async def progress(_done: float, _total: float | None, message: str) -> None:
            await ai.progress(finished, len(items), f"{label(item)}: {message}")

        async with semaphore:
            try:
                result: R | TaskmasterError = await work(replace(ai, progress=progress), item)
            except TaskmasterError as err:
                result = err
        finished += 1
        outcome = "failed" if isinstance(result, TaskmasterError) else "done"
        await ai.progress(finished, len(items), f"{label(item)}: {outcome}")
        return result

    return list(await asyncio.gather(*(one(item) for item in items)))
