"""AI edits of existing tasks: update_task with a prompt, ``update`` (every open task from an id), and the research
note of update_subtask.

What the model may change is decided here, not in the prompt:

- a task keeps its id, status, dependencies, every field the model does not write (``metadata`` above all, which
  is never sent to it) and its closed subtasks (done, completed, cancelled) exactly;
- the model may rewrite title, description, details, testStrategy, priority (only when it returns one) and open
  subtasks, and may add open subtasks, which get ids after the highest existing one;
- dated ``<info added on ...>`` notes in details are the agent's own words: one the model dropped is put back;
- the item must be unchanged on disk between the read and the write; if another call changed it meanwhile, that
  item is not written (update_task fails with Conflict, ``update`` reports it as skipped).

``update`` asks the model in batches of :data:`BATCH_SIZE` tasks, a few batches at a time
(``taskmasterMcp.concurrency.update``, default 3), and writes once at the end: either every batch's answer is
applied or, if any batch fails, nothing is written, so a retry starts from the same state.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.context import AIContext, UsageSummary, research_step, summarize
from taskmaster_mcp.ai.prompts import edit
from taskmaster_mcp.ai.prompts.blocks import task_context
from taskmaster_mcp.errors import Conflict, InvalidInput, NotFound
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.settings import update_concurrency
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Ref, Task, check_priority, key, next_int_id, subtasks_of

BATCH_SIZE = 8
TEXT_FIELDS = ("title", "description", "details", "testStrategy")
_NOTE = re.compile(r"<info added on ([^>\n]+)>.*?</info added on \1>", re.DOTALL)


class EditResult(BaseModel):
    """What an AI edit (or an AI-researched note) changed."""

    tag: str
    changed: list[str]
    message: str
    task: dict[str, Any] | None = None
    usage: UsageSummary


class BulkEditResult(BaseModel):
    """What ``update`` changed."""

    tag: str
    updated: list[str]
    unchanged: list[str]
    skipped: list[str] | None = None
    batches: int
    usage: UsageSummary


def fingerprint(item: Task) -> str:
    """A stable text of an item, to tell whether it changed between a read and a write."""
    return json.dumps(item, sort_keys=True, default=str)


def keep_notes(old: str, new: str) -> str:
    """``new`` with every dated note of ``old`` that the model dropped appended again, in order."""
    missing = [m.group(0) for m in _NOTE.finditer(old) if m.group(0) not in new]
    if not missing:
        return new
    return "\n\n".join(part for part in (new.rstrip(), *missing) if part)


def _set(item: Task, name: str, value: str) -> bool:
    if name == "title":
        value = value.strip()
    if name == "details":
        old = item.get("details")
        value = keep_notes(old, value) if isinstance(old, str) else value
    if item.get(name) == value or (name not in item and value == ""):
        return False  # no placeholder fields: an absent field stays absent unless there is text for it
    item[name] = value
    return True


def _is_closed(item: Task) -> bool:
    return item.get("status") in CLOSED_STATUSES


def apply_subtask_edit(sub: Task, proposal: edit.SubtaskEdit | edit.SubtaskDraft, prefix: str = "") -> list[str]:
    """Write the model's text fields into a subtask; return the changed field names."""
    return [prefix + name for name in TEXT_FIELDS if _set(sub, name, getattr(proposal, name))]


def apply_task_edit(task: Task, proposal: edit.TaskEdit) -> list[str]:
    """Merge the model's revision into a task under the rules of the module docstring; return what changed."""
    changed = [name for name in TEXT_FIELDS if _set(task, name, getattr(proposal, name))]
    if proposal.priority is not None and task.get("priority") != proposal.priority:
        task["priority"] = proposal.priority
        changed.append("priority")
    subs = subtasks_of(task)
    by_id = {key(s.get("id")): s for s in subs}
    new: list[Task] = []
    mapping: dict[int, int] = {}
    for draft in proposal.subtasks:
        existing = by_id.get(str(draft.id)) if draft.id is not None else None
        if existing is not None:
            if not _is_closed(existing):
                changed += apply_subtask_edit(existing, draft, f"subtasks.{key(existing.get('id'))}.")
            continue
        new_id = next_int_id([*subs, *new])
        if draft.id is not None:
            mapping[draft.id] = new_id
        known = {int(k) for k in by_id if k.isdigit()} | {n["id"] for n in new}
        dependencies = list(dict.fromkeys(d for d in (mapping.get(d, d) for d in draft.dependencies)
                                          if d in known and d != new_id))
        sub: Task = {"id": new_id, "title": draft.title.strip(), "description": draft.description,
                     "details": draft.details, "status": "pending", "dependencies": dependencies}
        if draft.testStrategy:
            sub["testStrategy"] = draft.testStrategy
        new.append(sub)
    if new:
        if not isinstance(task.get("subtasks"), list):
            task["subtasks"] = []
        subtasks_of(task).extend(new)
        changed += [f"subtasks.{s['id']} (new)" for s in new]
    return changed


