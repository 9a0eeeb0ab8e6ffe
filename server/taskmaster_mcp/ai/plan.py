"""parse_prd (a PRD into dependency-ordered tasks) and add_task from a prompt.

Ids are assigned here, never trusted from the model: tasks are numbered after the tag's highest id, and a
dependency survives only if it points at a real, earlier task. A PRD longer than the main model's input budget is
split at headings into parts; each part is planned with the tasks of the earlier parts listed, so ids and
dependencies stay consistent across parts.

parse_prd also shows the model the project's code when there is some (:mod:`taskmaster_mcp.ai.codebase`). A count
the caller set (not the configured default, which is asked for as "about N") is asked for exactly and checked
(:func:`taskmaster_mcp.ai.quality.count_within`): a part answered with more than 20% too many or too few is asked
again once, the answer closer to the count is kept, and ``notes`` in the result say so.
The PRD section a task covers, when the model names it, ends the task's details (``PRD section: ...``).

add_task with a prompt sees the whole plan as a bounded title map and the tasks related to the request in full
(see :func:`add_task_context`). Dependencies the user gave are always kept; the model may only add to them, and
the result lists what it added.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.budget import input_budget_chars, split_sections
from taskmaster_mcp.ai.codebase import code_block
from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask, renumber, researched, summarize
from taskmaster_mcp.ai.counts import ask_counted
from taskmaster_mcp.ai.critique import Critic, CritiqueReport, plan_source
from taskmaster_mcp.ai.neighbours import dependents, foundations, relevant
from taskmaster_mcp.ai.prd_scope import (
    SCOPE_CHARS,
    answered,
    extract,
    prd_scope,
    record,
    render,
    source_of,
    task_origin,
)
from taskmaster_mcp.ai.prompts import plan
from taskmaster_mcp.ai.prompts.blocks import task_context, title_map
from taskmaster_mcp.ai.quality import near_duplicates
from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.model import TagIndex, Task, key, next_int_id, parse_ref

MAX_PRD_BYTES = 1_000_000
EXISTING_TITLES_CHARS = 12_000
ADD_TASK_TITLES_CHARS = 12_000
RELATED_MATCHES = 6
RELATED_FOUNDATIONS = 3
RELATED_MAX = 12
RELATED_DETAILS = 1_500


class PlanResult(BaseModel):
    """What parse_prd wrote."""

    tag: str
    created: list[dict[str, Any]]
    replaced: int = 0
    parts: int = 1
    droppedDependencies: int = 0
    notes: list[str] | None = None
    usage: UsageSummary
    critique: CritiqueReport | None = None


class AddedTask(BaseModel):
    """What add_task with a prompt wrote; ``addedDependencies``: those the model added to the ones given."""

    tag: str
    task: dict[str, Any]
    addedDependencies: list[str] | None = None
    usage: UsageSummary


def _check_overwrite(existing: list[Task], tag: str, force: bool, append: bool) -> None:
    if existing and not force and not append:
        raise Conflict(
            f"Tag '{tag}' already has {len(existing)} tasks. Pass append=true to add the new tasks after "
            "them, or force=true to replace them (other tags are never touched)."
        )


def _assign(
    planned: list[plan.PlannedTask], start_id: int, known: set[int], source: str, scope: str | None
) -> tuple[list[Task], int]:
    """Turn the model's tasks into stored tasks with our ids; keep only dependencies on real, earlier tasks; note
    on each the PRD it came from and that PRD's scope (``metadata.prd``, :mod:`taskmaster_mcp.ai.prd_scope`)."""
    ids, deps, dropped = renumber(
        [t.id for t in planned], [t.dependencies for t in planned], start_id, frozenset(known)
    )
    tasks: list[Task] = [
        {
            "id": new_id,
            "title": item.title.strip(),
            "description": item.description.strip(),
            "details": _traced(item.details, item.prdSection),
            "testStrategy": item.testStrategy,
            "status": "pending",
            "dependencies": item_deps,
            "priority": item.priority,
            "subtasks": [],
        }
        for new_id, item_deps, item in zip(ids, deps, planned, strict=True)
    ]
    for task in tasks:
        record(task, source, scope)
    return tasks, dropped


def _traced(details: str, section: str) -> str:
    section = " ".join(section.split())[:200]
    if not section:
        return details
    return f"{details.rstrip()}\n\nPRD section: {section}" if details.strip() else f"PRD section: {section}"


DEFAULT_NUM_TASKS = 10


