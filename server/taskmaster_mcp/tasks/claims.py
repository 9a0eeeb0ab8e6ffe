"""Claims with leases: many agents on one plan, each item handed out to exactly one of them at a time.

A claim lives in the item's metadata, under our own key (``metadata.taskmasterMcp.claim``), as
``{"agent": "docs", "claimedAt": "2026-12-07T21:00:00.000Z", "until": "2026-12-07T21:30:00.000Z"}``. Task Master keeps
metadata as it is, so it reads and writes the file as before; only our ``next_task claim`` looks at claims.

The rules (:func:`claim_next`), applied in one step under both locks by the caller:

- an agent that holds a live claim gets that item back, its lease renewed: one agent, one item (an agent that wants a
  second item at once passes a distinct name);
- otherwise the agent gets the next item next_task would offer that no live claim holds: a claimed task holds its
  subtasks, and a claimed subtask holds its parent task;
- the item is set in-progress (a subtask re-derives its parent, as any status change does) and the claim recorded;
- an expired lease frees the item: it keeps its status, the next claimer takes it over, and the result names whose
  lease expired.

Setting an item done, completed, cancelled or deferred releases its claim (``edits.set_status``), as does
:func:`release`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Ref, TagIndex, Task, key, subtasks_of
from taskmaster_mcp.tasks.pins import CLAIM_KEY, our_value, set_our_value
from taskmaster_mcp.tasks.queries import next_item

MAX_AGENT_NAME = 64
MAX_LEASE_MINUTES = 24 * 60


@dataclass(frozen=True)
class Claim:
    agent: str
    claimed_at: str
    until: str

    def live(self, now: datetime) -> bool:
        return _parse(self.until) > now

    def left(self, now: datetime) -> timedelta:
        return max(_parse(self.until) - now, timedelta(0))


@dataclass(frozen=True)
class Claimed:
    """What :func:`claim_next` did."""

    task: Task
    sub: Task | None
    claim: Claim
    renewed: bool  # the agent already held this item
    took_over: Claim | None  # the expired claim of another agent this one replaced


def stamp(moment: datetime) -> str:
    """Task Master's timestamp form (``2026-12-07T21:00:00.000Z``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # an unreadable lease is an expired one
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def claim_of(item: Task | dict[str, Any]) -> Claim | None:
    """The claim recorded on ``item`` (live or expired), or None."""
    raw = our_value(item, CLAIM_KEY)
    if not isinstance(raw, dict):
        return None
    fields: dict[str, Any] = raw  # pyright: ignore[reportUnknownVariableType]
    agent, claimed_at, until = fields.get("agent"), fields.get("claimedAt"), fields.get("until")
    if not (isinstance(agent, str) and isinstance(until, str)):
        return None
    return Claim(agent, claimed_at if isinstance(claimed_at, str) else until, until)


def check_agent(agent: str | None) -> str:
    """The agent name, trimmed; refused when empty or oversized."""
    name = (agent or "").strip()
    if not name:
        raise InvalidInput("claim needs agent: a name for this agent (e.g. agent='docs'); each agent uses its own.")
    if len(name) > MAX_AGENT_NAME or any(ord(c) < 32 for c in name):
        raise InvalidInput(f"agent must be at most {MAX_AGENT_NAME} printable characters, e.g. 'docs' or 'worker-2'.")
    return name


def check_lease(minutes: float | None) -> float:
    lease = 30.0 if minutes is None else float(minutes)
    if not 0 < lease <= MAX_LEASE_MINUTES:
        raise InvalidInput(f"leaseMinutes must be above 0 and at most {MAX_LEASE_MINUTES} (a day); the default is 30.")
    return lease


def live_claims(index: TagIndex, now: datetime) -> dict[str, Claim]:
    """Every live claim in the tag, by item id (``"3"``, ``"3.1"``)."""
    found: dict[str, Claim] = {}
    for task in index.tasks:
        tid = key(task.get("id"))
        if (claim := claim_of(task)) is not None and claim.live(now):
            found[tid] = claim
        for sub in subtasks_of(task):
            if (claim := claim_of(sub)) is not None and claim.live(now):
                found[f"{tid}.{key(sub.get('id'))}"] = claim
    return found


def _held(claims: dict[str, Claim]) -> set[str]:
    """Ids no other agent may take: claimed items, the subtasks of claimed tasks and the parents of claimed
    subtasks (a parent id ``"3"`` also holds every ``"3.x"``, checked in :func:`claim_next`)."""
    held = set(claims)
    held.update(item.split(".", 1)[0] for item in claims if "." in item)
    return held


def claim_next(doc: TaskFile, tag: str, agent: str, lease_minutes: float, now: datetime) -> Claimed | None:
    """Claim the next free item for ``agent`` (see the module docstring); None when nothing is free and ready."""
    index = doc.index(tag)
    claims = live_claims(index, now)
    until = stamp(now + timedelta(minutes=lease_minutes))
    mine = [item for item, claim in claims.items() if claim.agent == agent]
    if mine:
        task, sub = index.get(_ref(mine[0]))
        claim = Claim(agent, claims[mine[0]].claimed_at, until)
        _record(sub if sub is not None else task, claim)
        return Claimed(task, sub, claim, renewed=True, took_over=None)
    held = _held(claims)

    def taken(item: str) -> bool:
        return item in held or item.split(".", 1)[0] in claims

    found = next_item(index, skip=taken)
    if found is None:
        return None
    task, sub = found
    item = sub if sub is not None else task
    before = claim_of(item)
    ref = Ref(key(task.get("id")), key(sub.get("id")) if sub is not None else None)
    if item.get("status") != "in-progress":
        edits.set_status(doc, tag, [ref], "in-progress")
    claim = Claim(agent, stamp(now), until)
    _record(item, claim)
    took_over = before if before is not None and before.agent != agent else None
    return Claimed(task, sub, claim, renewed=False, took_over=took_over)


def release(item: Task) -> bool:
    """Drop ``item``'s claim (live or expired); return whether there was one."""
    return set_our_value(item, CLAIM_KEY, None) if our_value(item, CLAIM_KEY) is not None else False


def _record(item: Task, claim: Claim) -> None:
    set_our_value(item, CLAIM_KEY, {"agent": claim.agent, "claimedAt": claim.claimed_at, "until": claim.until})


def _ref(item: str) -> Ref:
    task, _, sub = item.partition(".")
    return Ref(task, sub or None)


def claim_rows(index: TagIndex, now: datetime) -> list[dict[str, Any]]:
    """Every claim in the tag, live or expired, for a claims view: live ones first (soonest to expire first), then
    the expired ones (most recently expired first). Each row: id, title, status, agent, claimedAt, until,
    leaseMinutesLeft (0 when expired) and expired."""
    rows: list[dict[str, Any]] = []
    for task in index.tasks:
        tid = key(task.get("id"))
        items = [(tid, task)] + [(f"{tid}.{key(sub.get('id'))}", sub) for sub in subtasks_of(task)]
        for item_id, item in items:
            claim = claim_of(item)
            if claim is None:
                continue
            left = claim.left(now)
            rows.append(
                {
                    "id": item_id,
                    "title": str(item.get("title") or ""),
                    "status": str(item.get("status") or "pending"),
                    "agent": claim.agent,
                    "claimedAt": claim.claimed_at,
                    "until": claim.until,
                    "leaseMinutesLeft": round(left.total_seconds() / 60, 1),
                    "expired": not claim.live(now),
                }
            )
    rows.sort(key=lambda r: (r["expired"], _parse(r["until"]).timestamp() * (-1 if r["expired"] else 1)))
    return rows
