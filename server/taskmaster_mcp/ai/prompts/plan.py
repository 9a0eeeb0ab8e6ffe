"""Prompts and output models for planning: parse_prd (a PRD into tasks) and add_task with a prompt."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import (
    CONFIDENCE,
    RESEARCH_STEP_SYSTEM,
    Template,
    codebase_block,
    research_block,
    task_context,
    title_map,
)

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
    prdSection: str = ""


class TaskPlan(BaseModel):
    """The answer to parse_prd: tasks in the order they should be done."""

    tasks: Annotated[list[PlannedTask], Field(min_length=1)]
    confidence: Annotated[float | None, Field(ge=0, le=1, description=CONFIDENCE)] = None


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

The document is binding: the languages, frameworks, libraries, services, versions and constraints it names are
the ones to use (do not swap them for alternatives you prefer), and work it calls out of scope, a non-goal or
later is left out entirely (no task, no subtask, no "optional" extra).

For each task give:
- title: short and specific ("Add SQLite FTS5 search index", not "Search").
- description: one or two sentences on what the task delivers.
- details: how to do it: components, libraries, data shapes, edge cases, decisions the document implies.
- testStrategy: how to prove it works (the tests to write, what they check).
- priority: high for foundations and must-haves, medium for core features, low for polish.
- dependencies: ids of EARLIER tasks in your list that must be finished first. Never a later id, never its own.
- prdSection: the heading (or short quote) of the part of the document the task delivers, for traceability.

Number tasks from the start id you are given, in dependency order: foundations first. Do not invent
requirements. Do not repeat work that existing tasks already cover."""


def parse_prd_prompt(
    prd: str,
    *,
    num_tasks: int,
    exact: bool,
    start_id: int,
    existing: str | None,
    part: tuple[int, int] | None,
    research: str | None,
    codebase: str,
) -> str:
    """The user prompt for one parse_prd call (or one part of a long PRD); ``existing`` is a title map."""
    if num_tasks <= 0:
        count = "Choose the number of tasks the document needs (typically 8 to 25)."
    else:
        count = f"Produce exactly {num_tasks} tasks." if exact else f"Produce about {num_tasks} tasks."
    lines = [count, f"Number the tasks starting at id {start_id}."]
    if existing:
        lines.append(
            "These tasks already exist (from earlier parts or an earlier plan). You may depend on their "
            f"ids; do not repeat them:\n<existing-tasks>\n{existing}\n</existing-tasks>"
        )
    if part is not None:
        lines.append(
            f"The document is long; this is part {part[0]} of {part[1]}. Plan only the work this part describes."
        )
    return "\n\n".join(lines) + codebase + research_block(research) + f"\n\n<prd>\n{prd.strip()}\n</prd>"


def recount_prompt(prompt: str, got: int, wanted: int) -> str:
    """``prompt`` again, after an answer with the wrong number of tasks."""
    return (
        f"{prompt}\n\nYour previous answer had {got} tasks, but exactly {wanted} were asked for. Plan again with "
        f"exactly {wanted} tasks: merge or split tasks as needed, keeping the whole document covered."
    )


PARSE_PRD = Template(
    "parse_prd", 2, PARSE_PRD_SYSTEM, (parse_prd_prompt, recount_prompt, title_map, codebase_block, research_block)
)


def prd_research_question(prd: str) -> str:
    """What the research role is asked before parse_prd (plain text answer)."""
    return (
        "A team is about to plan the project described below. List the current, concrete facts they should "
        "know: recommended library versions and APIs, deprecations, known pitfalls, security advisories and "
        "best practices for the technologies it names. Be brief and specific; bullet points.\n\n"
        f"<prd>\n{prd.strip()[:20000]}\n</prd>"
    )


PARSE_PRD_RESEARCH = Template("parse_prd.research", 1, RESEARCH_STEP_SYSTEM, (prd_research_question,))


ADD_TASK_SYSTEM = """\
You are a senior technical lead adding one task to an existing project plan.
Write a single task for the request you are given, consistent with the existing tasks: same style, same
technologies, and no duplicate of a task that already exists (if one covers the request, write the part it does
not cover). Give a specific title, a one- or two-sentence description, implementation details, a test strategy, a
priority (high, medium or low) and the ids of existing tasks it truly depends on (only ids from the plan given).
Dependencies the user gave are kept whatever you answer; list them, and add only ids the new work really needs."""


def add_task_prompt(request: str, *, titles: str, related: list[str], given: list[str], research: str | None) -> str:
    """The user prompt of add_task with a prompt: every title (a bounded map), then the related tasks in full."""
    lines = [f"The plan (id title [status]):\n<plan>\n{titles}\n</plan>"]
    if related:
        lines.append(
            "Tasks related to the request (its given dependencies, tasks sharing its words, and tasks "
            "much of the plan builds on), in full:\n" + "\n".join(related)
        )
    if given:
        lines.append(f"Dependencies given by the user (kept): {', '.join(given)}.")
    return "\n\n".join(lines) + research_block(research) + f"\n\nNew task request:\n{request.strip()}"


ADD_TASK = Template("add_task", 2, ADD_TASK_SYSTEM, (add_task_prompt, title_map, task_context, research_block))


def add_task_research_question(request: str) -> str:
    """What the research role is asked before add_task with research."""
    return f"Relevant current facts for this task:\n{request}"


ADD_TASK_RESEARCH = Template("add_task.research", 1, RESEARCH_STEP_SYSTEM, (add_task_research_question,))
