"""parse_prd (a PRD into dependency-ordered tasks) and add_task from a prompt.

Ids are assigned here, never trusted from the model: tasks are numbered after the tag's highest id, and a
dependency survives only if it points at a real, earlier task. A PRD longer than the main model's input budget is
split at headings into parts; each part is planned with the tasks of the earlier parts listed, so ids and
dependencies stay consistent across parts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.budget import input_budget_chars, split_sections
from taskmaster_mcp.ai.context import AIContext, UsageSummary, renumber, research_step, summarize, task_line
from taskmaster_mcp.ai.prompts import plan
from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import Task, key, next_int_id

MAX_PRD_BYTES = 1_000_000
EXISTING_LISTED = 150


class PlanResult(BaseModel):
    """What parse_prd wrote."""

    tag: str
    created: list[dict[str, Any]]
    replaced: int = 0
    parts: int = 1
    droppedDependencies: int = 0
    usage: UsageSummary


class AddedTask(BaseModel):
    """What add_task with a prompt wrote."""

    tag: str
    task: dict[str, Any]
    usage: UsageSummary


def _check_overwrite(existing: list[Task], tag: str, force: bool, append: bool) -> None:
    if existing and not force and not append:
        raise Conflict(f"Tag '{tag}' already has {len(existing)} tasks. Pass append=true to add the new tasks after "
                       "them, or force=true to replace them (other tags are never touched).")


def _assign(planned: list[plan.PlannedTask], start_id: int, known: set[int]) -> tuple[list[Task], int]:
    """Turn the model's tasks into stored tasks with our ids; keep only dependencies on real, earlier tasks."""
    ids, deps, dropped = renumber([t.id for t in planned], [t.dependencies for t in planned], start_id,
                                  frozenset(known))
    tasks: list[Task] = [
        {"id": new_id, "title": item.title.strip(), "description": item.description.strip(), "details": item.details,
         "testStrategy": item.testStrategy, "status": "pending", "dependencies": item_deps,
         "priority": item.priority, "subtasks": []}
        for new_id, item_deps, item in zip(ids, deps, planned, strict=True)
    ]
    return tasks, dropped


DEFAULT_NUM_TASKS = 10


def default_num_tasks(config: Config) -> int:
    """``global.defaultNumTasks`` when it is a sensible count (a number or numeric text, 0 to 200), else 10."""
    value = config.global_settings.get("defaultNumTasks")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 200 else DEFAULT_NUM_TASKS



async def parse_prd(ai: AIContext, *, prd: str, tag: str, num_tasks: int, force: bool, append: bool,
                    research: bool) -> PlanResult:
    """Plan tasks from a PRD and write them to ``tag`` (append, or replace with force)."""
    if not prd.strip():
        raise InvalidInput("The PRD is empty. Write it to .taskmaster/docs/prd.txt or pass its text as prd.")
    if len(prd.encode("utf-8")) > MAX_PRD_BYTES:
        raise InvalidInput(f"The PRD is over {MAX_PRD_BYTES // 1000} KB. Split it and parse each part with append.")
    store = ai.project.store
    store.require_initialized()
    existing = store.read().tasks(tag)
    _check_overwrite(existing, tag, force, append)
    usages: list[Usage] = []
    findings = None
    if research:
        findings, usage = await research_step(ai, "parse_prd", plan.prd_research_question(prd))
        usages.append(usage)
    parts = split_sections(prd, input_budget_chars(ai, "main"))
    kept = existing if append else []
    start = next_int_id(kept)
    known = {int(key(t.get("id"))) for t in kept if key(t.get("id")).isdigit()}
    listed = [task_line(t) for t in kept[-EXISTING_LISTED:]]
    planned: list[Task] = []
    dropped = 0
    for number, part in enumerate(parts, start=1):
        share = max(1, round(num_tasks * len(part) / len(prd))) if num_tasks > 0 else 0
        await ai.progress(number - 1, len(parts), f"planning part {number} of {len(parts)}")
        answer, usage = await ai.router.generate_object(
            command="parse_prd", role="main", system=plan.PARSE_PRD_SYSTEM,
            prompt=plan.parse_prd_prompt(part, num_tasks=share, start_id=start, existing=listed,
                                         part=(number, len(parts)) if len(parts) > 1 else None, research=findings),
            schema=plan.TaskPlan, progress=ai.progress, sampler=ai.sampler)
        usages.append(usage)
        tasks, lost = _assign(answer.tasks, start, known)
        dropped += lost
        planned += tasks
        known |= {t["id"] for t in tasks}
        listed += [task_line(t) for t in tasks]
        start += len(tasks)
    with store.mutate() as doc:
        block = doc.ensure_tag(tag)
        current = block["tasks"]
        _check_overwrite(current, tag, force, append)
        if append and next_int_id(current) != next_int_id(kept):
            raise Conflict("Tasks were added to this tag while the plan was being made. Run parse_prd again.")
        replaced = 0 if append else len(current)
        block["tasks"] = [*current, *planned] if append else planned
    await ai.progress(len(parts), len(parts), f"wrote {len(planned)} tasks")
    return PlanResult(tag=tag, created=[{"id": t["id"], "title": t["title"], "dependencies": t["dependencies"]}
                                        for t in planned],
                      replaced=replaced, parts=len(parts), droppedDependencies=dropped, usage=summarize(usages))


async def add_task_from_prompt(ai: AIContext, *, tag: str, prompt: str, dependencies: list[str],
                               priority: str | None, research: bool) -> AddedTask:
    """Write one new task drafted by the main role from ``prompt`` (user-given dependencies and priority win)."""
    store = ai.project.store
    store.require_initialized()
    existing = store.read().tasks(tag)
    usages: list[Usage] = []
    findings = None
    if research:
        findings, usage = await research_step(ai, "add_task", f"Relevant current facts for this task:\n{prompt}")
        usages.append(usage)
    listed = [task_line(t) for t in existing[-EXISTING_LISTED:]]
    draft, usage = await ai.router.generate_object(
        command="add_task", role="main", system=plan.ADD_TASK_SYSTEM,
        prompt=plan.add_task_prompt(prompt, listed, findings), schema=plan.NewTask,
        progress=ai.progress, sampler=ai.sampler)
    usages.append(usage)
    with store.mutate() as doc:
        index = doc.index(tag)
        model_deps = [str(d) for d in draft.dependencies if index.by_id.get(str(d)) is not None]
        deps = list(dict.fromkeys([*dependencies, *model_deps]))
        task = edits.add_task(doc, tag, title=draft.title, description=draft.description, details=draft.details,
                            test_strategy=draft.testStrategy, dependencies=deps,
                            priority=priority or draft.priority)
    return AddedTask(tag=tag, task=task, usage=summarize(usages))
