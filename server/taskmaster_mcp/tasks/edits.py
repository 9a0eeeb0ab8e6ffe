"""Task mutations: plain functions over a TaskFile that validate everything first, then change only what they must.

Each function is called inside :meth:`TaskStore.mutate`; raising anywhere means nothing is written. New values take
the conventions of the data around them (a new subtask dependency on a sibling is an int, as Task Master writes it).
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.tasks import dependencies as deps_rules
from taskmaster_mcp.tasks.bounds import check_text
from taskmaster_mcp.tasks.document import TaskFile, now_iso
from taskmaster_mcp.tasks.metadata import merge_metadata
from taskmaster_mcp.tasks.model import (
    DONE_STATUSES,
    Ref,
    TagIndex,
    Task,
    check_priority,
    check_status,
    deps_of,
    key,
    next_int_id,
    parse_ref,
    subtasks_of,
)
from taskmaster_mcp.tasks.pins import CLAIM_KEY, RELEASING_STATUSES, our_value, set_our_value

TASK_EDITABLE = ("title", "description", "details", "testStrategy", "priority")


def info_block(text: str, stamp: str | None = None) -> str:
    """A note in Task Master's appended-details format."""
    stamp = stamp or now_iso()
    return f"<info added on {stamp}>\n{text.strip()}\n</info added on {stamp}>"


def append_note(item: Task, text: str) -> None:
    """Append a timestamped note to ``details`` (creating it only when there is something to append)."""
    if not text.strip():
        raise InvalidInput("The note is empty. Pass the text to append in prompt.")
    current = item.get("details")
    block = info_block(text)
    details = f"{current}\n\n{block}" if isinstance(current, str) and current.strip() else block
    check_text("details", details)
    item["details"] = details


def set_status(doc: TaskFile, tag: str, refs: list[Ref], status: str, *, derive_parent: bool = True) -> list[str]:
    """Set ``status`` on each ref; a task set to done/completed cascades to its open subtasks. Returns changed ids.

    A subtask whose status changes re-derives its parent's status as Task Master does (``derived_parent_status``).
    The autopilot passes ``derive_parent=False``: it owns the parent's status (in progress while it runs, done only
    after its review gate), so finishing the last subtask must not mark the task done behind the gate.
    """
    check_status(status)
    index = doc.index(tag)
    targets = [index.get(ref) for ref in refs]  # every id is checked before anything changes
    changed: list[str] = []
    for (task, sub), ref in zip(targets, refs, strict=True):
        item = sub if sub is not None else task
        released = status in RELEASING_STATUSES and our_value(item, CLAIM_KEY) is not None
        if released:  # finished or set aside: its agent's claim ends (tasks/claims.py)
            set_our_value(item, CLAIM_KEY, None)
        if item.get("status") != status or released:
            changed.append(str(ref))
        if item.get("status") != status:
            item["status"] = status
            if (
                sub is not None
                and derive_parent
                and (parent := derived_parent_status(task)) not in (None, task.get("status"))
            ):
                task["status"] = parent
                changed.append(str(ref.task))
        if sub is None and status in DONE_STATUSES:
            for child in subtasks_of(task):
                if child.get("status") not in (*DONE_STATUSES, "cancelled", status):
                    child["status"] = status
                    set_our_value(child, CLAIM_KEY, None)  # done with its task: a claim on it ends too
                    changed.append(f"{ref}.{key(child.get('id'))}")
    return changed


def derived_parent_status(task: Task) -> str | None:
    """The status Task Master gives a parent after one of its subtasks changes status, or None to keep it.

    As Task Master's file storage does: every subtask done (or completed) -> done; any in progress or any done ->
    in-progress; every subtask pending (a missing status reads as pending) -> pending; any other mix (blocked,
    deferred, cancelled, review among pending ones) keeps the parent's status.
    """
    states = [str(s.get("status") or "pending") for s in subtasks_of(task)]
    if not states:
        return None
    if all(s in DONE_STATUSES for s in states):
        return "done"
    if any(s == "in-progress" or s in DONE_STATUSES for s in states):
        return "in-progress"
    if all(s == "pending" for s in states):
        return "pending"
    return None


def _checked_dependencies(index: TagIndex, dependencies: list[str], *, new_sub_of: str | None = None) -> list[Any]:
    values: list[Any] = []
    for text in dependencies:
        ref = parse_ref(text)
        if not index.exists(ref):
            raise InvalidInput(f"Dependency {text} does not exist in tag '{index.tag}'. Call get_tasks to list ids.")
        if new_sub_of is not None and ref.task == new_sub_of and ref.sub is not None:
            values.append(int(ref.sub) if ref.sub.isdigit() else str(ref))
        elif ref.sub is not None or new_sub_of is not None:
            values.append(str(ref))
        else:
            values.append(int(ref.task) if ref.task.isdigit() else ref.task)
    return values


