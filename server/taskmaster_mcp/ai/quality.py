"""Deterministic checks of what a model proposed: pure functions over plain task dicts, no I/O, no model.

The AI commands use some of them on every answer (the count check decides parse_prd's re-ask; near-duplicate
titles keep review from adding a follow-up that an open subtask already covers), and an offline evaluation can run
all of them over recorded answers. Each check returns :class:`Issue` values (empty when all is well), so results
can be counted, compared between prompt versions, and shown.

- :func:`structure_issues`: every task has an id, a title, a description, a known status and list dependencies;
  ids are unique; subtasks likewise.
- :func:`dependency_issues`: no dependency on an unknown id (dangling), on itself, or on a task planned later
  (forward), in the order given.
- :func:`count_within` / :func:`count_issue`: the number of items is within a tolerance of the number asked for.
- :func:`near_duplicates`: pairs of titles that say the same thing in other words.
- :func:`uncovered`: required items (a PRD's features, say) that no task mentions.
- :func:`update_issues`: a rewrite changed only the fields it was allowed to, and kept every dated note.
- :func:`check_plan`: the plan-level checks in one call.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

COUNT_TOLERANCE = 0.2
DUPLICATE_SIMILARITY = 0.75
COVERAGE_SHARE = 0.5
KNOWN_STATUSES = frozenset(
    {"pending", "in-progress", "done", "review", "deferred", "cancelled", "blocked", "completed"}
)
REQUIRED_TEXT = ("title", "description")
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
_NOTE = re.compile(r"<info added on ([^>\n]+)>.*?</info added on \1>", re.DOTALL)
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "then",
        "this",
        "to",
        "was",
        "with",
        "will",
        "add",
        "adds",
        "build",
        "builds",
        "create",
        "creates",
        "implement",
        "implements",
        "make",
        "set",
        "setup",
        "support",
        "task",
        "tasks",
        "using",
        "use",
        "update",
        "basic",
        "initial",
        "new",
        "all",
        "each",
        "any",
        "can",
        "should",
        "must",
        "via",
        "up",
        "work",
        "part",
        "step",
    }
)

Item = Mapping[str, Any]


@dataclass(frozen=True)
class Issue:
    """One problem found by a check: which check, a readable message, and the ids concerned."""

    check: str
    message: str
    ids: tuple[str, ...] = ()


def _id(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def keywords(text: str) -> frozenset[str]:
    """The words of ``text`` that carry meaning: lower case, stop words out, plurals made singular."""
    words: set[str] = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        words.add(_singular(word))
    return frozenset(words)


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _items(value: Any) -> list[Item]:
    if not isinstance(value, list):
        return []
    return [cast(Item, v) for v in cast(list[Any], value) if isinstance(v, Mapping)]


def structure_issues(tasks: Sequence[Item]) -> list[Issue]:
    """Missing or empty title/description, unknown status, non-list dependencies, duplicate or missing ids."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for parent, item in _walk(tasks):
        raw = item.get("id")
        if raw is None or isinstance(raw, bool) or _id(raw) == "":
            where = f"a subtask of {parent}" if parent else "a task"
            issues.append(Issue("structure", f"{where} has no id", (parent,) if parent else ()))
            continue
        ident = f"{parent}.{_id(raw)}" if parent else _id(raw)
        if ident in seen:
            issues.append(Issue("structure", f"id {ident} is used twice", (ident,)))
        seen.add(ident)
        for name in REQUIRED_TEXT:
            value = item.get(name)
            if not isinstance(value, str) or not value.strip():
                issues.append(Issue("structure", f"{ident} has no {name}", (ident,)))
        status = item.get("status", "pending")
        if status not in KNOWN_STATUSES:
            issues.append(Issue("structure", f"{ident} has unknown status {status!r}", (ident,)))
        if not isinstance(item.get("dependencies", []), list):
            issues.append(Issue("structure", f"{ident} has dependencies that are not a list", (ident,)))
    return issues


