"""Prompts and output models for editing existing work: update_task with a prompt, update (bulk), and the research
note of update_subtask.

The model proposes new text; the code decides what it may change (see :mod:`taskmaster_mcp.ai.edit`). Ids, status,
dependencies of existing items, user metadata and closed subtasks are never taken from an answer, so the prompts
ask the model to leave them alone only to keep its answers short and on point. Finished work is never rewritten:
a change that affects it becomes a follow-up subtask (``revises`` names the finished subtask; a done task or subtask
being updated gets :class:`FollowUpPlan` and the :data:`UPDATE_DONE` template instead).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import (
    DATA_RULE,
    RESEARCH_STEP_SYSTEM,
    Template,
    brief,
    codebase_block,
    framed,
    neighbour_block,
    research_block,
    scope_block,
    task_context,
)

PriorityOut = Literal["high", "medium", "low"]
Title = Annotated[str, Field(min_length=3, max_length=200)]


class SubtaskDraft(BaseModel):
    """A revised open subtask (``id`` of an existing one) or a new subtask (``id`` null or a new number); a new one
    with ``revises`` is a follow-up to that finished subtask."""

    id: int | None = None
    title: Title
    description: str
    details: str = ""
    testStrategy: str = ""
    dependencies: list[int] = []
    revises: int | None = None


class TaskEdit(BaseModel):
    """The answer to update_task with a prompt, for a top-level task."""

    title: Title
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str
    priority: PriorityOut | None = None
    subtasks: list[SubtaskDraft] = []


class SubtaskEdit(BaseModel):
    """The answer to update_task with a prompt, for a subtask."""

    title: Title
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str = ""


class BatchTaskEdit(TaskEdit):
    """One task of a bulk update answer; ``id`` says which task it revises."""

    id: int | str


class BatchEdit(BaseModel):
    """The answer to one batch of ``update``: revised tasks (tasks that need no change may be left out)."""

    tasks: list[BatchTaskEdit]


class FollowUpDraft(BaseModel):
    """Work to do on top of finished work."""

    title: Title
    description: Annotated[str, Field(min_length=1)]
    details: str = ""
    testStrategy: str = ""


class FollowUpPlan(BaseModel):
    """The answer to update_task on a done task or subtask: follow-up subtasks (the done item stays as it is)."""

    followUps: Annotated[list[FollowUpDraft], Field(min_length=1, max_length=5)]


_RULES = f"""\
Rules:
- Change what the request asks for and what it logically implies; keep everything else as it is, word for word.
- Never change ids, statuses or dependencies of existing items.
- Subtasks whose status is done or completed are finished work and are never rewritten. When the change affects
  one, add a new subtask with "id": null and "revises": <the finished subtask's id> that describes the work needed
  on top of it; it is labelled as a follow-up. Do not return cancelled subtasks.
- Return open subtasks you revised with their existing id. Add new subtasks with "id": null when the request needs
  more work. Subtasks you leave out are kept unchanged.
- priority: null keeps the current priority; set it only when the request asks for a different priority.
- Keep every <info added on ...> block in details exactly as written; you may add text before them.
- Be concrete: name the files, APIs, data shapes and tests that the change affects.
- Stay within the project's stack, constraints and out-of-scope lines when they are given.

{DATA_RULE}"""

UPDATE_TASK_SYSTEM = f"""\
You are a senior engineer revising one task of a project plan after a change of direction or new information.
Rewrite the task so that it describes the work as it should now be done.

{_RULES}"""

UPDATE_SUBTASK_SYSTEM = f"""\
You are a senior engineer revising one subtask of a project plan after a change of direction or new information.
Rewrite its title, description, details and testStrategy so they describe the work as it should now be done.
Change only what the request implies; keep every <info added on ...> block in details exactly as written.

{DATA_RULE}"""

UPDATE_MANY_SYSTEM = f"""\
You are a senior engineer revising the not-yet-finished tasks of a project plan after a change of direction or new
information. Return each task the change affects, with its id, fully rewritten (title, description, details,
testStrategy, priority, subtasks). Leave out tasks the change does not affect.

{_RULES}"""


UPDATE_DONE_SYSTEM = f"""\
You are a senior engineer applying a change of direction or new information to work that is already finished. The
finished item stays exactly as it is: it records what was built. Describe the work needed on top of it as one to
three follow-up subtasks: for each a specific title, a one-sentence description, details naming what must change
in the finished work (files, APIs, data, tests) and why, and a test strategy. Do not restate work that is already
done and still valid.

