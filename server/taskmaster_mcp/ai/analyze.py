"""analyze_project_complexity: task complexity scores, merged into Task Master's complexity report.

Decisions:

- Tasks go to the model in batches of :data:`BATCH`, run concurrently (adaptive, ``models/concurrency.py``).
  Every returned ``taskId`` must be one of its batch's; others are dropped, and a task left without a score is
  listed as failed. If no batch succeeds, the first error is raised and nothing is written.
- The report is merged by :func:`taskmaster_mcp.store.reports.merge_report`: re-analysed tasks are replaced in
  place, others kept, new ones appended; ``meta`` describes this run. Titles come from tasks.json, not the model.
- Done, completed and cancelled tasks are skipped unless named in ``ids``.
- Scores stay on one scale across batches: every batch gets the same map of the whole plan (one line a task,
  marking the tasks that already have subtasks, bounded at :data:`PLAN_MAP_CHARS`; it comes first in the prompt, so
  providers that cache prompt prefixes reuse it) and the system prompt fixes the scale with two anchor tasks.
- Each task to score shows its subtasks' ids, titles and statuses (what is already broken down), and the prefix
  starts with the project's code (tree and manifests), so scores and recommendations fit the work left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.codebase import code_block
from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask, researched, run_each, summarize
from taskmaster_mcp.ai.expand import ItemReason, reason_text
from taskmaster_mcp.ai.plan_map import cache_floor, shared_prefix
from taskmaster_mcp.ai.prompts import expand
from taskmaster_mcp.ai.prompts.blocks import title_map
from taskmaster_mcp.errors import InvalidInput, TaskmasterError
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.reports import merge_report, read_report
from taskmaster_mcp.tasks.document import now_iso
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Task, key, parse_ref

BATCH = 10
TOP = 10
PLAN_MAP_CHARS = 10_000


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
    in_range = [
        t
        for t in chosen
        if key(t.get("id")).isdigit()
        and (first is None or int(key(t.get("id"))) >= first)
        and (last is None or int(key(t.get("id"))) <= last)
    ]
    return in_range, len(tasks) - len(in_range)


async def analyze(
    ai: AIContext,
    *,
    tag: str,
    threshold: int,
    ids: list[str],
    first: int | None,
    last: int | None,
    research: bool,
    output: Path | None = None,
) -> AnalyzeResult:
    """Score tasks, merge the scores into the tag's complexity report, and return the highlights."""
    project = ai.project
    project.store.require_initialized()
    path = output or project.paths.complexity_report(tag)
    read_report(path)  # a broken report is reported before any model call is paid for
    all_tasks = project.store.read().index(tag).tasks
    tasks, skipped = _select(all_tasks, ids, first, last)
    if not tasks:
        raise InvalidInput(
            f"No open task with a numeric id to analyse in tag '{tag}' (done and cancelled tasks are "
            "skipped). Pass ids, or from/to, naming the tasks to score."
        )
    batches = [tasks[i : i + BATCH] for i in range(0, len(tasks), BATCH)]
    usages: list[Usage] = []
    plan_map = title_map(all_tasks, PLAN_MAP_CHARS, with_subtasks=True)
    context = expand.analyze_context(plan_map, code_block(project.paths))  # the same for every batch
    context = shared_prefix(context, all_tasks, cache_floor(project.config()), expand.ANALYZE.system)

    async def score(job_ai: AIContext, batch: list[Task]) -> list[expand.TaskScore]:
        views = [expand.analyze_view(t) for t in batch]
        findings = await researched(
            research,
            job_ai,
            "analyze_project_complexity",
            expand.ANALYZE_RESEARCH,
            lambda: expand.analyze_research_question(views),
            usages,
        )
        answer, usage = await ask(
            job_ai,
            expand.ANALYZE,
            expand.analyze_prompt(views, findings),
            expand.ComplexityAnswer,
            command="analyze_project_complexity",
            prefix=context,
        )
        usages.append(usage)
        return answer.tasks

    results = await run_each(ai, batches, score, lambda b: f"tasks {key(b[0].get('id'))}-{key(b[-1].get('id'))}")
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
                    "taskId": item.taskId,
                    "taskTitle": str(wanted[item.taskId].get("title", "")),
                    "complexityScore": item.complexityScore,
                    "recommendedSubtasks": item.recommendedSubtasks,
                    "expansionPrompt": item.expansionPrompt,
                    "reasoning": item.reasoning,
                }
        failed += [
            ItemReason(id=str(tid), reason="the model returned no score for it; analyse it again")
            for tid in wanted
            if tid not in entries
        ]
    config = project.config()
    meta = {
        "generatedAt": now_iso(),
        "tasksAnalyzed": len(entries),
        "totalTasks": len(all_tasks),
        "analysisCount": None,
        "thresholdScore": threshold,
        "projectName": config.global_settings.get("projectName"),
        "usedResearch": research,
    }
    await ai.write(lambda: merge_report(project.paths, tag, entries, meta, path))
    ranked = sorted(entries.values(), key=lambda e: (-e["complexityScore"], e["taskId"]))
    above = [e["taskId"] for e in ranked if e["complexityScore"] >= threshold]
    return AnalyzeResult(
        tag=tag,
        analyzed=len(entries),
        skipped=skipped,
        failed=failed,
        aboveThreshold=above,
        top=[
            ScoreRow(id=e["taskId"], score=e["complexityScore"], subtasks=e["recommendedSubtasks"])
            for e in ranked[:TOP]
        ],
        reportPath=str(path.relative_to(project.paths.root)),
        message=(
            f"{len(above)} task(s) score {threshold} or more; expand them with expand_task or expand_all "
            "(both use the report's recommendations)."
            if above
            else f"No task scores {threshold} or more."
        ),
        usage=summarize(usages),
    )