def add_task(
    doc: TaskFile,
    tag: str,
    *,
    title: str,
    description: str,
    details: str = "",
    test_strategy: str = "",
    dependencies: list[str] | None = None,
    priority: str = "medium",
) -> Task:
    """Append a new task with the next numeric id."""
    if not title.strip():
        raise InvalidInput("title is empty. Pass a short title (and a description), or a prompt for AI creation.")
    check_priority(priority)
    for name, value in (("title", title), ("description", description), ("details", details)):
        check_text(name, value)
    check_text("testStrategy", test_strategy)
    doc.index(tag)  # an unknown tag of an existing file is an error, not a silently created tag
    block = doc.ensure_tag(tag)
    index = doc.index(tag)
    dep_values = _checked_dependencies(index, dependencies or [])
    task: Task = {
        "id": next_int_id(index.tasks),
        "title": title.strip(),
        "description": description.strip(),
        "details": details,
        "testStrategy": test_strategy,
        "status": "pending",
        "dependencies": dep_values,
        "priority": priority,
        "subtasks": [],
    }
    block["tasks"].append(task)
    return task


def add_subtask(
    doc: TaskFile,
    tag: str,
    parent_id: str,
    *,
    title: str = "",
    description: str = "",
    details: str = "",
    status: str = "pending",
    dependencies: list[str] | None = None,
    task_id: str | None = None,
) -> Task:
    """Add a new subtask to ``parent_id``, or convert existing task ``task_id`` into one."""
    index = doc.index(tag)
    parent, parent_sub = index.get(parse_ref(parent_id))
    if parent_sub is not None:
        raise InvalidInput(f"{parent_id} is a subtask; subtasks cannot have subtasks. Pass the parent task id.")
    parent_key = key(parent.get("id"))
    check_status(status)
    subs = parent.setdefault("subtasks", [])
    new_id = next_int_id(subs)
    if task_id is not None:
        ref = parse_ref(task_id)
        source, source_sub = index.get(ref)
        if source_sub is not None or ref.task == parent_key:
            raise InvalidInput(f"taskId {task_id} must be a top-level task other than the parent {parent_key}.")
        if subtasks_of(source):
            raise Conflict(f"Task {task_id} has subtasks of its own; clear_subtasks on it first, then convert it.")
        subtask: Task = {k: v for k, v in source.items() if k not in ("id", "subtasks", "priority")}
        subtask = {"id": new_id, **subtask}
        subtask["dependencies"] = [str(d) for d in deps_of(source) if key(d) != parent_key]
        tasks = index.tasks
        tasks.remove(source)
        rewrite_refs(tasks, {ref.task: f"{parent_key}.{new_id}"})
        subs.append(subtask)
        return subtask
    if not title.strip():
        raise InvalidInput("title is empty. Pass a title for the new subtask, or taskId to convert a task.")
    for name, value in (("title", title), ("description", description), ("details", details)):
        check_text(name, value)
    dep_values = _checked_dependencies(index, dependencies or [], new_sub_of=parent_key)
    subtask = {
        "id": new_id,
        "title": title.strip(),
        "description": description.strip(),
        "details": details,
        "status": status,
        "dependencies": dep_values,
    }
    subs.append(subtask)
    return subtask


