"""Three-way merge of tasks.json documents (the git merge driver's rules), pure: no I/O.

The unit of merging is a field of a task (or subtask), addressed by tag and id, so two people who touch different
tasks, or different fields of one task, never conflict:

- a field changed on one side only takes that change; changed on both sides to one value takes it;
- ``dependencies`` merge as sets (an id added on either side is added, one removed on either side is removed);
- ``status`` changed on both sides: the further-along status wins (done > review > in-progress > blocked > pending);
  ``cancelled``/``deferred`` lose to any active status; two inactive ones are a conflict;
- ``updatedAt`` and tag-metadata timestamps changed on both sides: the later one wins; objects (``metadata``, tag
  metadata) merge key by key, a conflict inside one being named by its path (``metadata.owner``);
- any other field changed on both sides to different values is a :class:`MergeConflict`: ours is kept and the
  caller reports it (the driver exits non-zero so a person decides);
- a task (or subtask) added on both sides under one id with different content keeps both: theirs is renumbered
  after the highest id of the tag (of the parent, for subtasks), and every reference that theirs added to the old id
  (a dependency, a ``"p.s"`` subtask reference, a sibling subtask dependency) is rewritten to the new one;
- an item or tag deleted on one side and changed on the other is kept, changed, and reported as a conflict.

Values keep their JSON types (``"3"`` stays ``"3"``), unknown fields and tag metadata survive.

- ``details`` that both sides only appended a dated note to (Task Master's ``<info added on …>`` blocks) keep both
  notes, the earlier first (:mod:`taskmaster_mcp.tasks.merge_notes`);
- a task under a base id that is not the base's task (a branch removed task N and added a new task that got id N
  again) is a new task, not an edit of the old one (:mod:`taskmaster_mcp.tasks.merge_identity` has the rule);
- an agent's claim (``metadata.taskmasterMcp.claim``) merges as one value: a side that set the item done, cancelled
  or deferred released it, and two different claims keep the later (:mod:`taskmaster_mcp.tasks.merge_claims`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from taskmaster_mcp.tasks.document import DEFAULT_TAG
from taskmaster_mcp.tasks.merge_claims import DroppedClaim, has_claim, settle_claim, with_claim, without_claim
from taskmaster_mcp.tasks.merge_identity import separate_reused
from taskmaster_mcp.tasks.merge_notes import NOTE_FIELDS, merge_appended_notes
from taskmaster_mcp.tasks.merge_refs import as_dict, as_list, is_block, key, num, rewrite, without_refs

MISSING: Any = object()  # a key absent from one side
GONE: Any = object()  # a special rule's answer: the key is absent from the result

STATUS_RANK = {
    "done": 5,
    "completed": 5,
    "review": 4,
    "in-progress": 3,
    "blocked": 2,
    "pending": 1,
    "deferred": 0,
    "cancelled": 0,
}
_LATEST_WINS = frozenset({"updatedAt", "updated", "lastModified"})
_COUNTS = frozenset({"taskCount", "completedCount"})


@dataclass(frozen=True)
class MergeConflict:
    """One true conflict: the same field changed to different values on both sides (ours was kept)."""

    tag: str
    task: str | None
    subtask: str | None
    field: str
    base: Any
    ours: Any
    theirs: Any

    def as_json(self) -> dict[str, Any]:
        """The report entry (a side that lacks the value is left out)."""
        entry: dict[str, Any] = {
            "tag": self.tag,
            "taskId": self.task,
            "subtaskId": self.subtask,
            "field": self.field,
            "kept": "ours",
        }
        for name, value in (("base", self.base), ("ours", self.ours), ("theirs", self.theirs)):
            if value is not MISSING:
                entry[name] = value
        return {k: v for k, v in entry.items() if v is not None}


@dataclass
class MergeResult:
    """The merged document, its conflicts, the ids of theirs that were renumbered (``tag: old -> new``), and the
    claims dropped for a later claim on the same item."""

    data: dict[str, Any]
    conflicts: list[MergeConflict] = field(default_factory=lambda: [])
    renumbered: list[tuple[str, str, str]] = field(default_factory=lambda: [])
    dropped_claims: list[DroppedClaim] = field(default_factory=lambda: [])


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``1``, ``1.0`` and ``true`` differ (Python's ``==`` would call them equal), at any depth."""
    if a is b:
        return True
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, dict):
        other = cast(dict[str, Any], b)
        return all(_same(v, other[k]) for k, v in cast(dict[str, Any], a).items())
    if isinstance(a, list):
        return all(_same(x, y) for x, y in zip(cast(list[Any], a), cast(list[Any], b), strict=True))
    return True


