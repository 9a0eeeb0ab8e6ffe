"""move_task: renumber within a tag, turn tasks into subtasks and back, and move tasks between tags.

Within a tag (Task Master's rules): the destination id must not exist yet.

- task ``5`` to ``9``: task 5 becomes task 9; every dependency on it (and on its subtasks) follows.
- task ``5`` to ``7.3``: task 5 (without subtasks of its own) becomes subtask 3 of task 7.
- subtask ``7.2`` to ``12``: the subtask becomes top-level task 12.
- subtask ``7.2`` to ``8.4``: the subtask moves to another parent.

Across tags: the tasks keep their ids when free in the target tag, else get the next free id (the result lists
the mapping). A moved task that depends on a task left behind, or is depended on by one, is refused unless
``withDependencies`` (move those dependencies too) or ``ignoreDependencies`` (drop the broken links).
"""

from __future__ import annotations

from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.edits import drop_refs, rewrite_refs
from taskmaster_mcp.tasks.jsonvalues import clone
from taskmaster_mcp.tasks.model import Ref, Task, deps_of, key, next_int_id, parse_ref, resolve_sub_dep, subtasks_of


def move_within(doc: TaskFile, tag: str, source: Ref, dest: Ref) -> str:
    """Move one task or subtask to a new id inside ``tag``; return a one-line description."""
    index = doc.index(tag)
    task, sub = index.get(source)
    if index.exists(dest):
        raise Conflict(f"{dest} already exists in tag '{tag}'. Pick a destination id that is not used yet.")
    tasks = index.tasks
    if sub is None and dest.sub is None:
        old = key(task.get("id"))
        task["id"] = int(dest.task) if dest.task.isdigit() and isinstance(task.get("id"), int) else dest.task
        mapping = {old: dest.task}
        mapping.update({f"{old}.{key(s.get('id'))}": f"{dest.task}.{key(s.get('id'))}" for s in subtasks_of(task)})
        rewrite_refs(tasks, mapping)
        return f"task {source} is now task {dest}"
    if sub is None and dest.sub is not None:
        parent = index.task(dest.task)
        if parent is task:
            raise InvalidInput(f"Task {source} cannot become a subtask of itself.")
        if subtasks_of(task):
            raise Conflict(f"Task {source} has subtasks; clear_subtasks on it first, or move them one by one.")
        new_sub: Task = {
            "id": int(dest.sub) if dest.sub.isdigit() else dest.sub,
            **{k: v for k, v in task.items() if k not in ("id", "subtasks")},
        }
        new_sub["dependencies"] = [key(d) for d in deps_of(task) if key(d) != dest.task]
        tasks.remove(task)
        parent.setdefault("subtasks", []).append(new_sub)
        rewrite_refs(tasks, {source.task: str(dest)})
        return f"task {source} is now subtask {dest}"
    assert sub is not None
    item = {k: v for k, v in sub.items() if k not in ("id", "parentId", "parentTaskId")}
    resolved = [str(resolve_sub_dep(source.task, d, task)) for d in deps_of(sub)]
    subtasks_of(task).remove(sub)
    if dest.sub is None:
        promoted: Task = {"id": int(dest.task) if dest.task.isdigit() else dest.task, **item, "dependencies": resolved}
        promoted.setdefault("priority", task.get("priority", "medium"))
        promoted.setdefault("subtasks", [])
        tasks.append(promoted)
    else:
        parent = index.task(dest.task)
        moved: Task = {"id": int(dest.sub) if dest.sub.isdigit() else dest.sub, **item, "dependencies": resolved}
        parent.setdefault("subtasks", []).append(moved)
    rewrite_refs(tasks, {str(source): str(dest)})
    return f"{'subtask'} {source} is now {'task' if dest.sub is None else 'subtask'} {dest}"


