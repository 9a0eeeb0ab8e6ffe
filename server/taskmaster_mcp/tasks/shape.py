"""The shape a tasks.json must have before anything is built on it (Task Master's, checked as far as we rely on it).

A document that fails is reported, never repaired or written over: the error names the file, the tag and the JSON
path of the first problem (``feature-auth.tasks[3].subtasks``), and says what shape was expected, so a person can fix
it by hand or restore it from git.

What is checked, and why each one (everything else, including unknown fields, is kept as found):

- the top level is an object; in the tagged format each tag is ``{"tasks": [...], ...}``. A top-level value that is
  a list, or an object whose ``tasks`` is not a list, is a broken tag: treating it as "no tasks" would let the next
  write replace it, and its tasks would be lost. Top-level values that are neither (no ``tasks`` key) are not tags
  and are carried over untouched;
- every task and subtask is an object with an ``id`` that is an integer or a string (ids are how every operation
  addresses them);
- ``subtasks`` and ``dependencies``, when present and not null, are lists (of objects, and of integers or strings).

The walk visits each task and subtask once, without recursion into user values (``metadata`` may be nested
arbitrarily deep and is never inspected).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import StoreError

TAG_SHAPE = '{"tasks": [...], "metadata": {...}}'


def _fail(path: Path, where: str, problem: str) -> StoreError:
    return StoreError(
        f"{path} has the wrong shape at {where}: {problem}. Nothing was read from it or written to it. Fix that "
        "value by hand (or restore the file from git), then retry."
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _is_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _check_items(path: Path, where: str, items: list[Any], *, subtasks_allowed: bool) -> None:
    for n, item in enumerate(items):
        spot = f"{where}[{n}]"
        if not isinstance(item, dict):
            raise _fail(path, spot, f"expected a task object, found {_kind(item)}")
        task = cast(dict[str, Any], item)
        if not _is_id(task.get("id")):
            raise _fail(path, f"{spot}.id", f"expected an integer or string id, found {_kind(task.get('id'))}")
        deps = task.get("dependencies")
        if deps is not None:
            if not isinstance(deps, list):
                raise _fail(path, f"{spot}.dependencies", f"expected a list of ids, found {_kind(deps)}")
            for d, dep in enumerate(cast(list[Any], deps)):
                if not _is_id(dep):
                    raise _fail(path, f"{spot}.dependencies[{d}]", f"expected an id, found {_kind(dep)}")
        subs = task.get("subtasks")
        if subs is not None and subtasks_allowed:
            if not isinstance(subs, list):
                raise _fail(path, f"{spot}.subtasks", f"expected a list of subtasks, found {_kind(subs)}")
            _check_items(path, f"{spot}.subtasks", cast(list[Any], subs), subtasks_allowed=False)


def is_tag_value(value: Any) -> bool:
    """Whether a top-level value is meant as a tag (an object with ``tasks``, or a list where a tag should be)."""
    return isinstance(value, list) or (isinstance(value, dict) and "tasks" in value)


def check_tagged(document: dict[str, Any], path: Path) -> None:
    """Raise StoreError naming the first broken tag or task of a tagged document."""
    for name, value in document.items():
        if isinstance(value, list):
            raise _fail(path, name, f"the tag is a list; Task Master stores a tag as {TAG_SHAPE}")
        if not isinstance(value, dict) or "tasks" not in value:
            continue
        tasks = cast(dict[str, Any], value)["tasks"]
        if not isinstance(tasks, list):
            raise _fail(path, f"{name}.tasks", f"expected a list of tasks, found {_kind(tasks)}")
        _check_items(path, f"{name}.tasks", cast(list[Any], tasks), subtasks_allowed=True)


def check_legacy(document: dict[str, Any], path: Path) -> None:
    """Raise StoreError naming the first broken task of a legacy ``{"meta", "tasks"}`` document."""
    _check_items(path, "tasks", cast(list[Any], document["tasks"]), subtasks_allowed=True)
