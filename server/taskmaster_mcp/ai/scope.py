"""scope_up_task / scope_down_task: rewrite tasks to be more (up) or less (down) ambitious.

Scoping rewrites title, description, details, testStrategy and the open subtasks' title, description and details;
everything else (ids, statuses, priority, dependencies, ``metadata``, finished subtasks) is kept as is.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from taskmaster_mcp.ai.context import (
    AIContext,
    UsageSummary,
    ask,
    researched,
    run_each,
    summarize,
    task_facts,
)
from taskmaster_mcp.ai.expand import ItemReason, reason_text
from taskmaster_mcp.ai.prompts import expand
from taskmaster_mcp.ai.prompts.blocks import task_context
from taskmaster_mcp.errors import Conflict, InvalidInput, TaskmasterError
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks.model import CLOSED_STATUSES, Task, key, parse_ref, subtasks_of


class ScopeResult(BaseModel):
    """What scope_up_task / scope_down_task rewrote."""

    tag: str
    changed: list[dict[str, Any]]
    skipped: list[ItemReason] = []
    failed: list[ItemReason] = []
    usage: UsageSummary


def _is_open(item: Task) -> bool:
    return item.get("status", "pending") not in CLOSED_STATUSES


async def scope(
    ai: AIContext,
    *,
    tag: str,
    ids: list[str],
    direction: Literal["up", "down"],
    strength: str,
    request: str | None,
    research: bool,
) -> ScopeResult:
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
        findings = await researched(
            research, job_ai, command, expand.EXPAND_RESEARCH, lambda: expand.expand_research_question(view), usages
        )
        prompt = expand.scope_prompt(
            direction=direction,
            strength=strength,  # type: ignore[arg-type]
            task=view,
            subtasks=subs,
            request=request,
            research=findings,
        )
        answer, usage = await ask(
            job_ai, expand.SCOPE, prompt, expand.RescopedTask, command=command, task=task_facts(job_ai, tag, task)
        )
        usages.append(usage)
        return answer

    results = await run_each(ai, todo, rewrite, lambda t: f"task {key(t.get('id'))}")
    errors = [r for r in results if isinstance(r, TaskmasterError)]
    if len(errors) == len(results):
        raise errors[0]
    failed = [
        ItemReason(id=key(t.get("id")), reason=reason_text(r))
        for t, r in zip(todo, results, strict=True)
        if isinstance(r, TaskmasterError)
    ]
    changed: list[dict[str, Any]] = []

    def section() -> None:
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
                    target[name] = (
                        getattr(answer, name).strip() if name in ("title", "description") else getattr(answer, name)
                    )
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

    await ai.write(section)
    return ScopeResult(tag=tag, changed=changed, skipped=skipped, failed=failed, usage=summarize(usages))