def _find(ai: AIContext, tag: str, ref: Ref) -> tuple[Task, Task | None]:
    store = ai.project.store
    store.require_initialized()
    return store.read().index(tag).get(ref)


async def update_item(ai: AIContext, *, tag: str, ref: Ref, prompt: str, research: bool,
                      overrides: dict[str, Any]) -> EditResult:
    """Rewrite one task or subtask as ``prompt`` asks; ``overrides`` (manual field values) win over the model."""
    if not prompt.strip():
        raise InvalidInput("prompt is empty. Describe the change, or pass fields (title, details, ...) to set.")
    if "priority" in overrides:
        check_priority(overrides["priority"])
    task, sub = _find(ai, tag, ref)
    item = sub if sub is not None else task
    before = fingerprint(item)
    subject = task_context(item, with_subtasks=sub is None)
    parent = task_context(task, with_subtasks=False, max_details=1500) if sub is not None else None
    usages: list[Usage] = []
    findings = None
    if research:
        findings, usage = await research_step(ai, "update_task", edit.edit_research_question(prompt, subject))
        usages.append(usage)
    system = edit.UPDATE_TASK_SYSTEM if sub is None else edit.UPDATE_SUBTASK_SYSTEM
    schema: type[edit.TaskEdit] | type[edit.SubtaskEdit] = edit.TaskEdit if sub is None else edit.SubtaskEdit
    proposal, usage = await ai.router.generate_object(
        command="update_task", role="main", system=system,
        prompt=edit.update_task_prompt(subject, prompt, parent=parent, research=findings), schema=schema,
        progress=ai.progress, sampler=ai.sampler)
    usages.append(usage)
    changed: list[str] = []
    with ai.project.store.mutate() as doc:
        live_task, live_sub = doc.index(tag).get(ref)
        live = live_sub if live_sub is not None else live_task
        if fingerprint(live) != before:
            raise Conflict(f"{ref} was changed by another call while the model was working; nothing was written. "
                           "Call update_task again.")
        if isinstance(proposal, edit.TaskEdit):
            changed = apply_task_edit(live, proposal)
        else:
            changed = apply_subtask_edit(live, proposal)
        for name, value in overrides.items():
            if live.get(name) != value:
                live[name] = value
                changed.append(name)
        changed = list(dict.fromkeys(changed))
        if not changed:
            raise NoChange
    message = f"Updated {ref}: {', '.join(changed)}." if changed else f"The model proposed no change to {ref}."
    return EditResult(tag=tag, changed=[f"{ref}.{name}" for name in changed], message=message, task=live,
                      usage=summarize(usages))