def _walk(tasks: Sequence[Item]) -> Iterable[tuple[str, Item]]:
    for task in tasks:
        yield "", task
        for sub in _items(task.get("subtasks")):
            yield _id(task.get("id")), sub


def dependency_issues(tasks: Sequence[Item], known: Collection[str] = ()) -> list[Issue]:
    """Dependencies on unknown ids (dangling), on the task itself, or on a task later in ``tasks`` (forward).

    ``known`` are ids that exist outside ``tasks`` (earlier tasks of the project); tasks are taken in list order,
    which for a plan is the order of work. Subtask dependencies that are ints name siblings and are checked among
    them the same way.
    """
    issues: list[Issue] = []
    position = {_id(t.get("id")): n for n, t in enumerate(tasks)}
    known_ids = {_id(k) for k in known}
    for n, task in enumerate(tasks):
        tid = _id(task.get("id"))
        for dep in _deps(task):
            target = _id(dep)
            if target == tid:
                issues.append(Issue("dependencies", f"{tid} depends on itself", (tid,)))
            elif target in position and position[target] > n:
                issues.append(Issue("dependencies", f"{tid} depends on {target}, planned after it", (tid, target)))
            elif target not in position and target not in known_ids and "." not in target:
                issues.append(Issue("dependencies", f"{tid} depends on {target}, which does not exist", (tid, target)))
        subs = _items(task.get("subtasks"))
        order = {_id(s.get("id")): m for m, s in enumerate(subs)}
        for m, sub in enumerate(subs):
            sid = f"{tid}.{_id(sub.get('id'))}"
            for dep in _deps(sub):
                if not isinstance(dep, int) or isinstance(dep, bool):
                    continue
                target = _id(dep)
                if target not in order:
                    issues.append(
                        Issue("dependencies", f"{sid} depends on sibling {target}, which does not exist", (sid,))
                    )
                elif order[target] >= m:
                    issues.append(
                        Issue(
                            "dependencies",
                            f"{sid} depends on {tid}.{target}, planned after it",
                            (sid, f"{tid}.{target}"),
                        )
                    )
    return issues


def _deps(item: Item) -> list[Any]:
    deps = item.get("dependencies")
    return cast(list[Any], deps) if isinstance(deps, list) else []


def count_within(actual: int, wanted: int, tolerance: float = COUNT_TOLERANCE) -> bool:
    """Whether ``actual`` is within ``tolerance`` (a share of ``wanted``) of ``wanted``; always true for 0."""
    return wanted <= 0 or abs(actual - wanted) <= tolerance * wanted


def count_issue(actual: int, wanted: int, tolerance: float = COUNT_TOLERANCE) -> Issue | None:
    """An Issue when the count is off by more than ``tolerance`` of what was asked, else None."""
    if count_within(actual, wanted, tolerance):
        return None
    return Issue("count", f"{actual} items where {wanted} were asked for (more than {tolerance:.0%} off)")


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two titles' keywords (1.0 for the same words in any order)."""
    wa, wb = keywords(a), keywords(b)
    if not wa or not wb:
        return 1.0 if a.strip().lower() == b.strip().lower() else 0.0
    return len(wa & wb) / len(wa | wb)


def near_duplicates(
    titles: Sequence[tuple[str, str]] | Sequence[Item],
    threshold: float = DUPLICATE_SIMILARITY,
    only: Collection[str] | None = None,
) -> list[tuple[str, str]]:
    """Pairs of ids whose titles are near duplicates; ``titles`` are (id, title) pairs or task dicts.

    With ``only``, just the pairs that involve one of those ids (new items checked against everything).
    """
    pairs = [(_id(t.get("id")), str(t.get("title", ""))) if isinstance(t, Mapping) else (t[0], t[1]) for t in titles]
    words = [(ident, keywords(title), title.strip().lower()) for ident, title in pairs]
    found: list[tuple[str, str]] = []
    for i, (a_id, a_words, a_text) in enumerate(words):
        for b_id, b_words, b_text in words[i + 1 :]:
            if only is not None and a_id not in only and b_id not in only:
                continue
            same = a_text == b_text
            if same or (a_words and b_words and len(a_words & b_words) / len(a_words | b_words) >= threshold):
                found.append((a_id, b_id))
    return found


