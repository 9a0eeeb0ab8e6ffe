"""Claims through a merge, pure: which agent holds an item after two branches of tasks.json are merged.

A claim (``metadata.taskmasterMcp.claim``, :mod:`taskmaster_mcp.tasks.claims`) is merged as one value, never key by
key (an agent from one side with the other side's lease would be a claim nobody made). For each task and subtask:

- a side that set the item done, completed, cancelled or deferred released its claim, and that release wins: the
  merged item has no claim, whatever the other side holds (the work is over or set aside on one branch; an agent
  still on it asks ``next_task claim=true`` again and gets a live item);
- otherwise a claim changed on one side only takes that change (a claim made, renewed or released on one branch);
- a claim on one side that the other side released (``release_task``) and did not replace survives: it is the
  newer act of the two;
- two different claims (two agents claimed the item on two branches, or one agent renewed it on both) keep the one
  claimed later (``claimedAt``, then the later lease end ``until``; ours on a tie). That is not a conflict: git's
  merge goes on. The claim dropped is returned as a :class:`DroppedClaim`, which the driver prints and puts in its
  report, so the agent who lost it can be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from taskmaster_mcp.tasks.pins import CLAIM_KEY, PIN_SECTION, RELEASING_STATUSES, our_value, set_our_value


@dataclass(frozen=True)
class DroppedClaim:
    """A claim the merge dropped for a later one on the same item."""

    tag: str
    task: str | None
    subtask: str | None
    kept: Any
    dropped: Any

    def agents(self) -> tuple[str, str]:
        """The agent that keeps the item and the one whose claim was dropped."""
        return _agent(self.kept), _agent(self.dropped)

    def as_json(self) -> dict[str, Any]:
        entry = {"tag": self.tag, "taskId": self.task, "subtaskId": self.subtask}
        return {**{k: v for k, v in entry.items() if v is not None}, "kept": self.kept, "dropped": self.dropped}


def _agent(claim: Any) -> str:
    agent = cast(dict[str, Any], claim).get("agent") if isinstance(claim, dict) else None
    return agent if isinstance(agent, str) else "an unnamed agent"


def has_claim(*items: dict[str, Any]) -> bool:
    """Whether any of the three versions of an item carries a claim."""
    return any(our_value(item, CLAIM_KEY) is not None for item in items)


def without_claim(item: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``item`` without its claim (our section and ``metadata`` go when left empty)."""
    copy = dict(item)
    if isinstance(copy.get("metadata"), dict):
        set_our_value(copy, CLAIM_KEY, None)
    return copy


def with_claim(metadata: object, claim: object) -> object:
    """``metadata`` (the merged object, or None when there is none) with ``claim`` set (None: without one)."""
    if claim is None or (metadata is not None and not isinstance(metadata, dict)):
        return metadata  # metadata that is not an object cannot hold a claim (the merge reports it as it is)
    fields = cast(dict[str, Any], metadata or {})
    if not isinstance(fields.get(PIN_SECTION, {}), dict):
        return fields  # nor can a section of ours that is not an object
    holder: dict[str, Any] = {"metadata": fields} if fields else {}
    set_our_value(holder, CLAIM_KEY, claim)
    return holder["metadata"]


def _released(base: dict[str, Any], side: dict[str, Any]) -> bool:
    status = side.get("status")
    return status in RELEASING_STATUSES and status != base.get("status")


def _order(claim: Any) -> tuple[str, str]:
    fields = cast(dict[str, Any], claim) if isinstance(claim, dict) else {}
    claimed_at, until = fields.get("claimedAt"), fields.get("until")
    return (claimed_at if isinstance(claimed_at, str) else "", until if isinstance(until, str) else "")


def settle_claim(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[Any, Any]:
    """The claim the merged item keeps (None: none) and the claim dropped for it (None: none); see the module
    docstring. ``base`` is ``{}`` for an item the base did not have."""
    if _released(base, ours) or _released(base, theirs):
        return None, None
    b, o, t = (our_value(item, CLAIM_KEY) for item in (base, ours, theirs))
    if o == t or t == b:
        return o, None
    if o == b or o is None:
        return t, None
    if t is None:
        return o, None
    if _order(t) > _order(o):
        return t, o
    return o, t
