"""Plan checks that judge plans, not keywords: scope creep however it is worded, the wrong stack, a hollow plan, a
reworded duplicate; a plan that names its exclusions is not blamed for naming them.

A mention counts only in a sentence that does not negate it ("Sync is out of scope", "no web interface", "without
a server" are exclusions, not work). Each concept is a set of word stems and phrases (:data:`CONCEPTS`), so
"replicate the list to the cloud" is sync as much as "sync" is.

The judged plans are in ``plans/`` (``<prd>.<name>.json``: ``{"prd": ..., "expect_fail": [...], "tasks": [...]}``),
each for a golden PRD; good ones expect no failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLANS = HERE / "plans"
NEGATION = re.compile(
    r"\b(out of scope|out-of-scope|not|no|never|without|excluded?|exclusions?|non-goals?|won't|deferred|later)\b",
    re.IGNORECASE,
)
CONCEPTS: dict[str, tuple[str, ...]] = {
    "sync": ("sync", "synchron", "replicat", "cloud", "across devices", "between devices", "between machines"),
    "mobile": ("mobile", "ios", "android", "phone", "app store"),
    "web interface": ("web interface", "web ui", "browser", "frontend", "front-end", "react", "web app", "dashboard"),
    "user accounts": ("user account", "login", "log in", "sign-up", "signup", "password", "oauth"),
}
FAMILIES: dict[str, tuple[str, ...]] = {
    "language": ("rust", "python", "golang", "typescript", "javascript", "node", "java", "ruby", "kotlin", "c#"),
    "storage": ("toml", "sqlite", "postgres", "mysql", "mongodb", "redis", "dynamodb", "json file", "yaml"),
    "framework": ("django", "flask", "fastapi", "express", "rails", "spring", "react", "vue", "angular", "clap"),
}
STOP = frozenset(
    "the a an and or of to in on for with by from into that this each its it is are be as at all any one per "
    "using use add adds new item items task tasks test tests".split()
)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:!?])\s+|\n+", text) if s.strip()]


def _blob(task: dict[str, Any]) -> str:
    return " ".join(str(task.get(k, "")) for k in ("title", "description", "details", "testStrategy"))


def _has(sentence: str, term: str) -> bool:
    return re.search(rf"\b{re.escape(term)}", sentence, flags=re.IGNORECASE) is not None


def affirms(text: str, terms: Iterable[str]) -> list[str]:
    """The terms ``text`` mentions in a sentence that does not negate them."""
    found = dict.fromkeys(t for s in sentences(text) if not NEGATION.search(s) for t in terms if _has(s, t))
    return list(found)


def concept_terms(phrase: str) -> tuple[str, ...]:
    """The stems and phrases of every concept ``phrase`` names, and the phrase itself."""
    terms = [phrase.lower()]
    for name, words in CONCEPTS.items():
        if name in phrase.lower() or any(_has(phrase, w) for w in words):
            terms += words
    return tuple(dict.fromkeys(terms))


def scope_creep(tasks: list[dict[str, Any]], out_of_scope: list[str]) -> list[str]:
    """``id: concept`` for each task doing work the PRD rules out, however it is worded."""
    return [
        f"{t.get('id')}: {item} ({', '.join(hits)})"
        for t in tasks
        for item in out_of_scope
        if (hits := affirms(_blob(t), concept_terms(item)))
    ]


def wrong_stack(tasks: list[dict[str, Any]], prd: str) -> list[str]:
    """``id: term`` for each technology a task uses where the PRD named another of the same family."""
    named = {family: set(affirms(prd, terms)) for family, terms in FAMILIES.items()}
    problems: list[str] = []
    for task in tasks:
        for family, terms in FAMILIES.items():
            if named[family]:
                problems += [
                    f"{task.get('id')}: {t} (the PRD says {', '.join(sorted(named[family]))})"
                    for t in affirms(_blob(task), terms)
                    if t not in named[family]
                ]
    return problems


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP}


def hollow(tasks: list[dict[str, Any]]) -> list[str]:
    """Tasks that say nothing a developer can act on: details under 12 words or repeating the title and
    description, or a test strategy under 5 words. A plan fails when a third or more of its tasks are hollow."""
    empty = [
        str(t.get("id"))
        for t in tasks
        if len(str(t.get("details", "")).split()) < 12
        or _words(str(t.get("details", ""))) <= _words(f"{t.get('title', '')} {t.get('description', '')}")
        or len(str(t.get("testStrategy", "")).split()) < 5
    ]
    return [f"hollow tasks: {', '.join(empty)}"] if tasks and len(empty) * 3 >= len(tasks) else []


def duplicates(tasks: list[dict[str, Any]], threshold: float = 0.5) -> list[str]:
    """Pairs of tasks whose words (stems of title, description and details) overlap by ``threshold`` or more."""
    found: list[str] = []
    for n, a in enumerate(tasks):
        for b in tasks[n + 1 :]:
            wa = _words(" ".join(str(a.get(k, "")) for k in ("title", "description", "details")))
            wb = _words(" ".join(str(b.get(k, "")) for k in ("title", "description", "details")))
            if wa and wb and len(wa & wb) / len(wa | wb) >= threshold:
                found.append(f"{a.get('id')} ~ {b.get('id')}")
    return found


def out_of_scope(prd: str) -> list[str]:
    """The lines under the PRD's out-of-scope heading."""
    part = re.split(r"^#+\s*out of scope\s*$", prd, flags=re.IGNORECASE | re.MULTILINE)
    if len(part) < 2:
        return []
    body = re.split(r"^#", part[1], flags=re.MULTILINE)[0]
    return [line.lstrip("-* ").strip() for line in body.splitlines() if line.strip()]


def judge(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Every plan check on one plan: check name -> problems (empty: pass)."""
    prd = (HERE / "golden" / plan["prd"] / "prd.md").read_text()
    tasks: list[dict[str, Any]] = plan["tasks"]
    return {
        "scope_creep": scope_creep(tasks, out_of_scope(prd)),
        "stack": wrong_stack(tasks, prd),
        "hollow": hollow(tasks),
        "duplicate": duplicates(tasks),
    }


def judged() -> list[tuple[str, set[str], dict[str, list[str]]]]:
    """(plan name, checks it was built to fail, what the checks found) for every plan in ``plans/``."""
    out: list[tuple[str, set[str], dict[str, list[str]]]] = []
    for path in sorted(PLANS.glob("*.json")):
        plan = json.loads(path.read_text())
        out.append((path.stem, set(plan.get("expect_fail", [])), judge(plan)))
    return out


def judge_table() -> str:
    """Each judged plan: the checks it failed against those it was built to fail."""
    lines = ["judged plan".ljust(34) + "scope_creep      stack     hollow  duplicate   as built"]
    for name, expected, found in judged():
        failed = {c for c, p in found.items() if p}
        cells = "".join(
            f"{'FAIL' if found[c] else 'pass':>11}" for c in ("scope_creep", "stack", "hollow", "duplicate")
        )
        lines.append(name[:33].ljust(34) + cells + ("        yes" if failed == expected else "         NO"))
    return "\n".join(lines)