def default_num_tasks(config: Config) -> int:
    """``global.defaultNumTasks`` when it is a sensible count (a number or numeric text, 0 to 200), else 10."""
    value = config.global_settings.get("defaultNumTasks")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 200 else DEFAULT_NUM_TASKS


async def parse_prd(
    ai: AIContext,
    *,
    prd: str,
    tag: str,
    num_tasks: int,
    force: bool,
    append: bool,
    research: bool,
    exact: bool = False,
    critique: bool = False,
    source: str | None = None,
) -> PlanResult:
    """Plan tasks from a PRD and write them to ``tag`` (append, or replace with force).

    ``exact``: the caller set ``num_tasks`` (not the configured default), so it is asked for exactly and checked.
    ``critique``: each part's draft is critiqued and revised once before anything is written
    (:mod:`taskmaster_mcp.ai.critique`). ``source``: the PRD's path, recorded on the tasks (else a digest).
    """
    if not prd.strip():
        raise InvalidInput("The PRD is empty. Write it to .taskmaster/docs/prd.txt or pass its text as prd.")
    if len(prd.encode("utf-8")) > MAX_PRD_BYTES:
        raise InvalidInput(f"The PRD is over {MAX_PRD_BYTES // 1000} KB. Split it and parse each part with append.")
    store = ai.project.store
    store.require_initialized()
    existing = store.read().tasks(tag)
    _check_overwrite(existing, tag, force, append)
    critic = Critic(ai, "plan") if critique else None
    usages: list[Usage] = []
    findings = await researched(
        research, ai, "parse_prd", plan.PARSE_PRD_RESEARCH, lambda: plan.prd_research_question(prd), usages
    )
    notes: list[str] = []
    scope = render(extract(prd))
    origin = source_of(prd, source)
    code_text = code_block(ai.project.paths)
    kept = existing if append else []
    listing = len(title_map(kept, EXISTING_TITLES_CHARS)) if kept else 0
    fits = input_budget_chars(ai, "main", command="parse_prd")  # and the role a routing rule sends parse_prd to
    parts = split_sections(prd, max(4_000, fits - len(code_text) - listing - SCOPE_CHARS))
    if scope is None and len(parts) > 1:  # every part needs the scope: one small call when nothing marks it
        scope = await prd_scope(ai, prd, usages, notes)
    start = next_int_id(kept)
    known = {int(key(t.get("id"))) for t in kept if key(t.get("id")).isdigit()}
    planned: list[Task] = []
    dropped = 0
    for number, part in enumerate(parts, start=1):
        share = max(1, round(num_tasks * len(part) / len(prd))) if num_tasks > 0 else 0
        await ai.progress(number - 1, len(parts), f"planning part {number} of {len(parts)}")
        listed = title_map([*kept, *planned], EXISTING_TITLES_CHARS) if kept or planned else None
        documents = plan.parse_prd_documents(
            part,
            existing=listed,
            research=findings,
            codebase=code_text,
            scope=scope if len(parts) > 1 else None,  # a whole PRD carries its own scope
        )
        prompt = plan.parse_prd_prompt(
            num_tasks=share, exact=exact, start_id=start, part=(number, len(parts)) if len(parts) > 1 else None
        )
        schema = plan.counted_plan(share) if exact and share else plan.TaskPlan
        answer, usage = await ask_counted(
            ai,
            plan.PARSE_PRD,
            prompt,
            schema,
            items=lambda a: [f"{t.id} {t.title}" for t in a.tasks],
            wanted=share if exact else 0,
            what="tasks",
            where=f"part {number}: " if len(parts) > 1 else "",
            command="parse_prd",
            usages=usages,
            notes=notes,
            prefix=documents,
        )
        if critic is not None:
            answer = await critic.check(
                ai,
                command="parse_prd",
                author=plan.PARSE_PRD,
                prompt=prompt,
                draft=answer,
                drafted=usage,
                usages=usages,
                source=plan_source(part, listed),
                prefix=documents,
            )
        tasks, lost = _assign(answer.tasks, start, known, origin, scope or answered(answer.scope))
        dropped += lost
        planned += tasks
        known |= {t["id"] for t in tasks}
        start += len(tasks)
    notes += [
        f"Tasks {a} and {b} have nearly the same title; check whether one repeats the other."
        for a, b in near_duplicates([*kept, *planned], only={str(t["id"]) for t in planned})
    ]

    def section() -> int:
        with store.mutate() as doc:
            block = doc.ensure_tag(tag)
            current = block["tasks"]
            _check_overwrite(current, tag, force, append)
            if append and next_int_id(current) != next_int_id(kept):
                raise Conflict("Tasks were added to this tag while the plan was being made. Run parse_prd again.")
            replaced = 0 if append else len(current)
            block["tasks"] = [*current, *planned] if append else planned
        return replaced

    replaced = await ai.write(section)
    await ai.progress(len(parts), len(parts), f"wrote {len(planned)} tasks")
    return PlanResult(
        tag=tag,
        created=[{"id": t["id"], "title": t["title"], "dependencies": t["dependencies"]} for t in planned],
        replaced=replaced,
        parts=len(parts),
        droppedDependencies=dropped,
        notes=notes or None,
        usage=summarize(usages),
        critique=critic.report() if critic is not None else None,
    )


