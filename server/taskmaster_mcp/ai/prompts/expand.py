"""Prompts and output models for breaking work down and sizing it: expand_task / expand_all (subtasks),
analyze_project_complexity (scores), scope_up_task / scope_down_task (rewrites)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import research_block

Strength = Literal["light", "regular", "heavy"]


class PlannedSubtask(BaseModel):
    """One subtask proposed by the model. ``id`` is the model's numbering (1..n), used only for dependencies."""

    id: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str = ""
    dependencies: list[int] = []


class SubtaskPlan(BaseModel):
    """The answer to expand_task: subtasks in the order they should be done."""

    subtasks: Annotated[list[PlannedSubtask], Field(min_length=1, max_length=60)]


class TaskScore(BaseModel):
    """The complexity assessment of one task."""

    taskId: int
    complexityScore: Annotated[int, Field(ge=1, le=10)]
    recommendedSubtasks: Annotated[int, Field(ge=0, le=30)]
    expansionPrompt: str
    reasoning: str


class ComplexityAnswer(BaseModel):
    """The answer to one analyze_project_complexity batch."""

    tasks: list[TaskScore]


class RescopedSubtask(BaseModel):
    """A rewritten open subtask; ``id`` is the subtask's existing id."""

    id: int
    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    details: str


class RescopedTask(BaseModel):
    """The answer to scope_up_task / scope_down_task for one task."""

    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    details: str
    testStrategy: str
    subtasks: list[RescopedSubtask] = []


EXPAND_SYSTEM = """\
You are a senior engineer splitting one piece of work into subtasks that a developer (or a coding agent) can pick
up one at a time. Each subtask is a concrete step that ends in something checkable: code that compiles, a test
that passes, a document that exists. Together the subtasks deliver the whole parent task and nothing beyond it.

For each subtask give:
- id: your own numbering, 1, 2, 3, ... in the order the work should be done.
- title: short and specific.
- description: one sentence on what the step delivers.
- details: how to do it: files, functions, data shapes, libraries, edge cases.
- testStrategy: how to check this step is done.
- dependencies: ids of EARLIER subtasks in your list that must be finished first (never a later id, never its
  own). A step with no prerequisite in your list has none.

Do not repeat work that the existing subtasks (if any are listed) already cover. Follow the technologies and
decisions already stated in the task."""


def expand_prompt(*, target: str, parent: str | None, count: int, dependencies: list[str], related: list[str],
                  hint: str | None, existing: bool, request: str | None, research: str | None) -> str:
    """The user prompt of one expansion: ``target`` is the task (or subtask) JSON, ``parent`` its parent's."""
    lines = [f"Write about {count} subtasks." if count > 0 else "Choose how many subtasks the work needs (3 to 8)."]
    if parent is not None:
        lines.append("The item to split is itself a subtask of the task below. Replace it with finer steps that "
                     "together do exactly what it describes; the other subtasks of the parent stay as they are."
                     f"\n<parent>\n{parent}\n</parent>")
        lines.append(f"<subtask>\n{target}\n</subtask>")
    else:
        lines.append(f"<task>\n{target}\n</task>")
        if existing:
            lines.append("The task already has the subtasks listed in it; the new ones are added after them.")
    if dependencies:
        lines.append("It builds on these tasks (already planned or done):\n" + "\n".join(dependencies))
    if related:
        lines.append("Related tasks (for consistency; do not take over their work):\n" + "\n".join(related))
    if hint:
        lines.append(f"Guidance from the complexity analysis:\n{hint}")
    if request:
        lines.append(f"Additional instructions from the user:\n{request.strip()}")
    return "\n\n".join(lines) + research_block(research)


def expand_research_question(target: str) -> str:
    """What the research role is asked before an expansion (plain text answer)."""
    return ("An engineer is about to break down the task below into implementation steps. List current, concrete "
            "facts that matter for it: recommended libraries and versions, APIs, pitfalls, security notes and "
            f"best practices. Be brief; bullet points.\n\n<task>\n{target}\n</task>")


ANALYZE_SYSTEM = """\
You are a senior engineer estimating how complex each task of a project plan is, so that the complex ones can be
broken down before work starts.

For every task you are given, answer with:
- taskId: the task's id exactly as given.
- complexityScore: 1 (trivial, an hour) to 10 (very hard: research, many components, high risk).
- recommendedSubtasks: how many subtasks it should be split into (0 if it should stay whole; 3 to 8 for most
  complex tasks).
- expansionPrompt: one or two sentences telling the person who splits it what the subtasks should cover.
- reasoning: one or two sentences on what makes it easy or hard.

Score each task on its own merits (technical difficulty, unknowns, number of parts, risk), not on its position in
the list. Answer for every task given and only for those."""


def analyze_prompt(tasks: list[str], research: str | None) -> str:
    """The user prompt of one complexity batch; each item of ``tasks`` is one task's JSON."""
    return (f"Assess these {len(tasks)} tasks:\n<tasks>\n" + "\n".join(tasks) + "\n</tasks>"
            + research_block(research))


def analyze_research_question(tasks: list[str]) -> str:
    """What the research role is asked before scoring a batch."""
    return ("A team is estimating the tasks below. List current facts that change how hard they are: maturity of "
            "the libraries involved, known pitfalls, recent breaking changes. Brief bullet points.\n\n"
            + "\n".join(tasks))


SCOPE_SYSTEM = """\
You are a senior engineer adjusting the scope of a planned task. You rewrite its title, description, details and
test strategy, and the open subtasks you are given, so that the task becomes more or less ambitious as asked,
while staying the same piece of work in the same project (same purpose, same technologies unless told otherwise).

Scope up: add depth: edge cases, robustness, configurability, performance, observability, fuller testing.
Scope down: keep the essential outcome: cut optional features, defer polish, simplify, test only the core path.

Strength: light = a small adjustment; regular = a clear change; heavy = a substantial rewrite of the scope.
For subtasks, answer only for the ids you were given, keeping each id."""


def scope_prompt(*, direction: Literal["up", "down"], strength: Strength, task: str, subtasks: list[str],
                 request: str | None, research: str | None) -> str:
    """The user prompt of scope_up_task / scope_down_task for one task."""
    lines = [f"Scope this task {direction}, strength: {strength}.", f"<task>\n{task}\n</task>"]
    if subtasks:
        lines.append("Open subtasks to rewrite to match (keep their ids; finished subtasks stay as they are):\n"
                     + "\n".join(subtasks))
    if request:
        lines.append(f"Additional instructions from the user:\n{request.strip()}")
    return "\n\n".join(lines) + research_block(research)
