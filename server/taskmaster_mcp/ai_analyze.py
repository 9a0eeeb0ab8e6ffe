"""analyze_project_complexity (scores into Task Master's complexity report) and scope_up_task / scope_down_task.

Decisions:

- Tasks go to the model in batches of :data:`BATCH`, run concurrently (``taskmasterMcp.concurrency.expandAll``).
  Every returned ``taskId`` must be one of its batch's; others are dropped, and a task left without a score is
  listed as failed. If no batch succeeds, the first error is raised and nothing is written.
- The report is merged with the one already at ``Paths.complexity_report(tag)``: re-analysed tasks are replaced in
  place, others kept, new ones appended; ``meta`` describes this run. Titles come from tasks.json, not the model.
- Done, completed and cancelled tasks are skipped unless named in ``ids``.
- Scoping rewrites title, description, details, testStrategy and the open subtasks' title, description and
  details; everything else (ids, statuses, priority, dependencies, ``metadata``, finished subtasks) is kept as is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel

from .ai import AIContext, UsageSummary, research_step, summarize
from .ai_expand import ItemReason, reason_text
from .errors import Conflict, InvalidInput, TaskmasterError
from .files import dumps, load_json, project_lock, write_atomic
from .llm import Usage, settings_from_config
from .prompts import expand, task_context
from .store import NoChange, now_iso
from .tasks import CLOSED_STATUSES, Task, key, parse_ref, subtasks_of

BATCH = 10
TOP = 10
T = TypeVar("T")
R = TypeVar("R")


class ScoreRow(BaseModel):
    """One analysed task, compactly."""

    id: int
    score: int
    subtasks: int


class AnalyzeResult(BaseModel):
    """What analyze_project_complexity found and wrote."""

    tag: str
    analyzed: int
    skipped: int
    failed: list[ItemReason]
    aboveThreshold: list[int]
    top: list[ScoreRow]
    reportPath: str
    message: str
    usage: UsageSummary


class ScopeResult(BaseModel):
    """What scope_up_task / scope_down_task rewrote."""

    tag: str
    changed: list[dict[str, Any]]
    skipped: list[ItemReason] = []
    failed: list[ItemReason] = []
    usage: UsageSummary


async def _run_all(ai: AIContext, items: Sequence[T], work: Callable[[AIContext, T], Awaitable[R]],
                   label: Callable[[T], str]) -> list[R | TaskmasterError]:
    """Run ``work`` on every item with the configured concurrency; each result is a value or its TaskmasterError."""
    semaphore = asyncio.Semaphore(settings_from_config(ai.project.config()).expand_all_concurrency)
    finished = 0

    async def one(item: T) -> R | TaskmasterError:
        nonlocal finished

        async def progress(_done: float, _total: float | None, message: str) -> None:
            await ai.progress(finished, len(items), f"{label(item)}: {message}")

        async with semaphore:
            try:
                result: R | TaskmasterError = await work(replace(ai, progress=progress), item)
            except TaskmasterError as err:
                result = err
        finished += 1
        outcome = "failed" if isinstance(result, TaskmasterError) else "done"
        await ai.progress(finished, len(items), f"{label(item)}: {outcome}")
        return result

    return list(await asyncio.gather(*(one(item) for item in items)))


def _load_report(path: Any) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data, _ = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("complexityAnalysis", []), list):  # pyright: ignore
        raise InvalidInput(f"{path} is not a complexity report (no complexityAnalysis list). Move it away and run "
                           "analyze_project_complexity again.")
    return data  # pyright: ignore[reportUnknownVariableType]


def _select(tasks: list[Task], ids: list[str], first: int | None, last: int | None) -> tuple[list[Task], int]:
    if first is not None and last is not None and first > last:
        raise InvalidInput(f"from ({first}) is after to ({last}). Pass from <= to.")
    by_id = {key(t.get("id")): t for t in tasks}
    if ids:
        refs = [parse_ref(i) for i in ids]
        if any(r.sub is not None for r in refs):
            raise InvalidInput("analyze_project_complexity takes task ids (like '7'), not subtask ids.")
        missing = [r.task for r in refs if r.task not in by_id]
        if missing:
            raise InvalidInput(f"Task(s) {', '.join(missing)} not found. Call get_tasks to list task ids.")
        chosen = [by_id[r.task] for r in dict.fromkeys(refs)]
    else:
        chosen = [t for t in tasks if t.get("status", "pending") not in CLOSED_STATUSES]
    in_range = [t for t in chosen if key(t.get("id")).isdigit()
                and (first is None or int(key(t.get("id"))) >= first)
                and (last is None or int(key(t.get("id"))) <= last)]
    return in_range, len(tasks) - len(in_range)


async def analyze(ai: AIContext, *, tag: str, threshold: int, ids: list[str], first: int | None, last: int | None,
                  research: bool) -> AnalyzeResult:
    """Score tasks, merge the scores into the tag's complexity report, and return the highlights."""
    project = ai.project
    project.store.require_initialized()
    path = project.paths.complexity_report(tag)
    _load_report(path)  # a broken report is reported before any model call is paid for
    all_tasks = project.store.read().index(tag).tasks
    tasks, skipped = _select(all_tasks, ids, first, last)
    if not tasks:
        raise InvalidInput(f"No open task with a numeric id to analyse in tag '{tag}' (done and cancelled tasks are "
                           "skipped). Pass ids, or from/to, naming the tasks to score.")
    batches = [tasks[i:i + BATCH] for i in range(0, len(tasks), BATCH)]
    usages: list[Usage] = []

    async def score(job_ai: AIContext, batch: list[Task]) -> list[expand.TaskScore]:
        views = [task_context(t, with_subtasks=False, max_details=1500) for t in batch]
        findings = None
        if research:
            findings, usage = await research_step(job_ai, "analyze_project_complexity",
                                                  expand.analyze_research_question(views))
            usages.append(usage)
        answer, usage = await job_ai.router.generate_object(
            command="analyze_project_complexity", role="main", system=expand.ANALYZE_SYSTEM,
            prompt=expand.analyze_prompt(views, findings), schema=expand.ComplexityAnswer,
            progress=job_ai.progress, sampler=job_ai.sampler)
        usages.append(usage)
        return answer.tasks

    results = await _run_all(ai, batches, score, lambda b: f"tasks {key(b[0].get('id'))}-{key(b[-1].get('id'))}")
    errors = [r for r in results if isinstance(r, TaskmasterError)]
    if len(errors) == len(results):
        raise errors[0]
    entries: dict[int, dict[str, Any]] = {}
    failed: list[ItemReason] = []
    for batch, result in zip(batches, results, strict=True):
        wanted = {int(key(t.get("id"))): t for t in batch}
        if isinstance(result, TaskmasterError):
            failed += [ItemReason(id=str(tid), reason=reason_text(result)) for tid in wanted]
            continue
        for item in result:
            if item.taskId in wanted and item.taskId not in entries:
                entries[item.taskId] = {
                    "taskId": item.taskId, "taskTitle": str(wanted[item.taskId].get("title", "")),
                    "complexityScore": item.complexityScore, "recommendedSubtasks": item.recommendedSubtasks,
                    "expansionPrompt": item.expansionPrompt, "reasoning": item.reasoning}
        failed += [ItemReason(id=str(tid), reason="the model returned no score for it; analyse it again")
                   for tid in wanted if tid not in entries]
    config = project.config()
    with project_lock(project.paths.taskmaster):
        existing = _load_report(path)
        merged: list[Any] = []
        fresh = dict(entries)
        for old in cast(list[Any], existing.get("complexityAnalysis", [])):
            tid = key(cast(dict[str, Any], old).get("taskId")) if isinstance(old, dict) else None
            merged.append(fresh.pop(int(tid)) if tid is not None and tid.isdigit() and int(tid) in fresh else old)
        merged += fresh.values()
        meta = {"generatedAt": now_iso(), "tasksAnalyzed": len(entries), "totalTasks": len(all_tasks),
                "analysisCount": len(merged), "thresholdScore": threshold,
                "projectName": config.global_settings.get("projectName"), "usedResearch": research}
        report = {"meta": meta, "complexityAnalysis": merged,
                  **{k: v for k, v in existing.items() if k not in ("meta", "complexityAnalysis")}}
        trailing = path.is_file() and path.read_bytes().endswith(b"\n")
        write_atomic(path, dumps(report, trailing_newline=trailing))
    ranked = sorted(entries.values(), key=lambda e: (-e["complexityScore"], e["taskId"]))
    above = [e["taskId"] for e in ranked if e["complexityScore"] >= threshold]
    return AnalyzeResult(
        tag=tag, analyzed=len(entries), skipped=skipped, failed=failed, aboveThreshold=above,
        top=[ScoreRow(id=e["taskId"], score=e["complexityScore"], subtasks=e["recommendedSubtasks"])
             for e in ranked[:TOP]],
        reportPath=str(path.relative_to(project.paths.root)),
        message=(f"{len(above)} task(s) score {threshold} or more; expand them with expand_task or expand_all "
                 "(both use the report's recommendations)." if above else
                 f"No task scores {threshold} or more."),
        usage=summarize(usages))


