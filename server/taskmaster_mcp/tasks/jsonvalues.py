"""Plain JSON values of any depth: copied and clipped without recursion.

A user's ``metadata`` may be nested thousands of levels deep. Python's ``copy.deepcopy`` and pydantic's serializer
both recurse (and fail past about 1,000 and 255 levels), so operations that copy tasks and results that show them go
through these iterative walks instead.
"""

from __future__ import annotations

from typing import Any, cast

# Deeper values are cut from results sent to an agent (the file keeps them whole). The SDK nests a result a few
# levels further when it serialises the response, and pydantic refuses past 255.
RESULT_DEPTH = 64
CUT = "… [nested deeper than 64 levels; the full value is in tasks.json]"


def _children(value: Any) -> list[tuple[Any, Any]] | None:
    """(key, child) pairs of a container, or None for a scalar."""
    if isinstance(value, dict):
        return list(cast(dict[Any, Any], value).items())
    if isinstance(value, list):
        return list(enumerate(cast(list[Any], value)))
    return None


def _empty_like(value: Any) -> Any:
    return {} if isinstance(value, dict) else [None] * len(cast(list[Any], value))


def clone(value: Any, *, max_depth: int | None = None) -> Any:
    """A deep copy of a JSON value; with ``max_depth``, containers below that depth become :data:`CUT`."""
    if _children(value) is None:
        return value
    root = _empty_like(value)
    stack: list[tuple[Any, Any, int]] = [(value, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        for name, child in _children(source) or []:
            if _children(child) is None:
                target[name] = child
            elif max_depth is not None and depth >= max_depth:
                target[name] = CUT
            else:
                copy = target[name] = _empty_like(child)
                stack.append((child, copy, depth + 1))
    return root


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a JSON value nests containers deeper than ``limit`` levels."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = _children(item)
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for _, child in children)
    return False


def clip(value: Any, limit: int = RESULT_DEPTH) -> Any:
    """``value`` itself when it is shallow enough to show, else a copy cut at ``limit`` levels."""
    return clone(value, max_depth=limit) if depth_exceeds(value, limit) else value
