"""What kind of work a task is, from its own words: the task types that routing rules match on.

The types (:data:`TASK_TYPES`):

- ``debugging``: fixing something broken (bug, fix, crash, regression, error, broken, flaky...).
- ``testing``: writing or running tests (test, unit test, e2e, coverage, QA, pytest...).
- ``documentation``: docs for people (docs, README, guide, tutorial, changelog, docstring...).
- ``research``: finding out before building (research, investigate, evaluate, compare, spike, prototype...).
- ``code``: code generation, the default for anything else (implement, build, add, endpoint, refactor...).

Classification is a cheap keyword count over the title (counted twice: it says what the task is), the description
and the tags (``tags`` and ``category`` fields, when a task has them). Details and metadata are not read: details
are long and mention tests and docs in passing, and metadata is the user's own. The type with most hits wins; a tie
goes to the earlier type in the list above (a "fix the flaky test" task is debugging first). No hit at all is
``code``, with confidence 0, which is what the ``assign_models`` classifier can improve on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

TASK_TYPES: Final[tuple[str, ...]] = ("debugging", "testing", "documentation", "research", "code")

_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "debugging": (
        "bug",
        "bugs",
        "fix",
        "fixes",
        "crash",
        "crashes",
        "regression",
        "error",
        "errors",
        "broken",
        "flaky",
        "debug",
        "failing",
        "fails",
        "leak",
        "hotfix",
        "incident",
    ),
    "testing": (
        "test",
        "tests",
        "testing",
        "unit",
        "e2e",
        "integration",
        "coverage",
        "qa",
        "pytest",
        "jest",
        "fixture",
        "fixtures",
        "benchmark",
        "spec",
    ),
    "documentation": (
        "doc",
        "docs",
        "documentation",
        "document",
        "readme",
        "guide",
        "tutorial",
        "changelog",
        "docstring",
        "docstrings",
        "manual",
        "wiki",
        "faq",
        "reference",
    ),
    "research": (
        "research",
        "investigate",
        "investigation",
        "evaluate",
        "evaluation",
        "compare",
        "comparison",
        "spike",
        "explore",
        "survey",
        "prototype",
        "feasibility",
        "assess",
    ),
    "code": (
        "implement",
        "build",
        "add",
        "create",
        "endpoint",
        "api",
        "refactor",
        "feature",
        "integrate",
        "migrate",
        "schema",
        "model",
        "service",
        "component",
        "ui",
    ),
}
_WORD: Final = re.compile(r"[a-z0-9]+")
_TYPE_OF: Final = {word: kind for kind, words in _KEYWORDS.items() for word in words}


@dataclass(frozen=True)
class TaskType:
    """A task's type and how sure the keyword count is of it (0 to 1: the winner's share of all hits)."""

    type: str
    confidence: float
    hits: int


def _words(value: object) -> list[str]:
    if isinstance(value, str):
        return _WORD.findall(value.lower())
    if isinstance(value, list):
        return [w for item in value if isinstance(item, str) for w in _WORD.findall(item.lower())]  # pyright: ignore[reportUnknownVariableType]
    return []


def classify(task: Mapping[str, Any]) -> TaskType:
    """The task's type from its title, description and tags (see the module docstring for the rule)."""
    counts: dict[str, int] = dict.fromkeys(TASK_TYPES, 0)
    words = [
        *_words(task.get("title")) * 2,
        *_words(task.get("description")),
        *_words(task.get("tags")),
        *_words(task.get("category")),
    ]
    for word in words:
        kind = _TYPE_OF.get(word)
        if kind is not None:
            counts[kind] += 1
    total = sum(counts.values())
    if total == 0:
        return TaskType("code", 0.0, 0)
    best = max(TASK_TYPES, key=lambda kind: (counts[kind], -TASK_TYPES.index(kind)))
    return TaskType(best, round(counts[best] / total, 2), counts[best])