def _is_open(item: Task) -> bool:
    return item.get("status", "pending") not in CLOSED_STATUSES


async def scope(ai: AIContext, *, tag: str, ids: list[str], direction: Literal["up", "down"], strength: str,
                request: str | None, research: bool) -> ScopeResult:
    """Rewrite tasks to be more (up) or less (down) ambitious; structure and user fields are kept."""
    if strength not in ("light", "regular", "heavy"):
        raise InvalidInput(f"strength '{strength}' is not valid. Use light, regular or heavy.")
    if not ids:
        raise InvalidInput("Pass id: a task id like '7' or a comma list '7,8'.")
    store = ai.project.store
    store.require_initialized()
    index = store.read().index(tag)
    refs = list(dict.fromkeys(parse_ref(i) for i in ids))
    if any(r.sub is not None for r in refs):
        raise InvalidInput("Scoping works on tasks (like '7'); its open subtasks are rewritten with it.")
    tasks = [index.task(r.task) for r in refs]
    skipped = [ItemReason(id=key(t.get("id")), reason=f"status {t.get('status')}") for t in tasks if not _is_open(t)]
    todo = [t for t in tasks if _is_open(t)]
    if not todo:
        raise Conflict("Every task given is done or cancelled; only open tasks are rescoped.")
    usages: list[Usage] = []
    command = f"scope_{direction}_task"

    async def rewrite(job_ai: AIContext, task: Task) -> expand.RescopedTask:
        view = task_context(task)
        subs = [task_context(s) for s in subtasks_of(task) if _is_open(s)]
        findings = None
        if research:
            findings, usage = await research_step(job_ai, command, expand.expand_research_question(view))
            usages.append(usage)
        answer, usage = await job_ai.router.generate_object(
            command=command, role="main", system=expand.SCOPE_SYSTEM,
            prompt=expand.scope_prompt(direction=direction, strength=strength,  # type: ignore[arg-type]
                                       task=view, subtasks=subs, request=request, research=findings),
            schema=expand.RescopedTask, progress=job_ai.progress, sampler=job_ai.sampler)
        usages.append(usage)
        return answer

    results = await _run_all(ai, todo, rewrite, lambda t: f"task {key(t.get('id'))}")
    errors = [r for r in results if isinstance(r, TaskmasterError)]
    if len(errors) == len(results):
        raise errors[0]
    failed = [ItemReason(id=key(t.get("id")), reason=reason_text(r)) for t, r in zip(todo, results, strict=True)
              if isinstance(r, TaskmasterError)]
    changed: list[dict[str, Any]] = []
    with store.mutate() as doc:
        live = doc.index(tag)
        for task, answer in zip(todo, results, strict=True):
            tid = key(task.get("id"))
            target = live.by_id.get(tid)
            if isinstance(answer, TaskmasterError):
                continue
            if target is None or not _is_open(target):
                failed.append(ItemReason(id=tid, reason="removed or closed while it was being rewritten"))
                continue
            for name in ("title", "description", "details", "testStrategy"):
                target[name] = getattr(answer, name).strip() if name in ("title", "description") else \
                    getattr(answer, name)
            rewritten = 0
            by_id = {key(s.get("id")): s for s in subtasks_of(target) if _is_open(s)}
            for item in answer.subtasks:
                sub = by_id.pop(str(item.id), None)
                if sub is not None:
                    sub.update(title=item.title.strip(), description=item.description.strip(), details=item.details)
                    rewritten += 1
            changed.append({"id": tid, "title": target["title"], "subtasksRewritten": rewritten})
        if not changed:
            raise NoChange
    return ScopeResult(tag=tag, changed=changed, skipped=skipped, failed=failed, usage=summarize(usages))