def add_task_context(
    index: TagIndex, request: str, given: list[str], max_titles: int
) -> tuple[str, list[str], list[Task]]:
    """What add_task shows the model: every title, and the related tasks in full.

    The title map is bounded at ``max_titles`` characters (:data:`ADD_TASK_TITLES_CHARS`, 12,000, about 3,000
    tokens: under 2% of a 200k-token window, under 10% of a 32k local model's). At about 40 characters a line that
    holds some 300 tasks in full; larger plans first lose the titles of closed tasks (their ids stay listed, as
    ranges), then the list is cut with a count. Titles are for avoiding duplicates and choosing dependencies by
    id; the tasks that matter most are sent whole anyway: the dependencies the user gave, up to
    :data:`RELATED_MATCHES` tasks sharing the request's words, and up to :data:`RELATED_FOUNDATIONS` foundation
    tasks (those many others depend on), :data:`RELATED_MAX` in all, each with its details cut at
    :data:`RELATED_DETAILS` characters. Also returns the related tasks themselves (their PRD scope travels).
    """
    chosen: dict[str, Task] = {}
    for dep in given:
        task = index.by_id.get(parse_ref(dep).task)
        if task is not None:
            chosen.setdefault(key(task.get("id")), task)
    for task in relevant(index, request, RELATED_MATCHES, exclude=chosen):
        chosen.setdefault(key(task.get("id")), task)
    for task in foundations(index, dependents(index), RELATED_FOUNDATIONS, exclude=chosen):
        chosen.setdefault(key(task.get("id")), task)
    related = [
        task_context(t, with_subtasks=False, max_details=RELATED_DETAILS) for t in list(chosen.values())[:RELATED_MAX]
    ]
    return title_map(index.tasks, max_titles), related, list(chosen.values())[:RELATED_MAX]


async def add_task_from_prompt(
    ai: AIContext, *, tag: str, prompt: str, dependencies: list[str], priority: str | None, research: bool
) -> AddedTask:
    """Write one new task drafted by the main role from ``prompt`` (user-given dependencies and priority win)."""
    store = ai.project.store
    store.require_initialized()
    index = store.read().index(tag)
    usages: list[Usage] = []
    findings = await researched(
        research, ai, "add_task", plan.ADD_TASK_RESEARCH, lambda: plan.add_task_research_question(prompt), usages
    )
    bound = min(ADD_TASK_TITLES_CHARS, input_budget_chars(ai, "main", command="add_task") // 8)
    titles, related, tasks = add_task_context(index, prompt, dependencies, bound)
    origin = task_origin(*tasks)
    scope = origin[1] if origin is not None else None
    draft, usage = await ask(
        ai,
        plan.ADD_TASK,
        plan.add_task_prompt(
            prompt,
            titles=titles,
            related=related,
            given=dependencies,
            research=findings,
            codebase=code_block(ai.project.paths),
            scope=scope,
        ),
        plan.NewTask,
        command="add_task",
    )
    usages.append(usage)

    def section() -> tuple[Task, list[str]]:
        with store.mutate() as doc:
            index = doc.index(tag)
            given = {key(d) for d in dependencies}
            added = [
                str(d)
                for d in dict.fromkeys(draft.dependencies)
                if index.by_id.get(str(d)) is not None and str(d) not in given
            ]
            task = edits.add_task(
                doc,
                tag,
                title=draft.title,
                description=draft.description,
                details=draft.details,
                test_strategy=draft.testStrategy,
                dependencies=[*dependencies, *added],
                priority=priority or draft.priority,
            )
            if origin is not None:  # the new task came from the same PRD's scope: it carries it on
                record(task, origin[0], scope)
        return task, added

    task, added = await ai.write(section)
    return AddedTask(tag=tag, task=task, addedDependencies=added or None, usage=summarize(usages))
