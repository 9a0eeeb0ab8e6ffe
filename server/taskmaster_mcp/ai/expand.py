"""expand_task and expand_all: work broken into subtasks by the main role. Decisions:

- The model sees the task in full, the tasks it builds on and those it unblocks with their descriptions and the
  start of their details (:mod:`taskmaster_mcp.ai.neighbours`), a few tasks on similar topics by title, the
  complexity report's score, reasoning and expansion prompt for it, and the project's code when there is some
  (:mod:`taskmaster_mcp.ai.codebase`, read once per call, shared by every task of expand_all). A count the caller
  set is asked for exactly; a recommended or default count as "about".
- The model numbers its subtasks 1..n and may depend only on earlier ones; we give them real ids after the parent's
  highest subtask id and store a sibling dependency as an int (Task Master's convention). A dependency on an unknown
  or later number is dropped and counted.
- Without ``force`` new subtasks are appended after existing ones; with ``force`` the existing ones are removed first
  (and references to them dropped, as clear_subtasks does).
- Expanding a subtask ``7.2`` (Task Master cannot) replaces it, in its place in the list, by finer subtasks of task
  7 with new ids: the first inherits 7.2's dependencies, a later one without dependencies from the model follows the
  one before it, and everything that depended on 7.2 now depends on the last new one.
- The scope of the PRD a task came from (``metadata.prd``, :mod:`taskmaster_mcp.ai.prd_scope`) goes with it.
- Counts hold (:mod:`taskmaster_mcp.ai.counts`): an exact count is in the schema; a miss is asked again once on the
  same prefix with the answer shown; the closer answer is kept and ``notes`` say so. Writing: ``ai/subtask_writes``.
- expand_all runs one model call per task concurrently (adaptive, ``models/concurrency.py``) and saves each
  task's subtasks in its own write as soon as its answer arrives, so a failure or a cancellation loses nothing done.
  It stops at ``taskmasterMcp.timeouts.toolSeconds`` (default 50, under common client timeouts of 60 s): calls in
  flight are cancelled and their tasks are listed as ``remaining`` for the next call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.codebase import code_block
from taskmaster_mcp.ai.context import AIContext, UsageSummary, researched, summarize, task_line
from taskmaster_mcp.ai.counts import ask_counted
from taskmaster_mcp.ai.critique import Critic, CritiqueReport, subtasks_source
from taskmaster_mcp.ai.neighbours import builds_on, dependents, relevant, unblocks
from taskmaster_mcp.ai.plan_map import expand_all_prefix
from taskmaster_mcp.ai.prd_scope import task_scope
from taskmaster_mcp.ai.prompts import expand
from taskmaster_mcp.ai.prompts.blocks import task_context
from taskmaster_mcp.ai.subtask_writes import check_open, created_rows, save
from taskmaster_mcp.errors import Conflict, TaskmasterError
from taskmaster_mcp.models.concurrency import launch_width
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.models.routing.rules import TaskFacts, facts_of
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.reports import scores_by_task
from taskmaster_mcp.store.settings import settings_from_config, tool_seconds
from taskmaster_mcp.tasks.model import (
    CLOSED_STATUSES,
    Ref,
    TagIndex,
    Task,
    key,
    parse_ref,
    subtasks_of,
)

log = logging.getLogger("taskmaster_mcp")

DEFAULT_SUBTASKS = 5
SIMILAR_TITLES = 4
OPEN_STATUSES = frozenset({"pending", "in-progress"})


class ExpandResult(BaseModel):
    """What expand_task wrote."""

    tag: str
    id: str
    created: list[dict[str, Any]]
    removed: list[str] = []
    droppedDependencies: int = 0
    notes: list[str] | None = None
    usage: UsageSummary
    critique: CritiqueReport | None = None


class ItemCount(BaseModel):
    """A task id and how many subtasks it got."""

    id: str
    subtasks: int


class ItemReason(BaseModel):
    """A task id and why it was skipped or failed."""

    id: str
    reason: str


class ExpandAllResult(BaseModel):
    """What expand_all did: expanded, skipped and failed tasks, and those left for the next call."""

    tag: str
    expanded: list[ItemCount]
    skipped: list[ItemReason]
    failed: list[ItemReason]
    remaining: list[str]
    message: str
    notes: list[str] | None = None
    usage: UsageSummary


def default_subtasks(config: Config) -> int:
    """``global.defaultSubtasks`` when it is a sensible number, else 5."""
    value = config.global_settings.get("defaultSubtasks")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 50 else DEFAULT_SUBTASKS


@dataclass
class Job:
    """Everything the model is told about one expansion, prepared from one read of the store."""

    ref: Ref
    target: str
    parent: str | None
    count: int
    exact: bool
    builds_on: list[str]
    unblocks: list[str]
    related: list[str]
    hint: str | None
    existing: bool
    facts: TaskFacts | None = None  # routing only (models/routing.py); never part of the prompt
    scope: str | None = None  # the recorded scope of the PRD the task came from


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _hint(entry: dict[str, Any], task: Task) -> tuple[str | None, int | None]:
    """The complexity report's view of ``task`` (the task's own copies of it when the report has none)."""
    recommended = entry.get("recommendedSubtasks", task.get("recommendedSubtasks"))
    if not isinstance(recommended, int) or isinstance(recommended, bool) or recommended <= 0:
        recommended = None
    hint = expand.complexity_hint(
        entry.get("complexityScore", task.get("complexity")),
        recommended,
        _text(entry.get("reasoning", task.get("complexityReasoning"))),
        _text(entry.get("expansionPrompt", task.get("expansionPrompt"))),
    )
    return hint, recommended


def make_job(
    index: TagIndex,
    ref: Ref,
    report: dict[str, dict[str, Any]],
    num: int | None,
    default: int,
    force: bool,
    reverse: dict[str, list[Task]] | None = None,
) -> Job:
    """Prepare the expansion of a task or a subtask (``reverse``: :func:`dependents` of the index, if at hand)."""
    task, sub = index.get(ref)
    if sub is not None:
        view = {**sub, "id": str(ref)}
        return Job(
            ref,
            task_context(view),
            task_context(task),
            num or default,
            num is not None,
            builds_on(index, task, sub),
            unblocks(index, task, sub),
            [],
            None,
            False,
            facts_of(task, report.get(ref.task)),
            task_scope(task),
        )
    hint, recommended = _hint(report.get(ref.task) or {}, task)
    reverse = reverse if reverse is not None else dependents(index)
    near = {ref.task, *(r.task for r in index.dep_refs(task)), *(key(t.get("id")) for t in reverse.get(ref.task, []))}
    topic = f"{task.get('title', '')} {task.get('description', '')}"
    similar = [task_line(t) for t in relevant(index, topic, SIMILAR_TITLES, exclude=near)]
    existing = bool(subtasks_of(task)) and not force
    return Job(
        ref,
        task_context(task, with_subtasks=existing),
        None,
        num or recommended or default,
        num is not None,
        builds_on(index, task),
        unblocks(index, task, reverse=reverse),
        similar,
        hint,
        existing,
        facts_of(task, report.get(ref.task)),
        task_scope(task),
    )


def job_prompt(job: Job, research: str | None) -> str:
    """The expand prompt of one job (what the model reads about the task, its neighbours and the count)."""
    return expand.expand_prompt(
        target=job.target,
        parent=job.parent,
        count=job.count,
        exact=job.exact,
        builds_on=job.builds_on,
        unblocks=job.unblocks,
        related=job.related,
        hint=job.hint,
        existing=job.existing,
        research=research,
        scope=job.scope,
    )


async def draft(
    ai: AIContext,
    command: str,
    job: Job,
    request: str | None,
    research: bool,
    usages: list[Usage],
    code: str,
    critic: Critic | None = None,
    notes: list[str] | None = None,
) -> list[expand.PlannedSubtask]:
    """Ask the model for the subtasks of one job (research first when asked; an exact count missed is asked again
    once, with a note in ``notes``; with ``critic``, critiqued and revised once); usage goes into ``usages``."""
    findings = await researched(
        research, ai, command, expand.EXPAND_RESEARCH, lambda: expand.expand_research_question(job.target), usages
    )
    prompt = job_prompt(job, findings)
    prefix = expand.expand_context(codebase=code, request=request)
    schema = expand.counted_subtasks(job.count) if job.exact else expand.SubtaskPlan
    answer, usage = await ask_counted(
        ai,
        expand.EXPAND,
        prompt,
        schema,
        items=lambda a: [f"{s.id} {s.title}" for s in a.subtasks],
        wanted=job.count if job.exact else 0,
        what="subtasks",
        where=f"{job.ref}: ",
        command=command,
        usages=usages,
        notes=notes if notes is not None else [],
        prefix=prefix,
        task=job.facts,
    )
    if critic is not None:
        answer = await critic.check(
            ai,
            command=command,
            author=expand.EXPAND,
            prompt=prompt,
            draft=answer,
            drafted=usage,
            usages=usages,
            source=subtasks_source(job.target, job.parent, request),
            prefix=prefix,
            task=job.facts,
        )
    return answer.subtasks


async def expand_task(
    ai: AIContext,
    *,
    tag: str,
    id: str,
    num: int | None,
    request: str | None,
    force: bool,
    research: bool,
    critique: bool = False,
) -> ExpandResult:
    """Break one task (or subtask) into subtasks and write them (``critique``: :mod:`taskmaster_mcp.ai.critique`)."""
    store = ai.project.store
    store.require_initialized()
    ref = parse_ref(id)
    index = store.read().index(tag)
    task, sub = index.get(ref)
    check_open(task, sub, ref)
    config = ai.project.config()
    job = make_job(index, ref, scores_by_task(ai.project.paths, tag), num, default_subtasks(config), force)
    critic = Critic(ai, "subtasks") if critique else None
    await ai.progress(0, None, f"expanding {ref} into about {job.count} subtasks")
    usages: list[Usage] = []
    notes: list[str] = []
    planned = await draft(
        ai, "expand_task", job, request, research, usages, code_block(ai.project.paths), critic, notes
    )
    made, removed, dropped = await ai.write(lambda: save(store, tag, ref, planned, force))
    return ExpandResult(
        tag=tag,
        id=str(ref),
        created=created_rows(ref.task, made),
        removed=removed,
        droppedDependencies=dropped,
        notes=notes or None,
        usage=summarize(usages),
        critique=critic.report() if critic is not None else None,
    )


def reason_text(err: BaseException) -> str:
    """An error as one short line for a result's failed list."""
    text = " ".join(str(err).split())
    return (text[:400] + "...") if len(text) > 400 else text or type(err).__name__


