"""The plan map: every task of the tag on one line (id, status, title, what it comes after).

A batch command (expand_all) sends one request per task, and the stable start of those requests is cached by the
provider only once it reaches the model's minimum cacheable prefix (1,024 tokens and more). The map is context
worth having there (a task expanded with the whole plan in view does not plan work another task owns), it is the
same for every task of the call, so it goes in the shared prefix, after the project's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

MAP_TASKS = 400  # tasks listed at most (a very large plan keeps its first ones)


def plan_map(tasks: Sequence[dict[str, Any]]) -> str:
    """The map of ``tasks`` as a prompt block ("" without tasks)."""
    lines: list[str] = []
    for task in tasks[:MAP_TASKS]:
        listed: Any = task.get("dependencies") or []
        deps = ", ".join(str(d) for d in cast(list[Any], listed)) if isinstance(listed, list) else ""
        line = f"- {task.get('id')} [{task.get('status', 'pending')}] {str(task.get('title', '')).strip()}"
        lines.append(line + (f" (after {deps})" if deps else ""))
    if not lines:
        return ""
    return "The plan (every task of this tag, one line each):\n" + "\n".join(lines) + "\n\n"