async def update_from(ai: AIContext, *, tag: str, start: str, prompt: str, research: bool) -> BulkEditResult:
    """Rewrite every open task (not done, completed or cancelled) whose id is >= ``start``, as ``prompt`` asks."""
    if not prompt.strip():
        raise InvalidInput("prompt is empty. Describe the change that affects the tasks.")
    if not key(start).isdigit():
        raise InvalidInput(f"from must be a task id number like '4', got {start!r}.")
    first = int(key(start))
    concurrency = update_concurrency(ai.project.config())
    tasks = _find_tasks(ai, tag)
    targets = [t for t in tasks if key(t.get("id")).isdigit() and int(key(t.get("id"))) >= first
               and not _is_closed(t)]
    if not targets:
        raise NotFound(f"No open task with id >= {first} in tag '{tag}' (done, completed and cancelled tasks are "
                       "never rewritten). Call get_tasks to see the ids.")
    before = {key(t.get("id")): fingerprint(t) for t in targets}
    lines = [task_context(t) for t in targets]
    usages: list[Usage] = []
    findings = None
    if research:
        findings, usage = await research_step(ai, "update", edit.edit_research_question(prompt, "\n".join(
            f"{t.get('id')}: {t.get('title', '')}" for t in targets)))
        usages.append(usage)
    batches = [list(range(i, min(i + BATCH_SIZE, len(targets)))) for i in range(0, len(targets), BATCH_SIZE)]
    gate = asyncio.Semaphore(concurrency)
    finished = 0

    async def ask(batch: list[int]) -> tuple[edit.BatchEdit, Usage]:
        nonlocal finished
        async with gate:
            answer = await ai.router.generate_object(
                command="update", role="main", system=edit.UPDATE_MANY_SYSTEM,
                prompt=edit.update_many_prompt([lines[i] for i in batch], prompt, research=findings),
                schema=edit.BatchEdit, progress=ai.progress, sampler=ai.sampler)
        finished += 1
        await ai.progress(finished, len(batches), f"batch {finished} of {len(batches)} answered")
        return answer

    await ai.progress(0, len(batches), f"revising {len(targets)} tasks in {len(batches)} batch(es)")
    running = [asyncio.ensure_future(ask(batch)) for batch in batches]
    try:
        answers = await asyncio.gather(*running)
    except BaseException:  # one batch failed: stop the others, write nothing
        for job in running:
            job.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    updated: list[str] = []
    skipped: list[str] = []
    with ai.project.store.mutate() as doc:
        index = doc.index(tag)
        for batch, (answer, usage) in zip(batches, answers, strict=True):
            usages.append(usage)
            allowed = {key(targets[i].get("id")) for i in batch}
            for proposal in answer.tasks:
                task_id = key(proposal.id)
                if task_id not in allowed or task_id in updated or task_id in skipped:
                    continue
                live = index.by_id.get(task_id)
                if live is None or _is_closed(live) or fingerprint(live) != before[task_id]:
                    skipped.append(task_id)
                    continue
                if apply_task_edit(live, proposal):
                    updated.append(task_id)
        if not updated:
            raise NoChange
    unchanged = [key(t.get("id")) for t in targets if key(t.get("id")) not in (*updated, *skipped)]
    return BulkEditResult(tag=tag, updated=updated, unchanged=unchanged, skipped=skipped or None,
                          batches=len(batches), usage=summarize(usages))


def _find_tasks(ai: AIContext, tag: str) -> list[Task]:
    store = ai.project.store
    store.require_initialized()
    return store.read().index(tag).tasks


async def note_with_research(ai: AIContext, *, tag: str, ref: Ref, note: str,
                             changes: dict[str, Any] | None = None) -> EditResult:
    """Append ``note`` verbatim as a dated note with the research role's findings about it under it (and set the
    manual field ``changes`` in the same write)."""
    if not note.strip():
        raise InvalidInput("The note is empty. Pass the text to append in prompt.")
    if changes and "priority" in changes:
        check_priority(changes["priority"])
    task, sub = _find(ai, tag, ref)
    item = sub if sub is not None else task
    findings, usage = await ai.router.generate_text(
        command="update_subtask" if sub is not None else "update_task", role="research",
        system=edit.NOTE_RESEARCH_SYSTEM,
        prompt=edit.note_research_prompt(note, task_context(item, with_subtasks=False),
                                         task_context(task, with_subtasks=False, max_details=1500)),
        progress=ai.progress, sampler=ai.sampler)
    text = f"{note.strip()}\n\nResearch ({usage.provider}/{usage.model}):\n{findings.strip()}"
    with ai.project.store.mutate() as doc:
        changed = edits.update_fields(doc, tag, ref, changes or {}, append=text)
    return EditResult(tag=tag, changed=[f"{ref}.{name}" for name in changed],
                      message=f"Appended a note with research to {ref}.", usage=summarize([usage]))

