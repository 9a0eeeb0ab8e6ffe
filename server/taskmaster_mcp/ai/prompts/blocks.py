"""The blocks every prompt is built from (a task as a model sees it, a research block) and the prompts' conventions.

Every prompt this server sends to a model, and the output model each AI command is validated against, lives in the
``ai.prompts`` package: text of our own (written from scratch, not taken from Task Master), one module per family of
commands, so a reviewer can read every word a model is told in one place. ``VERSION`` changes whenever
any template changes meaning; it is recorded in each command's result (``promptVersion``) so that output can be
traced to the prompt that produced it.

Conventions for every template:

- The system prompt says who the model is and what a good answer looks like; the user prompt carries the data.
- Task data is rendered with :func:`task_context`, which never includes the user-owned ``metadata`` field.
- Answers are JSON validated against a pydantic model; the router adds the schema (natively or in the prompt).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

VERSION = "2026-11-21.1"

# Fields a model may see; everything else (metadata above all) stays out of prompts.
MODEL_VISIBLE_FIELDS = ("id", "title", "description", "details", "testStrategy", "status", "priority",
                        "dependencies", "complexity", "acceptanceCriteria", "category")
SUBTASK_VISIBLE_FIELDS = ("id", "title", "description", "details", "testStrategy", "status", "dependencies")


def _visible(item: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The ``fields`` of ``item`` that carry a value (empty strings and nulls are left out)."""
    return {k: item[k] for k in fields if k in item and item[k] not in ("", None)}


def task_context(task: dict[str, Any], *, with_subtasks: bool = True, max_details: int = 4000) -> str:
    """A task as compact JSON for a prompt: only model-visible fields, long details cut with a note."""
    view = _visible(task, MODEL_VISIBLE_FIELDS)
    details = view.get("details")
    if isinstance(details, str) and len(details) > max_details:
        view["details"] = details[:max_details] + " [...cut]"
    subtasks: object = task.get("subtasks")
    if with_subtasks and isinstance(subtasks, list) and subtasks:
        # Task JSON: a subtask that is an object has string keys; anything else in the list is skipped.
        view["subtasks"] = [
            _visible(cast("dict[str, Any]", s), SUBTASK_VISIBLE_FIELDS)
            for s in cast("list[object]", subtasks) if isinstance(s, dict)
        ]
    return json.dumps(view, ensure_ascii=False, separators=(",", ":"))


def research_block(findings: str | None) -> str:
    """The section of a prompt that carries research-role findings (empty when there are none)."""
    if not findings:
        return ""
    return ("\n\nCurrent facts gathered by a research model (use them where relevant; they may be more recent "
            f"than your training data):\n<research>\n{findings.strip()}\n</research>")
