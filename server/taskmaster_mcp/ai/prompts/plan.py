"""Prompts and output models for planning: parse_prd (a PRD into tasks) and add_task with a prompt."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import research_block

PriorityOut = Literal["high", "medium", "low"]


class PlannedTask(BaseModel):
    """One task proposed by the model. ``id`` is the model's own numbering, used only to express dependencies."""

    id: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str
    priority: PriorityOut
    dependencies: list[int] = []


class TaskPlan(BaseModel):
    """The answer to parse_prd: tasks in the order they should be done."""

    tasks: Annotated[list[PlannedTask], Field(min_length=1)]


class NewTask(BaseModel):
    """The answer to add_task with a prompt."""

    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str
    priority: PriorityOut = "medium"
    dependencies: list[int] = []


PARSE_PRD_SYSTEM = """\
You are a senior technical lead turning a product requirements document into an implementation plan.
Produce a list of development tasks that, done in order, deliver everything the document asks for and nothing it
rules out. Each task is one coherent piece of work for one engineer for half a day to three days.

For each task give:
- title: short and specific ("Add SQLite FTS5 search index", not "Search").
- description: one or two sentences on what the task delivers.
- details: how to do it: components, libraries, data shapes, edge cases, decisions the document implies.
- testStrategy: how to prove it works (the tests to write, what they check).
- priority: high for foundations and must-haves, medium for core features, low for polish.
- dependencies: ids of EARLIER tasks in your list that must be finished first. Never a later id, never its own.

Number tasks from the start id you are given, in dependency order: foundations first. Prefer the technologies the
document names. Do not invent requirements; do not add tasks for work the document puts out of scope."""


def parse_prd_prompt(prd: str, *, num_tasks: int, start_id: int, existing: list[str], part: tuple[int, int] | None,
                     research: str | None) -> str:
    """The user prompt for one parse_prd call (or one part of a long PRD)."""
    count = (f"Produce about {num_tasks} tasks." if num_tasks > 0
             else "Choose the number of tasks the document needs (typically 8 to 25).")
    lines = [count, f"Number the tasks starting at id {start_id}."]
    if existing:
        lines.append("These tasks already exist (from earlier parts or an earlier plan). You may depend on their "
                     "ids; do not repeat them:\n" + "\n".join(existing))
    if part is not None:
        lines.append(f"The document is long; this is part {part[0]} of {part[1]}. Plan only the work this part "
                     "describes.")
    return "\n\n".join(lines) + research_block(research) + f"\n\n<prd>\n{prd.strip()}\n</prd>"


def prd_research_question(prd: str) -> str:
    """What the research role is asked before parse_prd (plain text answer)."""
    return ("A team is about to plan the project described below. List the current, concrete facts they should "
            "know: recommended library versions and APIs, deprecations, known pitfalls, security advisories and "
            "best practices for the technologies it names. Be brief and specific; bullet points.\n\n"
            f"<prd>\n{prd.strip()[:20000]}\n</prd>")


ADD_TASK_SYSTEM = """You are a senior technical lead adding one task to an existing project plan.
Write a single task for the request you are given, consistent with the existing tasks (same style, no duplicates).
Give a specific title, a one- or two-sentence description, implementation details, a test strategy, a priority
(high, medium or low) and the ids of existing tasks it truly depends on (only ids from the list given)."""


def add_task_prompt(request: str, existing: list[str], research: str | None) -> str:
    """The user prompt of add_task with a prompt."""
    listing = "\n".join(existing) if existing else "(no tasks yet)"
    return f"Existing tasks (id: title [status]):\n{listing}{research_block(research)}\n\nNew task request:\n{request}"