def update_fields(
    doc: TaskFile,
    tag: str,
    ref: Ref,
    changes: dict[str, Any],
    append: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> list[str]:
    """Set the given fields (those that differ), optionally append a timestamped note and merge ``metadata``;
    return the changed names."""
    index = doc.index(tag)
    task, sub = index.get(ref)
    item = sub if sub is not None else task
    if "priority" in changes:
        check_priority(changes["priority"])
    for name, value in changes.items():
        check_text(name, value)
    changed = [name for name, value in changes.items() if item.get(name) != value]
    if not changed and not append and not metadata:
        raise InvalidInput(
            "Nothing to change: pass at least one of title, description, details, testStrategy, "
            "priority, metadata, or a prompt to append."
        )
    for name in changed:
        item[name] = changes[name]
    if append:
        append_note(item, append)
        changed.append("details")
    if metadata and merge_metadata(item, metadata):
        changed.append("metadata")
    return changed


def remove(doc: TaskFile, tag: str, refs: list[Ref]) -> list[str]:
    """Remove tasks and subtasks, and every dependency that pointed at them."""
    index = doc.index(tag)
    targets = [index.get(ref) for ref in refs]
    removed_ids: set[str] = set()
    for (task, sub), ref in zip(targets, refs, strict=True):
        if sub is not None:
            if sub in subtasks_of(task):
                subtasks_of(task).remove(sub)
            removed_ids.add(str(ref))
        else:
            if task in index.tasks:
                index.tasks.remove(task)
            removed_ids.add(ref.task)
            removed_ids.update(f"{ref.task}.{key(s.get('id'))}" for s in subtasks_of(task))
    drop_refs(index.tasks, removed_ids)
    return sorted(removed_ids)


def _sub_dep_target(tid: str, dep: Any, task: Task, changed_ids: set[str] | dict[str, str]) -> str:
    """What a subtask dependency names, where an int still names a sibling that was just removed or moved away.

    Callers take the changed subtask out of its parent before rewriting references, so plain resolution would read
    an int naming it as a top-level task id.
    """
    if isinstance(dep, int) and not isinstance(dep, bool) and f"{tid}.{dep}" in changed_ids:
        return f"{tid}.{dep}"
    return str(deps_rules.resolve_sub_dep(tid, dep, task))


def drop_refs(tasks: list[Task], gone: set[str]) -> None:
    for task in tasks:
        tid = key(task.get("id"))
        if any(key(d) in gone for d in deps_of(task)):
            task["dependencies"] = [d for d in deps_of(task) if key(d) not in gone]
        for sub in subtasks_of(task):
            deps = deps_of(sub)
            keep = [d for d in deps if _sub_dep_target(tid, d, task, gone) not in gone]
            if len(keep) != len(deps):
                sub["dependencies"] = keep


def rewrite_refs(tasks: list[Task], mapping: dict[str, str]) -> None:
    """Point dependencies at new ids (``mapping`` old -> new, task or subtask ids), keeping each value's type."""
    for task in tasks:
        tid = key(task.get("id"))
        deps = deps_of(task)
        if any(key(d) in mapping for d in deps):
            task["dependencies"] = [_retarget(d, mapping[key(d)]) if key(d) in mapping else d for d in deps]
        for sub in subtasks_of(task):
            sdeps = deps_of(sub)
            new: list[Any] = []
            touched = False
            for d in sdeps:
                target = _sub_dep_target(tid, d, task, mapping)
                if target in mapping:
                    # the parent's own id after the move, so a sibling stays an int when its parent is renumbered
                    new.append(_retarget_sub(mapping.get(tid, tid), d, mapping[target]))
                    touched = True
                else:
                    new.append(d)
            if touched:
                sub["dependencies"] = new


def _retarget(old: Any, new: str) -> Any:
    if "." in new:
        return new
    return int(new) if isinstance(old, int) and new.isdigit() else new


def _retarget_sub(parent_id: str, old: Any, new: str) -> Any:
    """A subtask's dependency value for ``new``: an int only for a sibling, since an int means a sibling."""
    parent, _, sub = new.partition(".")
    if sub and parent == parent_id and isinstance(old, int) and sub.isdigit():
        return int(sub)
    return new


def clear_subtasks(doc: TaskFile, tag: str, refs: list[Ref] | None) -> list[str]:
    """Empty the subtask lists of the given tasks (all tasks when ``refs`` is None); return the cleared ids."""
    index = doc.index(tag)
    tasks = index.tasks if refs is None else [index.get(Ref(r.task))[0] for r in refs]
    if refs is not None and any(r.sub is not None for r in refs):
        raise InvalidInput("clear_subtasks takes task ids (like '7'), not subtask ids. Use remove_subtask for those.")
    cleared: list[str] = []
    for task in tasks:
        if subtasks_of(task):
            gone = {f"{key(task.get('id'))}.{key(s.get('id'))}" for s in subtasks_of(task)}
            task["subtasks"] = []
            drop_refs(index.tasks, gone)
            cleared.append(key(task.get("id")))
    return cleared


def remove_subtask(doc: TaskFile, tag: str, refs: list[Ref], convert: bool) -> list[str]:
    """Remove subtasks, or with ``convert`` turn each into a top-level task (new id) that depends on its former parent,
    as Task Master's convert does; return the affected ids."""
    index = doc.index(tag)
    for ref in refs:
        if ref.sub is None:
            raise InvalidInput(f"{ref} is not a subtask id. Use 'parent.sub' like '7.2' (or remove_task for tasks).")
        index.get(ref)
    if not convert:
        return remove(doc, tag, refs)
    result: list[str] = []
    for ref in refs:
        task, sub = index.get(ref)
        assert sub is not None
        new_id = next_int_id(index.tasks)
        subtasks_of(task).remove(sub)
        promoted: Task = {"id": new_id, **{k: v for k, v in sub.items() if k not in ("id", "parentId", "parentTaskId")}}
        new_deps: list[Any] = [str(deps_rules.resolve_sub_dep(ref.task, d, task)) for d in deps_of(sub)]
        if ref.task not in new_deps:  # as Task Master does: the new task follows its former parent
            new_deps.append(task.get("id"))
        promoted["dependencies"] = new_deps
        promoted.setdefault("priority", task.get("priority", "medium"))
        promoted.setdefault("subtasks", [])
        index.tasks.append(promoted)
        rewrite_refs(index.tasks, {str(ref): str(new_id)})
        result.append(f"{ref} -> {new_id}")
        doc.changed()
        index = doc.index(tag)
    return result