{DATA_RULE}"""


def update_task_prompt(
    task: str,
    request: str,
    *,
    parent: str | None = None,
    research: str | None = None,
    builds_on: list[str] | None = None,
    unblocks: list[str] | None = None,
    codebase: str = "",
    scope: str | None = None,
) -> str:
    """The user prompt of update_task with a prompt (``task`` is :func:`task_context` output): the code, the PRD
    scope, the item and its neighbours, the requested change (a document), then the instruction."""
    text = codebase.lstrip("\n")
    text += scope_block(scope)
    if parent:
        text += f"\n\nIt is a subtask of this task (for context only):\n{framed('parent', parent)}"
    text += f"\n\nCurrent item:\n{framed('task', task)}{neighbour_block(builds_on or [], unblocks or [])}"
    text += f"{research_block(research)}\n\nRequested change:\n{framed('request', request)}"
    return (text + "\n\nRewrite the current item as the requested change asks.").lstrip("\n")


def update_done_prompt(task: str, request: str, *, parent: str | None = None, research: str | None = None) -> str:
    """The user prompt for a done item: the item, its parent when it is a subtask, and the change."""
    owner = f"It is a subtask of this task (for context only):\n{framed('parent', parent)}\n\n" if parent else ""
    return (
        f"{owner}Finished item (not to be rewritten):\n{framed('task', task)}{research_block(research)}\n\n"
        f"Requested change:\n{framed('request', request)}\n\nWrite the follow-up subtasks the change needs."
    )


def update_many_context(request: str, research: str | None = None) -> str:
    """The stable start of every ``update`` batch of one call: the change and the research findings, the same for
    every batch, so they come first and the provider's prompt cache serves them after the first batch."""
    return f"Requested change:\n{framed('request', request)}{research_block(research)}\n\n"


def update_many_prompt(tasks: list[str], *, neighbours: list[str] | None = None) -> str:
    """The per-batch part, after :func:`update_many_context`; ``neighbours`` are briefs of tasks around the batch."""
    listing = "\n".join(tasks)
    around = (
        (
            "\n\nTasks these depend on or that depend on them (context only; not to be revised here):\n"
            + "\n".join(neighbours)
        )
        if neighbours
        else ""
    )
    return f"Tasks to revise (one JSON object per line):\n{framed('tasks', listing)}{around}"


UPDATE_TASK = Template(
    "update_task",
    3,
    UPDATE_TASK_SYSTEM,
    (update_task_prompt, task_context, brief, neighbour_block, codebase_block, scope_block, research_block),
)
UPDATE_SUBTASK = Template(
    "update_subtask",
    3,
    UPDATE_SUBTASK_SYSTEM,
    (update_task_prompt, task_context, brief, neighbour_block, codebase_block, scope_block, research_block),
)
UPDATE_DONE = Template("update_done", 2, UPDATE_DONE_SYSTEM, (update_done_prompt, task_context, research_block))
UPDATE_MANY = Template(
    "update", 4, UPDATE_MANY_SYSTEM, (update_many_context, update_many_prompt, task_context, brief, research_block)
)


def edit_research_question(request: str, subject: str) -> str:
    """What the research role is asked before an AI rewrite (plain text answer)."""
    return (
        f"An engineer is about to change planned work as follows:\n{request.strip()}\n\n"
        f"The work concerned:\n{subject[:8000]}\n\n"
        "List current, concrete facts that matter for this change: library versions and APIs, deprecations, "
        "pitfalls and recommended practice. Bullet points, no preamble."
    )


EDIT_RESEARCH = Template("edit.research", 2, RESEARCH_STEP_SYSTEM, (edit_research_question, task_context))


NOTE_RESEARCH_SYSTEM = """\
You are a research assistant helping an engineer who is in the middle of a subtask. They wrote a progress note or
question. Give current, concrete, checkable facts that help with it: APIs, versions, known issues, recommended
approaches, with short code-level hints where useful. Bullet points, no preamble, at most about 300 words."""


def note_research_prompt(note: str, item: str, parent: str) -> str:
    """The user prompt of the research step of update_subtask (and update_task append with research)."""
    return (
        f"Parent task (context):\n{parent}\n\nItem being worked on:\n{item}\n\n"
        f"The engineer's note or question:\n{note.strip()}"
    )


NOTE_RESEARCH = Template("note.research", 2, NOTE_RESEARCH_SYSTEM, (note_research_prompt, task_context))
