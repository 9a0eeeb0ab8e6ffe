"""The per-task model pin: ``metadata.taskmasterMcp.role``, a routing hint that beats every routing rule.

It lives under the task's ``metadata`` because Task Master keeps that object as it is (it is the user's), and under
our own key inside it so it never collides with the user's keys. Like all metadata it is never sent to a model
(``ai/prompts/blocks.py`` lets only named fields into a prompt). Setting a pin changes only that key; clearing it
removes the key, our section when nothing else is left in it, and ``metadata`` when it held only the pin.
"""

from __future__ import annotations

from typing import Any, Final, cast

from taskmaster_mcp.errors import Conflict
from taskmaster_mcp.tasks.model import Task

PIN_SECTION: Final = "taskmasterMcp"
PIN_KEY: Final = "role"


def pin_of(task: Task | dict[str, Any]) -> str | None:
    """The role a task is pinned to, or None."""
    metadata = task.get("metadata")
    if not isinstance(metadata, dict):
        return None
    ours = cast(dict[str, Any], metadata).get(PIN_SECTION)
    pin = cast(dict[str, Any], ours).get(PIN_KEY) if isinstance(ours, dict) else None
    return pin if isinstance(pin, str) and pin else None


def set_pin(task: Task, role: str | None) -> bool:
    """Pin ``task`` to ``role`` (None clears the pin); return whether anything changed."""
    if pin_of(task) == role:
        return False
    metadata = task.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise Conflict(
            f"Task {task.get('id')}'s metadata is {type(metadata).__name__} JSON, not an object, so no "
            "pin can be stored in it. Fix the task's metadata in tasks.json first."
        )
    merged = dict(cast(dict[str, Any], metadata or {}))
    section = merged.get(PIN_SECTION)
    ours = dict(cast(dict[str, Any], section)) if isinstance(section, dict) else {}
    if role is None:
        ours.pop(PIN_KEY, None)
    else:
        ours[PIN_KEY] = role
    if ours:
        merged[PIN_SECTION] = ours
    else:
        merged.pop(PIN_SECTION, None)
    if merged:
        task["metadata"] = merged
    else:
        task.pop("metadata", None)  # metadata that held only the pin goes with it: the task is as before the pin
    return True
