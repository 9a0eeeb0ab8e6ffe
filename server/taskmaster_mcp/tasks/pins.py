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
CLAIM_KEY: Final = "claim"  # an agent's claim with its lease (tasks/claims.py)
# Statuses that end a claim: the work is over, or set aside.
RELEASING_STATUSES: Final = frozenset({"done", "completed", "cancelled", "deferred"})


def our_value(item: Task | dict[str, Any], name: str) -> Any:
    """The value ``name`` of our section in ``item``'s metadata (``metadata.taskmasterMcp.<name>``), or None."""
    metadata = item.get("metadata")
    if not isinstance(metadata, dict):
        return None
    ours = cast(dict[str, Any], metadata).get(PIN_SECTION)
    return cast(dict[str, Any], ours).get(name) if isinstance(ours, dict) else None


def set_our_value(item: Task, name: str, value: Any) -> bool:
    """Set ``metadata.taskmasterMcp.<name>`` (None removes it, then our section and ``metadata`` when they are left
    empty); return whether anything changed. Nothing else in the item or its metadata changes."""
    if our_value(item, name) == value:
        return False
    metadata = item.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise Conflict(
            f"Item {item.get('id')}'s metadata is {type(metadata).__name__} JSON, not an object, so nothing can be "
            "stored in it. Fix the item's metadata in tasks.json first."
        )
    merged = dict(cast(dict[str, Any], metadata or {}))
    section = merged.get(PIN_SECTION)
    ours = dict(cast(dict[str, Any], section)) if isinstance(section, dict) else {}
    if value is None:
        ours.pop(name, None)
    else:
        ours[name] = value
    if ours:
        merged[PIN_SECTION] = ours
    else:
        merged.pop(PIN_SECTION, None)
    if merged:
        item["metadata"] = merged
    else:
        item.pop("metadata", None)  # metadata that held only our value goes with it: the item is as before
    return True


def pin_of(task: Task | dict[str, Any]) -> str | None:
    """The role a task is pinned to, or None."""
    pin = our_value(task, PIN_KEY)
    return pin if isinstance(pin, str) and pin else None


def set_pin(task: Task, role: str | None) -> bool:
    """Pin ``task`` to ``role`` (None clears the pin); return whether anything changed."""
    if pin_of(task) == role:
        return False
    return set_our_value(task, PIN_KEY, role)
