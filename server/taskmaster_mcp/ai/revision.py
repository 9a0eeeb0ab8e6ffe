"""What a model's revision of a task may change: the merge rules of update_task and ``update``, as pure functions.

- A task keeps its id, status, dependencies, every field the model does not write (``metadata`` above all, which
  is never sent to it) and its closed subtasks (done, completed, cancelled) exactly.
- The model may rewrite title, description, details, testStrategy, priority (only when it returns one) and open
  subtasks, and may add open subtasks, which get ids after the highest existing one.
- Done work is never rewritten (Task Master's rule too). A change that affects a done subtask becomes a new
  subtask titled ``Follow-up to 7.2: ...`` that depends on it: when the model says so (``revises``), and also when
  it returned the done subtask with new text anyway.
- Dated ``<info added on ...>`` notes in details are the agent's own words: one the model dropped is put back.
- An absent field stays absent unless there is text for it (no placeholder fields).
"""

from __future__ import annotations

import json
import re

from taskmaster_mcp.ai.prompts import edit
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, DONE_STATUSES, Task, key, next_int_id, subtasks_of

FOLLOW_UP = "Follow-up"
TEXT_FIELDS = ("title", "description", "details", "testStrategy")
_NOTE = re.compile(r"<info added on ([^>\n]+)>.*?</info added on \1>", re.DOTALL)


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


def is_closed(item: Task) -> bool:
    """Done, completed or cancelled."""
    return item.get("status") in CLOSED_STATUSES


def is_done(item: Task) -> bool:
    """Done or completed: finished work, never rewritten."""
    return item.get("status") in DONE_STATUSES


def _rewrites(sub: Task, draft: edit.SubtaskDraft) -> bool:
    """Whether a returned finished subtask carries new text (not just an echo of itself)."""
    return any(
        value.strip() and value.strip() != str(sub.get(name, "")).strip()
        for name, value in (("title", draft.title), ("description", draft.description), ("details", draft.details))
    )


def follow_up_title(owner: str, title: str) -> str:
    """``Follow-up to 7.2: <title>`` (a title that already says it is a follow-up is kept)."""
    title = title.strip()
    return title if title.lower().startswith(FOLLOW_UP.lower()) else f"{FOLLOW_UP} to {owner}: {title}"


def apply_subtask_edit(sub: Task, proposal: edit.SubtaskEdit | edit.SubtaskDraft, prefix: str = "") -> list[str]:
    """Write the model's text fields into a subtask; return the changed field names."""
    return [prefix + name for name in TEXT_FIELDS if _set(sub, name, getattr(proposal, name))]


def apply_task_edit(task: Task, proposal: edit.TaskEdit) -> tuple[list[str], list[str]]:
    """Merge the model's revision into a task under the rules of the module docstring.

    Returns the changed field names and the ids (``7.5``) of follow-up subtasks added for done work.
    """
    changed = [name for name in TEXT_FIELDS if _set(task, name, getattr(proposal, name))]
    if proposal.priority is not None and task.get("priority") != proposal.priority:
        task["priority"] = proposal.priority
        changed.append("priority")
    tid = key(task.get("id"))
    subs = subtasks_of(task)
    by_id = {key(s.get("id")): s for s in subs}
    new: list[Task] = []
    follow_ups: list[str] = []
    mapping: dict[int, int] = {}
    for draft in proposal.subtasks:
        existing = by_id.get(str(draft.id)) if draft.id is not None else None
        revises = by_id.get(str(draft.revises)) if draft.revises is not None else None
        if existing is not None:
            if not is_closed(existing):
                changed += apply_subtask_edit(existing, draft, f"subtasks.{key(existing.get('id'))}.")
                continue
            if not is_done(existing) or not _rewrites(existing, draft):
                continue  # cancelled work, or finished work echoed back unchanged
            revises = existing
        if revises is not None and not is_done(revises):
            revises = None
        new_id = next_int_id([*subs, *new])
        if draft.id is not None and existing is None:
            mapping[draft.id] = new_id
        known = {int(k) for k in by_id if k.isdigit()} | {n["id"] for n in new}
        dependencies = list(
            dict.fromkeys(d for d in (mapping.get(d, d) for d in draft.dependencies) if d in known and d != new_id)
        )
        title = draft.title.strip()
        if revises is not None:
            title = follow_up_title(f"{tid}.{key(revises.get('id'))}", title)
            done_id = revises.get("id")
            if isinstance(done_id, int) and not isinstance(done_id, bool) and done_id not in dependencies:
                dependencies.insert(0, done_id)
            follow_ups.append(f"{tid}.{new_id}")
        sub: Task = {
            "id": new_id,
            "title": title,
            "description": draft.description,
            "details": draft.details,
            "status": "pending",
            "dependencies": dependencies,
        }
        if draft.testStrategy:
            sub["testStrategy"] = draft.testStrategy
        new.append(sub)
    if new:
        if not isinstance(task.get("subtasks"), list):
            task["subtasks"] = []
        subtasks_of(task).extend(new)
        changed += [f"subtasks.{s['id']} (new)" for s in new]
    return changed, follow_ups
