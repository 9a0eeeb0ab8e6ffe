"""An item's user-owned ``metadata``: Task Master's ``metadata`` argument parsed as a JSON object, and merged into
the item (top-level keys replaced, others kept). Only an explicit call changes it, and it is never sent to a model."""

from __future__ import annotations

import json
from typing import Any, cast

from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.tasks.model import Task


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_metadata(text: str) -> dict[str, Any]:
    """Task Master's ``metadata`` argument: a JSON object (as text) to merge into an item's ``metadata``."""
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InvalidInput(
            f'metadata is not valid JSON ({reason}). Pass a JSON object as text, e.g. \'{{"sprint": "Q1-S3"}}\'.'
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("metadata must be a JSON object, e.g. '{\"githubIssue\": 42}'.")
    return cast(dict[str, Any], value)


def merge_metadata(item: Task, patch: dict[str, Any]) -> bool:
    """Merge ``patch`` into the item's ``metadata`` (top-level keys replaced, others kept); return whether it changed.

    ``metadata`` is user-owned: only this explicit call changes it, and it is never sent to a model. Values are
    compared as JSON (``true`` is not ``1``); an existing ``metadata`` that is not an object is refused, not replaced.
    """
    current = item.get("metadata")
    if current is not None and not isinstance(current, dict):
        raise Conflict(
            f"This item's metadata is {type(current).__name__} JSON, not an object, so nothing can be "
            "merged into it. Fix it by hand in tasks.json (make it an object), then retry."
        )
    merged = {**cast(dict[str, Any], current or {}), **patch}
    if current is not None and _same_json(merged, current):
        return False
    item["metadata"] = merged
    return True


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON documents: same types as well as values (Python's == says True == 1 and 2 == 2.0)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