def duplicates_of(title: str, existing: Iterable[str], threshold: float = DUPLICATE_SIMILARITY) -> list[str]:
    """The titles in ``existing`` that ``title`` nearly duplicates."""
    return [other for other in existing if similarity(title, other) >= threshold]


def _text(task: Item) -> str:
    parts = [str(task.get(name, "")) for name in ("title", "description", "details")]
    parts += [str(s.get("title", "")) for s in _items(task.get("subtasks"))]
    return " ".join(parts)


def uncovered(tasks: Sequence[Item], required: Sequence[str], share: float = COVERAGE_SHARE) -> list[str]:
    """The required items no task covers: none holds at least ``share`` of the item's keywords (and one)."""
    texts = [keywords(_text(t)) for t in tasks]
    missing: list[str] = []
    for item in required:
        wanted = keywords(item)
        if not wanted:
            continue
        need = max(1, round(share * len(wanted)))
        if not any(len(wanted & words) >= need for words in texts):
            missing.append(item)
    return missing


def dated_notes(details: str) -> list[str]:
    """The ``<info added on ...>`` blocks of a details text, in order."""
    return [m.group(0) for m in _NOTE.finditer(details)]


def update_issues(before: Item, after: Item, allowed: Collection[str]) -> list[Issue]:
    """Fields changed that were not ``allowed``, finished subtasks changed or removed, and dated notes lost.

    ``allowed`` names the top-level fields the request implies (for a wording change: title, description,
    details, testStrategy); ``subtasks`` in it lets open subtasks change and new ones appear.
    """
    issues: list[Issue] = []
    ident = _id(before.get("id"))
    for name in sorted(set(before) | set(after)):
        if name not in allowed and name != "subtasks" and before.get(name) != after.get(name):
            issues.append(Issue("update", f"{ident}: {name} changed but the request did not imply it", (ident,)))
    old_subs = {_id(s.get("id")): s for s in _items(before.get("subtasks"))}
    new_subs = {_id(s.get("id")): s for s in _items(after.get("subtasks"))}
    for sid, sub in old_subs.items():
        finished = sub.get("status") in ("done", "completed", "cancelled")
        if sid not in new_subs:
            issues.append(Issue("update", f"{ident}.{sid} was removed", (f"{ident}.{sid}",)))
        elif new_subs[sid] != sub and (finished or "subtasks" not in allowed):
            why = "is finished work" if finished else "was not to change"
            issues.append(Issue("update", f"{ident}.{sid} changed but {why}", (f"{ident}.{sid}",)))
    if "subtasks" not in allowed and set(new_subs) - set(old_subs):
        issues.append(Issue("update", f"{ident}: subtasks were added but the request did not imply it", (ident,)))
    for item_id, old, new in [
        (ident, before, after),
        *((f"{ident}.{sid}", old_subs[sid], new_subs[sid]) for sid in old_subs if sid in new_subs),
    ]:
        new_details = str(new.get("details", ""))
        lost = [note for note in dated_notes(str(old.get("details", ""))) if note not in new_details]
        if lost:
            issues.append(Issue("notes", f"{item_id}: {len(lost)} dated note(s) lost", (item_id,)))
    return issues


def check_plan(
    tasks: Sequence[Item], *, wanted: int = 0, required: Sequence[str] = (), known: Collection[str] = ()
) -> list[Issue]:
    """Structure, dependencies, count (when ``wanted``), near-duplicate titles and coverage of ``required``."""
    issues = structure_issues(tasks) + dependency_issues(tasks, known)
    counted = count_issue(len(tasks), wanted)
    if counted is not None:
        issues.append(counted)
    issues += [
        Issue("duplicates", f"{a} and {b} have nearly the same title", (a, b)) for a, b in near_duplicates(tasks)
    ]
    issues += [Issue("coverage", f"no task covers: {item}") for item in uncovered(tasks, required)]
    return issues
