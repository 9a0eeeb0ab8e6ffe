"""AI edits of existing tasks: update_task with a prompt, ``update`` (every open task from an id), and the research
note of update_subtask.

What the model may change is decided in code, not in the prompt (:mod:`taskmaster_mcp.ai.revision` holds the
merge rules). Besides them:

- done work is never rewritten: update_task on a done task or subtask asks the model only for follow-ups
  (:data:`~taskmaster_mcp.ai.prompts.edit.UPDATE_DONE`) and adds them under the task (next to the subtask, depending
  on it); the done item's text stays as it was. Follow-ups for done subtasks of an open task come from the
  revision itself. The result lists every follow-up under ``followUps``;
- the item must be unchanged on disk between the read and the write; if another call changed it meanwhile, that
  item is not written (update_task fails with Conflict, ``update`` reports it as skipped).

The model sees the tasks around what it rewrites (:mod:`taskmaster_mcp.ai.neighbours`): for update_task the tasks
the item builds on and those it unblocks; for an ``update`` batch the tasks outside it that the batch depends on or
that depend on it (at most ``BATCH_NEIGHBOURS``, most connected first).

``update`` asks the model in batches of :data:`BATCH_SIZE` tasks, as many at once as the adaptive limiter admits
(``taskmasterMcp.concurrency.update`` caps it), and writes once at the end: either every batch's answer is applied
or, if any batch fails, nothing is written, so a retry starts from the same state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.codebase import code_block
from taskmaster_mcp.ai.context import (
    AIContext,
    UsageSummary,
    ask,
    ask_text,
    researched,
    summarize,
    task_facts,
)
from taskmaster_mcp.ai.neighbours import batch_neighbours, builds_on, dependents, unblocks
from taskmaster_mcp.ai.plan_map import cache_floor, shared_prefix
from taskmaster_mcp.ai.prd_scope import task_scope
from taskmaster_mcp.ai.prompts import edit
from taskmaster_mcp.ai.prompts.blocks import task_context
from taskmaster_mcp.ai.revision import (
    apply_subtask_edit,
    apply_task_edit,
    fingerprint,
    follow_up_title,
    is_closed,
    is_done,
)
from taskmaster_mcp.errors import Conflict, InvalidInput, NotFound
from taskmaster_mcp.models.concurrency import launch_width
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.settings import settings_from_config, update_concurrency
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import Ref, TagIndex, Task, check_priority, key, next_int_id, subtasks_of

BATCH_SIZE = 8


class EditResult(BaseModel):
    """What an AI edit (or an AI-researched note) changed."""

    tag: str
    changed: list[str]
    message: str
    task: dict[str, Any] | None = None
    followUps: list[str] | None = None
    usage: UsageSummary


class BulkEditResult(BaseModel):
    """What ``update`` changed."""

    tag: str
    updated: list[str]
    unchanged: list[str]
    skipped: list[str] | None = None
    followUps: list[str] | None = None
    batches: int
    usage: UsageSummary


def _find(ai: AIContext, tag: str, ref: Ref) -> tuple[TagIndex, Task, Task | None]:
    store = ai.project.store
    store.require_initialized()
    index = store.read().index(tag)
    task, sub = index.get(ref)
    return index, task, sub


async def update_item(
    ai: AIContext, *, tag: str, ref: Ref, prompt: str, research: bool, overrides: dict[str, Any]
) -> EditResult:
    """Rewrite one task or subtask as ``prompt`` asks; ``overrides`` (manual field values) win over the model.

    A done task or subtask is not rewritten: the change becomes follow-up subtasks (see the module docstring).
    """
    if not prompt.strip():
        raise InvalidInput("prompt is empty. Describe the change, or pass fields (title, details, ...) to set.")
    if "priority" in overrides:
        check_priority(overrides["priority"])
    index, task, sub = _find(ai, tag, ref)
    item = sub if sub is not None else task
    before = fingerprint(item)
    subject = task_context(item, with_subtasks=sub is None)
    parent = task_context(task, with_subtasks=False, max_details=1500) if sub is not None else None
    usages: list[Usage] = []
    findings = await researched(
        research, ai, "update_task", edit.EDIT_RESEARCH, lambda: edit.edit_research_question(prompt, subject), usages
    )
    if is_done(item):
        plan, usage = await ask(
            ai,
            edit.UPDATE_DONE,
            edit.update_done_prompt(subject, prompt, parent=parent, research=findings),
            edit.FollowUpPlan,
            command="update_task",
            task=task_facts(ai, tag, task, sub),
        )
        usages.append(usage)
        return await ai.write(lambda: _write_follow_ups(ai, tag, ref, before, plan, overrides, usages))
    template = edit.UPDATE_TASK if sub is None else edit.UPDATE_SUBTASK
    schema: type[edit.TaskEdit] | type[edit.SubtaskEdit] = edit.TaskEdit if sub is None else edit.SubtaskEdit
    text = edit.update_task_prompt(
        subject,
        prompt,
        parent=parent,
        research=findings,
        builds_on=builds_on(index, task, sub),
        unblocks=unblocks(index, task, sub),
        codebase=code_block(ai.project.paths),
        scope=task_scope(task),
    )
    proposal, usage = await ask(ai, template, text, schema, command="update_task", task=task_facts(ai, tag, task, sub))
    usages.append(usage)
    changed: list[str] = []
    follow_ups: list[str] = []

    def section() -> Task:
        nonlocal changed, follow_ups
        with ai.project.store.mutate() as doc:
            live = _live(doc.index(tag), ref, before)
            if isinstance(proposal, edit.TaskEdit):
                changed, follow_ups = apply_task_edit(live, proposal)
            else:
                changed = apply_subtask_edit(live, proposal)
            changed = _override(live, overrides, changed)
            if not changed:
                raise NoChange
        return live

    live = await ai.write(section)
    message = f"Updated {ref}: {', '.join(changed)}."
    if follow_ups:
        message += f" Done work was kept as it is; the change to it is in follow-up subtask(s) {', '.join(follow_ups)}."
    return EditResult(
        tag=tag,
        changed=[f"{ref}.{name}" for name in changed],
        message=message,
        task=live,
        followUps=follow_ups or None,
        usage=summarize(usages),
    )


def _live(index: TagIndex, ref: Ref, before: str) -> Task:
    live_task, live_sub = index.get(ref)
    live = live_sub if live_sub is not None else live_task
    if fingerprint(live) != before:
        raise Conflict(
            f"{ref} was changed by another call while the model was working; nothing was written. "
            "Call update_task again."
        )
    return live


def _override(live: Task, overrides: dict[str, Any], changed: list[str]) -> list[str]:
    for name, value in overrides.items():
        if live.get(name) != value:
            live[name] = value
            changed.append(name)
    return list(dict.fromkeys(changed))


def _write_follow_ups(
    ai: AIContext,
    tag: str,
    ref: Ref,
    before: str,
    plan: edit.FollowUpPlan,
    overrides: dict[str, Any],
    usages: list[Usage],
) -> EditResult:
    """Add the follow-ups of a done item: under the task, or next to the subtask (depending on it)."""
    with ai.project.store.mutate() as doc:
        index = doc.index(tag)
        live = _live(index, ref, before)
        owner, _ = index.get(Ref(ref.task))
        if not isinstance(owner.get("subtasks"), list):
            owner["subtasks"] = []
        subs = subtasks_of(owner)
        done_id = live.get("id") if ref.sub is not None else None
        follow_ups: list[str] = []
        for draft in plan.followUps:
            new_id = next_int_id(subs)
            sub: Task = {
                "id": new_id,
                "title": follow_up_title(str(ref), draft.title),
                "description": draft.description.strip(),
                "details": draft.details,
                "status": "pending",
                "dependencies": [done_id] if isinstance(done_id, int) and not isinstance(done_id, bool) else [],
            }
            if draft.testStrategy.strip():
                sub["testStrategy"] = draft.testStrategy
            subs.append(sub)
            follow_ups.append(f"{ref.task}.{new_id}")
        changed = _override(live, overrides, [])
    message = (
        f"{ref} is done, so its text was kept as it is; the change is in follow-up subtask(s) {', '.join(follow_ups)}."
    )
    if ref.sub is None:
        message += f" Set {ref} back to in-progress when that work starts."
    return EditResult(
        tag=tag,
        changed=[*(f"{f} (new)" for f in follow_ups), *(f"{ref}.{n}" for n in changed)],
        message=message,
        task=owner,
        followUps=follow_ups,
        usage=summarize(usages),
    )


async def update_from(ai: AIContext, *, tag: str, start: str, prompt: str, research: bool) -> BulkEditResult:
    """Rewrite every open task (not done, completed or cancelled) whose id is >= ``start``, as ``prompt`` asks."""
    if not prompt.strip():
        raise InvalidInput("prompt is empty. Describe the change that affects the tasks.")
    if not key(start).isdigit():
        raise InvalidInput(f"from must be a task id number like '4', got {start!r}.")
    first = int(key(start))
    config = ai.project.config()
    concurrency = update_concurrency(config) or launch_width(settings_from_config(config))
    index = _find_index(ai, tag)
    targets = [
        t for t in index.tasks if key(t.get("id")).isdigit() and int(key(t.get("id"))) >= first and not is_closed(t)
    ]
    if not targets:
        raise NotFound(
            f"No open task with id >= {first} in tag '{tag}' (done, completed and cancelled tasks are "
            "never rewritten). Call get_tasks to see the ids."
        )
    before = {key(t.get("id")): fingerprint(t) for t in targets}
    lines = [task_context(t) for t in targets]
    usages: list[Usage] = []
    findings = await researched(
        research,
        ai,
        "update",
        edit.EDIT_RESEARCH,
        lambda: edit.edit_research_question(prompt, "\n".join(f"{t.get('id')}: {t.get('title', '')}" for t in targets)),
        usages,
    )
    batches = [list(range(i, min(i + BATCH_SIZE, len(targets)))) for i in range(0, len(targets), BATCH_SIZE)]
    reverse = dependents(index)
    around = [batch_neighbours(index, [targets[i] for i in batch], reverse) for batch in batches]
    gate = asyncio.Semaphore(concurrency)
    finished = 0
    shared = shared_prefix(
        edit.update_many_context(prompt, findings), index.tasks, cache_floor(config), edit.UPDATE_MANY.system
    )

    async def one(number: int, batch: list[int]) -> tuple[edit.BatchEdit, Usage]:
        nonlocal finished
        async with gate:
            answer = await ask(
                ai,
                edit.UPDATE_MANY,
                edit.update_many_prompt([lines[i] for i in batch], neighbours=around[number]),
                edit.BatchEdit,
                command="update",
                prefix=shared,
            )
        finished += 1
        await ai.progress(finished, len(batches), f"batch {finished} of {len(batches)} answered")
        return answer

    await ai.progress(0, len(batches), f"revising {len(targets)} tasks in {len(batches)} batch(es)")
    running = [asyncio.ensure_future(one(number, batch)) for number, batch in enumerate(batches)]
    try:
        answers = await asyncio.gather(*running)
    except BaseException:  # one batch failed: stop the others, write nothing
        for job in running:
            job.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    updated: list[str] = []
    skipped: list[str] = []
    follow_ups: list[str] = []

    def section() -> None:
        nonlocal follow_ups
        with ai.project.store.mutate() as doc:
            live_index = doc.index(tag)
            for batch, (answer, usage) in zip(batches, answers, strict=True):
                usages.append(usage)
                allowed = {key(targets[i].get("id")) for i in batch}
                for proposal in answer.tasks:
                    task_id = key(proposal.id)
                    if task_id not in allowed or task_id in updated or task_id in skipped:
                        continue
                    live = live_index.by_id.get(task_id)
                    if live is None or is_closed(live) or fingerprint(live) != before[task_id]:
                        skipped.append(task_id)
                        continue
                    changed, added = apply_task_edit(live, proposal)
                    follow_ups += added
                    if changed:
                        updated.append(task_id)
            if not updated:
                raise NoChange

    await ai.write(section)
    unchanged = [key(t.get("id")) for t in targets if key(t.get("id")) not in (*updated, *skipped)]
    return BulkEditResult(
        tag=tag,
        updated=updated,
        unchanged=unchanged,
        skipped=skipped or None,
        followUps=follow_ups or None,
        batches=len(batches),
        usage=summarize(usages),
    )


def _find_index(ai: AIContext, tag: str) -> TagIndex:
    store = ai.project.store
    store.require_initialized()
    return store.read().index(tag)


async def note_with_research(
    ai: AIContext, *, tag: str, ref: Ref, note: str, changes: dict[str, Any] | None = None
) -> EditResult:
    """Append ``note`` verbatim as a dated note with the research role's findings about it under it (and set the
    manual field ``changes`` in the same write)."""
    if not note.strip():
        raise InvalidInput("The note is empty. Pass the text to append in prompt.")
    if changes and "priority" in changes:
        check_priority(changes["priority"])
    _, task, sub = _find(ai, tag, ref)
    item = sub if sub is not None else task
    findings, usage = await ask_text(
        ai,
        edit.NOTE_RESEARCH,
        edit.note_research_prompt(
            note, task_context(item, with_subtasks=False), task_context(task, with_subtasks=False, max_details=1500)
        ),
        command="update_subtask" if sub is not None else "update_task",
        role="research",
    )
    text = f"{note.strip()}\n\nResearch ({usage.provider}/{usage.model}):\n{findings.strip()}"

    def section() -> list[str]:
        with ai.project.store.mutate() as doc:
            return edits.update_fields(doc, tag, ref, changes or {}, append=text)

    changed = await ai.write(section)
    return EditResult(
        tag=tag,
        changed=[f"{ref}.{name}" for name in changed],
        message=f"Appended a note with research to {ref}.",
        usage=summarize([usage]),
    )
