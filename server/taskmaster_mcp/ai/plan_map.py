"""The plan map and the plan's briefs: the context a batch command shares across its requests.

A batch command (expand_all, analyze, update) sends many requests, and the stable start of those requests is cached
by the provider only once it reaches the model's minimum cacheable prefix (1,024 tokens for Sonnet 4.5, 4,096 for
Haiku 4.5: ``models.catalogue.min_cache_tokens``); under it nothing is cached and every request pays in full.

- **The map** (every task on one line: id, status, title, what it comes after) is always in expand_all's prefix: a
  task expanded with the whole plan in view does not plan work another task owns.
- **The briefs** (each open task's description, details and test strategy) are the next context worth having:
  what every other task is to do, in its own words. :func:`shared_prefix` adds them only where they make the
  prefix (with the system text before it) reach the main model's minimum, so a small project's batch is cached
  instead of paying every request in full. It never pads: when the briefs are not enough to reach the minimum they
  are left out (they would be billed in full on every request), and a prefix already past it is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from taskmaster_mcp.ai.prompts.expand import EXPAND
from taskmaster_mcp.models.catalogue import min_cache_tokens
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.tasks.model import CLOSED_STATUSES

MAP_TASKS = 400  # tasks listed at most (a very large plan keeps its first ones)
BRIEF_CHARS = 900  # one task's brief (description, details, test strategy) at most
BRIEFS_CHARS = 40_000  # all briefs at most (~10,000 tokens, past the largest minimum of 4,096)
CHARS_PER_TOKEN = 4  # as the model layer counts a prefix against the minimum (models/layers/stack.py)


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


def _text(task: dict[str, Any], field: str) -> str:
    value = task.get(field)
    return " ".join(value.split()) if isinstance(value, str) else ""


def plan_briefs(tasks: Sequence[dict[str, Any]], max_chars: int = BRIEFS_CHARS) -> str:
    """Each open task's brief (its description, details and test strategy, cut to :data:`BRIEF_CHARS`), in file
    order, as a prompt block of at most ``max_chars`` ("" when no open task has any of them)."""
    lines: list[str] = []
    used = 0
    for task in tasks:
        if task.get("status", "pending") in CLOSED_STATUSES:
            continue
        parts = (_text(task, "description"), _text(task, "details"), _text(task, "testStrategy"))
        brief = " ".join(part for part in parts if part)
        if not brief:
            continue
        if len(brief) > BRIEF_CHARS:
            brief = brief[: BRIEF_CHARS - 1].rstrip() + "…"
        line = f"- {task.get('id')} {_text(task, 'title')}: {brief}"
        if used + len(line) + 1 > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
    if not lines:
        return ""
    return "What each open task is to do, for context (its description, details and test strategy):\n" + (
        "\n".join(lines) + "\n\n"
    )


def cache_floor(config: Config) -> int:
    """The prefix length, in characters, the main role's model caches from (0 when no main model is set)."""
    main = config.role("main")
    return min_cache_tokens(main.model_id) * CHARS_PER_TOKEN if main is not None else 0


def shared_prefix(prefix: str, tasks: Sequence[dict[str, Any]], floor: int, system: str = "") -> str:
    """``prefix`` followed by the plan's briefs when that is what makes it (with the ``system`` text sent before it)
    reach ``floor`` characters, the model's minimum cacheable prefix; else ``prefix`` unchanged (already cached, or
    not cacheable even with them)."""
    if floor <= 0 or len(system) + len(prefix) >= floor:
        return prefix
    briefs = plan_briefs(tasks)
    return prefix + briefs if len(system) + len(prefix) + len(briefs) >= floor else prefix


def expand_all_prefix(code: str, tasks: Sequence[dict[str, Any]], config: Config) -> str:
    """expand_all's shared prefix: the project's code, the plan map, and the briefs where they reach the minimum."""
    return shared_prefix(code + plan_map(tasks), tasks, cache_floor(config), EXPAND.system)
