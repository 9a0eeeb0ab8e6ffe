"""Prompt and output model for ``assign_models`` with ``classify``: what kind of work each task is, and how sure.

The model sees each task as :func:`brief` renders it (id, title, status, description, the start of details; never
metadata, where pins live) and answers one of the task types of ``tasks/tasktype.py`` with a confidence.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import Template, brief

TaskKind = Literal["debugging", "testing", "documentation", "research", "code"]  # = tasks.tasktype.TASK_TYPES


class ClassifiedTask(BaseModel):
    """One task's type."""

    id: int
    type: TaskKind
    confidence: Annotated[float, Field(ge=0, le=1)]


class Classification(BaseModel):
    """The answer: a type for each task given."""

    tasks: list[ClassifiedTask]


CLASSIFY_SYSTEM = (
    "You sort software tasks by the kind of work they are, so that each goes to a suitable model. Types: debugging "
    "(fixing something broken), testing (writing or running tests), documentation (docs for people), research "
    "(finding out before building: evaluations, spikes, comparisons), code (building or changing software; anything "
    "else). For each task give its id, one type and your confidence from 0 to 1; use a low confidence when the task "
    "could be more than one type. Answer for every task given, and only for those."
)


def classify_prompt(tasks: list[dict[str, object]]) -> str:
    """The tasks to classify, one compact JSON object per line."""
    return "Tasks:\n" + "\n".join(brief(task, details=200) for task in tasks)


CLASSIFY = Template("assign_models.classify", 2, CLASSIFY_SYSTEM, (classify_prompt, brief))