def _tagged(document: dict[str, Any], legacy: bool) -> dict[str, Any]:
    """A legacy ``{"meta", "tasks"}`` document as tag ``master`` (the migration Task Master's first write makes)."""
    if not legacy:
        return document
    block: dict[str, Any] = {"tasks": document.get("tasks", [])}
    if isinstance(document.get("meta"), dict):
        block["metadata"] = document["meta"]
    block.update({k: v for k, v in document.items() if k not in ("tasks", "meta")})
    return {DEFAULT_TAG: block}


class _Merger:
    def __init__(self) -> None:
        self.conflicts: list[MergeConflict] = []
        self.renumbered: list[tuple[str, str, str]] = []
        self.dropped_claims: list[DroppedClaim] = []

    def conflict(self, where: tuple[str, str | None, str | None], name: str, base: Any, ours: Any, theirs: Any) -> None:
        self.conflicts.append(MergeConflict(where[0], where[1], where[2], name, base, ours, theirs))

    # --- values --------------------------------------------------------------------------------------------------

    def value(self, where: tuple[str, str | None, str | None], name: str, base: Any, ours: Any, theirs: Any) -> Any:
        """The generic three-way rule for one value; MISSING means absent."""
        if _same(ours, theirs) or _same(theirs, base):
            return ours
        if _same(ours, base):
            return theirs
        if name == "status" and isinstance(ours, str) and isinstance(theirs, str):
            ro, rt = STATUS_RANK.get(ours), STATUS_RANK.get(theirs)
            if ro is not None and rt is not None and (ro > 0 or rt > 0):
                return theirs if rt > ro else ours
        if name in _LATEST_WINS and isinstance(ours, str) and isinstance(theirs, str):
            return max(ours, theirs)
        if name in NOTE_FIELDS and (notes := merge_appended_notes(base, ours, theirs)) is not None:
            return notes
        if isinstance(ours, dict) and isinstance(theirs, dict) and (base is MISSING or isinstance(base, dict)):
            inner = _Merger()  # a user object (``metadata``): key by key, its conflicts named by their path
            merged = inner.mapping(where, as_dict(base), cast(dict[str, Any], ours), cast(dict[str, Any], theirs))
            self.conflicts += [
                MergeConflict(c.tag, c.task, c.subtask, f"{name}.{c.field}", c.base, c.ours, c.theirs)
                for c in inner.conflicts
            ]
            return merged
        return self.keep_ours(where, name, base, ours, theirs)

    def keep_ours(self, where: tuple[str, str | None, str | None], name: str, base: Any, ours: Any, theirs: Any) -> Any:
        """Record a true conflict; ours is what stays."""
        self.conflict(where, name, base, ours, theirs)
        return ours

    def id_set(self, where: tuple[str, str | None, str | None], base: Any, ours: Any, theirs: Any) -> Any:
        """Dependencies as sets: ours' order, then what theirs added; an id removed on either side goes."""
        if not all(isinstance(v, list) or v is MISSING or v is None for v in (base, ours, theirs)):
            return self.value(where, "dependencies", base, ours, theirs)
        if _same(ours, theirs) or _same(theirs, base):
            return ours
        if _same(ours, base):
            return theirs
        b = [] if not isinstance(base, list) else cast(list[Any], base)
        o = [] if not isinstance(ours, list) else cast(list[Any], ours)
        t = [] if not isinstance(theirs, list) else cast(list[Any], theirs)
        removed = {key(d) for d in b} - ({key(d) for d in o} & {key(d) for d in t})
        merged: list[Any] = []
        seen: set[str] = set()
        for dep in [*o, *t]:
            k = key(dep)
            if k not in removed and k not in seen:
                seen.add(k)
                merged.append(dep)
        return merged

    def mapping(
        self,
        where: tuple[str, str | None, str | None],
        base: dict[str, Any],
        ours: dict[str, Any],
        theirs: dict[str, Any],
        special: Callable[[str, Any, Any, Any], Any] | None = None,
    ) -> dict[str, Any]:
        """Key-by-key merge of an object: ours' key order, then theirs' new keys; a key deleted stays deleted."""
        result: dict[str, Any] = {}
        for name in [*ours, *(k for k in theirs if k not in ours)]:
            b, o, t = base.get(name, MISSING), ours.get(name, MISSING), theirs.get(name, MISSING)
            merged = special(name, b, o, t) if special is not None else MISSING
            if merged is MISSING:
                merged = self.value(where, name, b, o, t)
            if merged is not MISSING and merged is not GONE:
                result[name] = merged
        return result

    # --- tasks and subtasks ---------------------------------------------------------------------------------------

    def items(self, tag: str, parent: str | None, base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any]:
        """Merge a list of tasks (or of one task's subtasks) by id; ``theirs`` is already renumbered."""
        index_b = {key(i["id"]): i for i in base}
        index_t = {key(i["id"]): i for i in theirs}
        result: list[Any] = []
        for item in ours:
            k = key(item["id"])
            b, t = index_b.get(k), index_t.get(k)
            where = (tag, parent or k, k if parent else None)
            if t is None:
                if b is None or _same(item, b):
                    if b is None:
                        result.append(item)
                    continue  # deleted by theirs, unchanged by ours
                self.conflict(where, "(deleted by theirs)", b, item, MISSING)
                result.append(item)
            elif b is None or not _same(item, t):
                result.append(self.item(tag, parent, k, b or {}, item, t))
            else:
                result.append(item)
        index_o = {key(i["id"]) for i in ours}
        after: dict[str | None, list[Any]] = {}  # theirs' new items, by the key of the item before them in theirs
        previous: str | None = None
        for item in theirs:
            k = key(item["id"])
            if k not in index_o:
                b = index_b.get(k)
                if b is not None and not _same(item, b):
                    self.conflict((tag, parent or k, k if parent else None), "(deleted by ours)", b, MISSING, item)
                if b is None or not _same(item, b):
                    after.setdefault(previous, []).append(item)
            previous = k
        if not after:
            return result
        placed = {key(i["id"]) for i in result}
        ordered: list[Any] = []
        pending: list[Any] = after.pop(None, [])
        for item in result:
            k = key(item["id"])
            if k in index_t or k in index_b:  # ours' own additions right after the spot come first
                ordered.extend(pending)
                pending = []
            ordered.append(item)
            pending.extend(after.pop(k, []))
        ordered.extend(pending)
        for items in after.values():  # their predecessor is gone: at the end, in their order
            ordered.extend(i for i in items if key(i["id"]) not in placed)
        return ordered

    def item(
        self, tag: str, parent: str | None, k: str, base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
    ) -> dict[str, Any]:
        where = (tag, parent or k, k if parent else None)
        claimed = has_claim(base, ours, theirs)

        def special(name: str, b: Any, o: Any, t: Any) -> Any:
            if name == "metadata" and claimed:
                return self.claimed_metadata(where, base, ours, theirs)
            if name == "id":
                return o if o is not MISSING else t
            if name == "dependencies":
                return self.id_set(where, b, o, t)
            if name == "subtasks" and parent is None and all(isinstance(v, list) for v in (o, t)):
                return self.items(tag, k, as_list(b), o, t)
            return MISSING

        return self.mapping(where, base, ours, theirs, special)

    def claimed_metadata(self, where: tuple[str, str | None, str | None], *items: dict[str, Any]) -> Any:
        """An item's ``metadata`` when a side has a claim: the claim settled as one value, the rest key by key."""
        claim, dropped = settle_claim(*items)  # base, ours, theirs
        b, o, t = (without_claim(item).get("metadata", MISSING) for item in items)
        merged = self.value(where, "metadata", b, o, t)
        if dropped is not None:
            self.dropped_claims.append(DroppedClaim(where[0], where[1], where[2], claim, dropped))
        if claim is None:
            return GONE if merged is MISSING else merged
        return with_claim(None if merged is MISSING else merged, claim)

    # --- tags -----------------------------------------------------------------------------------------------------

    def block(self, tag: str, base: dict[str, Any] | None, ours: dict[str, Any], theirs: dict[str, Any]) -> Any:
        b = base or {"tasks": []}
        theirs = self.renumber(tag, b["tasks"], ours["tasks"], theirs)
        where: tuple[str, str | None, str | None] = (tag, None, None)

        def special(name: str, bv: Any, o: Any, t: Any) -> Any:
            if name == "tasks":
                return self.items(tag, None, as_list(bv), o, t)
            if name == "metadata" and all(isinstance(v, dict) for v in (o, t)):
                return self.mapping(
                    where, as_dict(bv), o, t, lambda n, x, y, z: y if n in _COUNTS and not _same(y, z) else MISSING
                )
            return MISSING

        merged = self.mapping(where, b, ours, theirs, special)
        if isinstance(merged.get("tasks"), list):
            kept = {key(t["id"]) for t in merged["tasks"]}
            gone = {key(t["id"]) for t in [*b["tasks"], *ours["tasks"], *theirs["tasks"]]} - kept
            if gone:
                merged["tasks"] = [without_refs(t, gone) for t in merged["tasks"]]
        return merged

    def renumber(self, tag: str, base: list[Any], ours: list[Any], theirs_block: dict[str, Any]) -> dict[str, Any]:
        """Theirs' block with the tasks and subtasks both sides added under one id moved to fresh ids, and the
        references theirs added to them rewritten."""
        theirs: list[Any] = theirs_block["tasks"]
        index_b = {key(i["id"]): i for i in base}
        index_o = {key(i["id"]): i for i in ours}
        top = max([num(i["id"]) for i in [*ours, *theirs]] + [0])
        tasks: dict[str, str] = {}  # old task id -> new
        subs: dict[str, dict[str, str]] = {}  # parent id -> old subtask id -> new
        new_ids: dict[str, Any] = {}
        for item in theirs:
            k = key(item["id"])
            mine = index_o.get(k)
            if k in index_b or mine is None or _same(mine, item):
                if mine is not None and k in index_b:
                    sub_map = self._subtask_collisions(tag, index_b[k], mine, item)
                    if sub_map:
                        subs[k] = sub_map
                continue
            top += 1
            tasks[k] = str(top)
            new_ids[k] = top if isinstance(item["id"], int) else str(top)
            self.renumbered.append((tag, k, str(top)))
        if not tasks and not subs:
            return theirs_block
        rewritten = [rewrite(i, index_b.get(key(i["id"])), tasks, subs, new_ids) for i in theirs]
        return {**theirs_block, "tasks": rewritten}

    def _subtask_collisions(
        self, tag: str, base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
    ) -> dict[str, str]:
        lists = [v.get("subtasks") for v in (base, ours, theirs)]
        if not all(isinstance(v, list) for v in lists[1:]):
            return {}
        b = {key(s["id"]) for s in as_list(lists[0])}
        o = {key(s["id"]): s for s in cast(list[Any], lists[1])}
        t = cast(list[Any], lists[2])
        top = max([num(s["id"]) for s in [*o.values(), *t]] + [0])
        moved: dict[str, str] = {}
        for sub in t:
            k = key(sub["id"])
            if k not in b and k in o and not _same(o[k], sub):
                top += 1
                moved[k] = str(top)
                self.renumbered.append((tag, f"{key(theirs['id'])}.{k}", f"{key(theirs['id'])}.{top}"))
        return moved