def move_across(
    doc: TaskFile, from_tag: str, to_tag: str, ids: list[Ref], *, with_dependencies: bool, ignore_dependencies: bool
) -> dict[str, str]:
    """Move top-level tasks from one tag to another; return old id -> new id in the target tag."""
    if from_tag == to_tag:
        raise InvalidInput("fromTag and toTag are the same; to renumber inside a tag pass from/to without tags.")
    if any(r.sub is not None for r in ids):
        raise InvalidInput("Only top-level tasks move between tags. Promote the subtask with move_task first.")
    source = doc.index(from_tag)
    if not doc.has_tag(to_tag):
        raise InvalidInput(f"Tag '{to_tag}' does not exist. Create it with add_tag first.")
    chosen = {r.task for r in ids}
    for r in ids:
        source.task(r.task)
    if with_dependencies:
        stack = list(chosen)
        while stack:
            task = source.task(stack.pop())
            for dep in _task_level_deps(task):
                if dep not in chosen and source.exists(Ref(dep)):
                    chosen.add(dep)
                    stack.append(dep)
    staying = [t for t in source.tasks if key(t.get("id")) not in chosen]
    if not ignore_dependencies:
        broken: list[str] = []
        for task in source.tasks:
            tid = key(task.get("id"))
            for dep in _task_level_deps(task):
                if (tid in chosen) != (dep in chosen) and source.exists(Ref(dep)):
                    broken.append(f"{tid} -> {dep}")
        if broken:
            raise Conflict(
                f"Moving would break dependencies across tags ({', '.join(broken[:10])}). Pass "
                "withDependencies=true to move the dependencies too, or ignoreDependencies=true to drop those links."
            )
    target_block = doc.ensure_tag(to_tag)
    target_tasks: list[Task] = target_block["tasks"]
    taken = {key(t.get("id")) for t in target_tasks}
    mapping: dict[str, str] = {}
    moving = [t for t in source.tasks if key(t.get("id")) in chosen]
    for task in moving:
        old = key(task.get("id"))
        new = old if old not in taken else str(next_int_id([*target_tasks, *({"id": x} for x in taken)]))
        taken.add(new)
        mapping[old] = new
    staying_ids = {key(t.get("id")) for t in staying}
    staying_ids |= {f"{key(t.get('id'))}.{key(s.get('id'))}" for t in staying for s in subtasks_of(t)}
    moved_copies: list[Task] = [clone(task) for task in moving]
    drop_refs(moved_copies, staying_ids)  # before renumbering, so a new id never collides with a staying one
    remap: dict[str, str] = {}
    for task in moving:
        old = key(task.get("id"))
        if mapping[old] != old:
            remap[old] = mapping[old]
            remap.update({f"{old}.{key(s.get('id'))}": f"{mapping[old]}.{key(s.get('id'))}" for s in subtasks_of(task)})
    # Rewrite while the copies still carry their old ids: after renumbering, task 1 -> 2 would read its sibling
    # dependency as 2.x, which the remap of task 2 -> 3 would then send to another task's subtask.
    rewrite_refs(moved_copies, remap)
    for moved in moved_copies:
        old = key(moved.get("id"))
        if mapping[old] != old:
            moved["id"] = int(mapping[old]) if isinstance(moved.get("id"), int) else mapping[old]
    source_block = doc.block(from_tag)
    assert source_block is not None
    source_block["tasks"] = staying
    drop_refs(staying, set(chosen) | {f"{t}.{key(s.get('id'))}" for t in chosen for s in subtasks_of(_find(moving, t))})
    target_tasks.extend(moved_copies)
    doc.changed()
    return mapping


def _find(tasks: list[Task], task_id: str) -> Task:
    for task in tasks:
        if key(task.get("id")) == task_id:
            return task
    return {}


def _task_level_deps(task: Task) -> list[str]:
    """Top-level task ids a task (or any of its subtasks) depends on."""
    tid = key(task.get("id"))
    found = [parse_ref(key(d)).task for d in deps_of(task)]
    for sub in subtasks_of(task):
        for d in deps_of(sub):
            ref = resolve_sub_dep(tid, d, task)
            if ref.task != tid:
                found.append(ref.task)
    return found
