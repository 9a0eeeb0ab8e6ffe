"""Parallel agents: next_task's claim and count paths, and release_task. The rules live in ``tasks/claims.py`` and
``tasks/parallel.py``; a claim is one write under both locks, so agents in other processes never get the same item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from taskmaster_mcp.errors import Conflict, InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.tasks import claims, parallel
from taskmaster_mcp.tasks.model import key, parse_ref
from taskmaster_mcp.tasks.queries import full_item, nothing_next_reason

MAX_COUNT = 50


def claim_view(claim: claims.Claim, now: datetime) -> dict[str, Any]:
    """A claim as results show it: the agent and the lease left."""
    left = claim.left(now)
    return {"agent": claim.agent, "until": claim.until, "leaseMinutesLeft": round(left.total_seconds() / 60, 1)}


def claimed_next(
    project: Project, tag: str, agent: str | None, lease_minutes: float | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None, str]:
    """Claim the next free item for ``agent``: (item, parent, claim view, reason)."""
    name, lease = claims.check_agent(agent), claims.check_lease(lease_minutes)
    now = datetime.now(UTC)
    reason = ""
    item: dict[str, Any] = {}
    got: claims.Claimed | None = None
    with project.store.mutate() as doc:
        got = found = claims.claim_next(doc, tag, name, lease, now)
        if found is None:  # nothing written: say what holds the plan
            index = doc.index(tag)
            held = claims.live_claims(index, now)
            reason = nothing_next_reason(index)
            if held:
                others = ", ".join(f"{i} ({c.agent})" for i, c in sorted(held.items())[:10])
                reason = f"Nothing free for {name}: live claims hold {others}. {reason}"
            raise NoChange
        item = full_item(doc.index(tag), found.task, found.sub, None)
    if got is None:
        return None, None, None, reason
    found = got
    view = claim_view(found.claim, now)
    if found.renewed:
        reason = f"Your claim on {_id(found)} is renewed: finish it (set_task_status done) before claiming another."
    elif found.took_over is not None:
        reason = f"Claimed {_id(found)}; {found.took_over.agent}'s lease expired at {found.took_over.until}."
        view["tookOverFrom"] = found.took_over.agent
    else:
        reason = f"Claimed {_id(found)} for {name}: it is in progress and no other agent will be handed it."
    return item, item.pop("parent", None), view, reason


def parallel_next(project: Project, tag: str, count: int) -> tuple[list[dict[str, Any]], str]:
    """Up to ``count`` items that can be worked at once, each with its reason."""
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be 1 to {MAX_COUNT}.")
    index = project.store.read().index(tag)
    now = datetime.now(UTC)
    held = claims.live_claims(index, now)
    picks = parallel.pick(index, count, skip=lambda item: item in held or item.split(".", 1)[0] in held)
    rows = [
        {"id": p.id, "title": (p.sub or p.task).get("title"), "files": sorted(p.scope), "why": p.reason} for p in picks
    ]
    if not rows:
        reason = nothing_next_reason(index)
        if held:  # what is ready is being worked: say by whom, not only what waits
            others = ", ".join(f"{i} ({c.agent})" for i, c in sorted(held.items())[:10])
            reason = f"Nothing free: live claims hold {others}. {reason}"
        return [], reason
    return rows, f"{len(rows)} item(s) can be worked at once (asked for {count})."


class Released(BaseModel):
    """A claim released, or why there was none."""

    tag: str
    id: str
    released: bool
    message: str


async def release_task(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    agent: Annotated[str | None, Field(description="Only release if this agent holds it")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> Released:
    """Release a claim from next_task claim=true; status is kept."""
    project = await open_project(ctx, projectRoot, file)
    the_tag = project.tag(tag)
    ref = parse_ref(id)
    holder: str | None = None
    with project.store.mutate() as doc:
        task, sub = doc.index(the_tag).get(ref)
        item = sub if sub is not None else task
        current = claims.claim_of(item)
        holder = current.agent if current is not None else None
        if agent is not None and holder is not None and holder != agent.strip():
            raise Conflict(f"{ref} is claimed by {holder}, not {agent}. Pass agent={holder} (or no agent) to release.")
        if not claims.release(item):
            raise NoChange
    if holder is None:
        return Released(tag=the_tag, id=str(ref), released=False, message=f"{ref} has no claim; nothing changed.")
    return Released(tag=the_tag, id=str(ref), released=True, message=f"Released {holder}'s claim on {ref}.")


def _id(found: claims.Claimed) -> str:
    tid = key(found.task.get("id"))
    return f"{tid}.{key(found.sub.get('id'))}" if found.sub is not None else tid