def merge_documents(
    base: dict[str, Any],
    ours: dict[str, Any],
    theirs: dict[str, Any],
    *,
    legacy: tuple[bool, bool, bool] = (False, False, False),
) -> MergeResult:
    """Merge three shape-checked tasks documents (``legacy`` says which are ``{"meta", "tasks"}`` files).

    The inputs are not modified; the result shares unchanged values with them.
    """
    b, o, t = (_tagged(d, flag) for d, flag in zip((base, ours, theirs), legacy, strict=True))
    b, o, t, moved = separate_reused(b, o, t)
    merger = _Merger()
    merger.renumbered += moved
    result: dict[str, Any] = {}
    for name in [*o, *(k for k in t if k not in o)]:
        bv, ov, tv = b.get(name, MISSING), o.get(name, MISSING), t.get(name, MISSING)
        where: tuple[str, str | None, str | None] = (name, None, None)
        if is_block(ov) and is_block(tv):
            merged = (
                ov
                if _same(ov, tv) or _same(tv, bv)
                else tv
                if _same(ov, bv)
                else merger.block(name, bv if is_block(bv) else None, ov, tv)
            )
        elif ov is MISSING and tv is not MISSING and bv is not MISSING and not _same(tv, bv):
            merger.conflict(where, "(tag deleted by ours)", MISSING, MISSING, MISSING)
            merged = tv
        elif tv is MISSING and ov is not MISSING and bv is not MISSING and not _same(ov, bv):
            merger.conflict(where, "(tag deleted by theirs)", MISSING, MISSING, MISSING)
            merged = ov
        else:
            merged = merger.value(where, name, bv, ov, tv)
        if merged is not MISSING:
            result[name] = merged
    return MergeResult(result, merger.conflicts, merger.renumbered, merger.dropped_claims)
