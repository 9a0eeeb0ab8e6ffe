"""The task model over raw JSON dicts: ids, statuses, lookups and dependency references.

Tasks stay the plain dicts that were read from tasks.json, so every unknown field and every value's JSON type
survives a write. This module only interprets them: an id is compared by its text (``3`` and ``"3"`` are the same
task), a subtask is addressed as ``"parent.sub"``, and a subtask's dependency is read the way Task Master writes it:

- an int names a sibling subtask of the same parent (falling back to a task when no such sibling exists), as Task
  Master writes sibling dependencies;
- a string ``"p.s"`` names subtask ``s`` of task ``p``;
- any other string or number names a top-level task.

Every reader uses this one reading (next_task, validation and repair, blocked-by, diagrams, the dashboard). Task
Master reads a dot-less subtask dependency as a sibling in next_task and as a top-level task in
validate_dependencies, so a subtask that depends on a top-level task is valid there but never offered; here it is
offered once that task is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from taskmaster_mcp.errors import InvalidInput, NotFound

Task = dict[str, Any]

STATUSES: tuple[str, ...] = ("pending", "in-progress", "done", "review", "deferred", "cancelled", "blocked")
LEGACY_STATUSES: tuple[str, ...] = ("completed",)
DONE_STATUSES = frozenset({"done", "completed"})
CLOSED_STATUSES = frozenset({"done", "completed", "cancelled"})
PRIORITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}


def key(value: Any) -> str:
    """The canonical text of an id (``3``, ``"3"`` and ``3.0`` are all ``"3"``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_status(status: str) -> str:
    """Return ``status`` if it is a known status, else raise with the valid list."""
    if status not in STATUSES and status not in LEGACY_STATUSES:
        raise InvalidInput(f"'{status}' is not a valid status. Use one of: {', '.join(STATUSES)}.")
    return status


def check_priority(priority: str) -> str:
    """Return ``priority`` if valid, else raise with the valid list."""
    if priority not in PRIORITIES:
        raise InvalidInput(f"'{priority}' is not a valid priority. Use one of: high, medium, low (or critical).")
    return priority


@dataclass(frozen=True)
class Ref:
    """A parsed task or subtask reference: ``Ref("7")`` or ``Ref("7", "2")``."""

    task: str
    sub: str | None = None

    def __str__(self) -> str:
        return self.task if self.sub is None else f"{self.task}.{self.sub}"


def parse_ref(text: Any) -> Ref:
    """Parse ``"7"`` / ``7`` / ``"7.2"``; anything else is an InvalidInput naming the accepted forms."""
    raw = key(text)
    parts = raw.split(".")
    if len(parts) == 1 and raw:
        return Ref(raw)
    if len(parts) == 2 and parts[0] and parts[1]:
        return Ref(parts[0], parts[1])
    raise InvalidInput(f"'{text}' is not a task id. Use a task id like '7' or a subtask id like '7.2'.")


def split_list(value: str | None) -> list[str]:
    """``"1, 2,3"`` -> ``["1", "2", "3"]``; None or blank -> ``[]``."""
    if not value:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_ref_list(text: str | int) -> list[Ref]:
    """Parse a comma-separated id list as Task Master accepts it ("1,2, 3.1")."""
    items = [part.strip() for part in str(text).split(",")]
    refs = [parse_ref(item) for item in items if item]
    if not refs:
        raise InvalidInput("No id given. Pass an id like '7', '7.2' or a comma list '7,8,9.1'.")
    return refs


def task_list(block: Any) -> list[Task]:
    """The ``tasks`` array of a tag block (an empty list for anything malformed)."""
    if isinstance(block, dict):
        tasks = block.get("tasks")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(tasks, list):
            return tasks  # pyright: ignore[reportUnknownVariableType]
    return []


def subtasks_of(task: Task) -> list[Task]:
    """A task's subtasks (an empty list when absent or malformed)."""
    subs = task.get("subtasks")
    return subs if isinstance(subs, list) else []  # pyright: ignore[reportUnknownVariableType]


def deps_of(item: Task) -> list[Any]:
    """An item's dependency list (an empty list when absent or malformed)."""
    deps = item.get("dependencies")
    return deps if isinstance(deps, list) else []  # pyright: ignore[reportUnknownVariableType]


def find_sub(task: Task, sub_id: str) -> Task | None:
    """The subtask of ``task`` whose id reads as ``sub_id``."""
    for sub in subtasks_of(task):
        if key(sub.get("id")) == sub_id:
            return sub
    return None


def resolve_sub_dep(parent_id: str, dep: Any, parent: Task | None) -> Ref:
    """Read one subtask dependency into a Ref (see the module docstring for the rules)."""
    if isinstance(dep, int) and not isinstance(dep, bool):
        if parent is not None and find_sub(parent, str(dep)) is not None:
            return Ref(parent_id, str(dep))
        return Ref(str(dep))
    text = key(dep)
    if "." in text:
        return parse_ref(text)
    return Ref(text)


def next_int_id(items: Iterable[Task]) -> int:
    """One more than the largest numeric id (ids that are numeric strings count)."""
    highest = 0
    for item in items:
        text = key(item.get("id"))
        if text.isdigit():
            highest = max(highest, int(text))
    return highest + 1


def priority_rank(item: Task) -> int:
    """Sort rank of a priority: critical 0 ... low 3; unknown or missing counts as medium."""
    value = item.get("priority")
    return PRIORITY_RANK.get(value, PRIORITY_RANK["medium"]) if isinstance(value, str) else PRIORITY_RANK["medium"]


def id_sort_key(value: Any) -> tuple[int, int, str]:
    """Numeric ids first in numeric order, then anything else by text."""
    text = key(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


class TagIndex:
    """Id lookups for one tag's task list, built once per file version."""

    def __init__(self, tag: str, tasks: list[Task]) -> None:
        self.tag = tag
        self.tasks = tasks
        self.by_id: dict[str, Task] = {}
        for task in tasks:
            self.by_id.setdefault(key(task.get("id")), task)

    def task(self, task_id: str) -> Task:
        """The task with this id, or NotFound telling the agent how to list ids."""
        found = self.by_id.get(task_id)
        if found is None:
            raise NotFound(f"Task {task_id} not found in tag '{self.tag}'. Call get_tasks to list task ids.")
        return found

    def get(self, ref: Ref) -> tuple[Task, Task | None]:
        """(task, subtask) for a Ref; the subtask is None for a task reference."""
        task = self.task(ref.task)
        if ref.sub is None:
            return task, None
        sub = find_sub(task, ref.sub)
        if sub is None:
            raise NotFound(
                f"Subtask {ref} not found: task {ref.task} has subtasks "
                f"{[key(s.get('id')) for s in subtasks_of(task)] or 'none'}. Call get_task with id {ref.task}."
            )
        return task, sub

    def exists(self, ref: Ref) -> bool:
        """Whether the referenced task or subtask exists."""
        task = self.by_id.get(ref.task)
        if task is None:
            return False
        return ref.sub is None or find_sub(task, ref.sub) is not None

    def status_of(self, ref: Ref) -> str | None:
        """The status of the referenced item, or None when it does not exist."""
        task = self.by_id.get(ref.task)
        if task is None:
            return None
        item = task if ref.sub is None else find_sub(task, ref.sub)
        if item is None:
            return None
        status = item.get("status")
        return status if isinstance(status, str) else "pending"

    def is_done(self, ref: Ref) -> bool:
        """Whether the referenced item exists and is done (or completed)."""
        return self.status_of(ref) in DONE_STATUSES

    def dep_refs(self, task: Task, sub: Task | None = None) -> Iterator[Ref]:
        """The resolved dependency refs of a task, or of one of its subtasks."""
        if sub is None:
            for dep in deps_of(task):
                text = key(dep)
                yield parse_ref(text) if "." in text else Ref(text)
            return
        parent_id = key(task.get("id"))
        for dep in deps_of(sub):
            yield resolve_sub_dep(parent_id, dep, task)

    def deps_done(self, task: Task, sub: Task | None = None) -> bool:
        """Whether every dependency exists and is done."""
        return all(self.is_done(ref) for ref in self.dep_refs(task, sub))