async def expand_all(
    ai: AIContext, *, tag: str, num: int | None, request: str | None, force: bool, research: bool
) -> ExpandAllResult:
    """Expand every open task without subtasks (all open tasks with force), concurrently, within the time budget."""
    store = ai.project.store
    store.require_initialized()
    config = ai.project.config()
    limit, budget = launch_width(settings_from_config(config)), tool_seconds(config)  # the limiter paces calls
    deadline = time.monotonic() + budget
    index = store.read().index(tag)
    eligible: list[str] = []
    skipped: list[ItemReason] = []
    for task in index.tasks:
        tid, status = key(task.get("id")), task.get("status", "pending")
        if status in CLOSED_STATUSES:
            continue
        if status not in OPEN_STATUSES:
            skipped.append(ItemReason(id=tid, reason=f"status {status}"))
        elif subtasks_of(task) and not force:
            skipped.append(ItemReason(id=tid, reason="has subtasks (force=true replaces them)"))
        else:
            eligible.append(tid)
    if not eligible:
        raise Conflict(
            f"No task in tag '{tag}' needs expanding: none is pending or in-progress without subtasks. "
            "Pass force=true to replace existing subtasks, or expand_task one task."
        )
    report, default = scores_by_task(ai.project.paths, tag), default_subtasks(config)
    reverse, code = dependents(index), expand_all_prefix(code_block(ai.project.paths), index.tasks, config)
    total, semaphore = len(eligible), asyncio.Semaphore(limit)
    usages: list[Usage] = []
    expanded: dict[str, int] = {}
    failed: dict[str, str] = {}
    notes: list[str] = []

    async def run(tid: str) -> None:
        async def progress(_done: float, _total: float | None, message: str) -> None:
            await ai.progress(len(expanded) + len(failed), total, f"task {tid}: {message}")

        async with semaphore:
            try:
                job = make_job(index, Ref(tid), report, num, default, force, reverse)  # built when started
                planned = await draft(
                    replace(ai, progress=progress), "expand_all", job, request, research, usages, code, notes=notes
                )
                made, _, _ = await ai.write(lambda: save(store, tag, Ref(tid), planned, force))
            except Exception as err:  # one task's failure must not stop the others
                if not isinstance(err, TaskmasterError):
                    log.exception("expand_all: task %s failed", tid)
                failed[tid] = reason_text(err)
                await ai.progress(len(expanded) + len(failed), total, f"task {tid} failed")
                return
            expanded[tid] = len(made)
            await ai.progress(len(expanded) + len(failed), total, f"task {tid}: {len(made)} subtasks saved")

    workers = [asyncio.create_task(run(tid)) for tid in eligible]
    try:
        await asyncio.wait(workers, timeout=max(0.0, deadline - time.monotonic()))
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    remaining = [tid for tid in eligible if tid not in expanded and tid not in failed]
    if remaining:
        again = "call expand_all again to continue" + (
            " (without force, so expanded tasks are skipped)" if force else " (expanded tasks are skipped)"
        )
        message = f"Time budget of {budget:g}s used up: {len(remaining)} task(s) not expanded yet; {again}."
    elif failed:
        message = (
            f"{len(expanded)} task(s) expanded, {len(failed)} failed (see failed). Fix the cause and call "
            "expand_all again; expanded tasks are skipped."
        )
    else:
        message = f"{len(expanded)} task(s) expanded."
    return ExpandAllResult(
        tag=tag,
        expanded=[ItemCount(id=t, subtasks=expanded[t]) for t in eligible if t in expanded],
        skipped=skipped,
        failed=[ItemReason(id=t, reason=failed[t]) for t in eligible if t in failed],
        remaining=remaining,
        message=message,
        notes=notes or None,
        usage=summarize(usages),
    )
