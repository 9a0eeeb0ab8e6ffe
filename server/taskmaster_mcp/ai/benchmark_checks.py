"""Deterministic quality checks of one benchmark answer, and the statistics the benchmark reports.

Each check scores one answer from 0 to 1, using the same functions the AI commands use on live answers
(:mod:`taskmaster_mcp.ai.quality`), so a model is judged by what the product itself would flag:

- ``dependencies``: every dependency points at an existing, earlier item (1, or 0);
- ``duplicates``: no two titles say the same thing (1, or 0);
- ``count``: the number of items is within 20% of the number asked for (1, or 0);
- ``coverage`` (parse_prd only, when the PRD has headings): the share of PRD sections some task covers.

An answer's quality is the mean of its checks; a run that produced no valid answer scores 0 on every check that
applied to it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from taskmaster_mcp.ai.quality import count_within, dependency_issues, near_duplicates, uncovered

CHECKS = ("dependencies", "duplicates", "count", "coverage")
_HEADING = re.compile(r"^\s{0,3}(#{1,4})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prd_sections(prd: str) -> list[str]:
    """The PRD's Markdown headings (the sections a plan should cover), without a leading ``# Title`` when other
    headings follow it; [] without headings."""
    headings = [(marks, text.strip()) for marks, text in _HEADING.findall(prd) if text.strip()]
    if len(headings) > 1 and headings[0][0] == "#":
        headings = headings[1:]
    return [text for _, text in headings]


def score_items(items: Sequence[Mapping[str, Any]], wanted: int, sections: Sequence[str]) -> dict[str, float]:
    """The checks of one answer: ``items`` carry the model's own ids and dependencies, in answer order."""
    scores = {
        "dependencies": 0.0 if dependency_issues(items) else 1.0,
        "duplicates": 0.0 if near_duplicates(items) else 1.0,
        "count": 1.0 if count_within(len(items), wanted) else 0.0,
    }
    if sections:
        scores["coverage"] = 1.0 - len(uncovered(items, sections)) / len(sections)
    return scores


def failed_scores(sections: Sequence[str] | None) -> dict[str, float]:
    """A run with no valid answer: 0 on every check that applied to it (coverage only for a PRD with headings)."""
    return {name: 0.0 for name in CHECKS if name != "coverage" or sections}


def mean_checks(per_run: Sequence[dict[str, float]]) -> tuple[float, dict[str, float]]:
    """Quality (0..1): the mean over runs of each run's mean check; and each check's mean over the runs it
    applies to."""
    totals: dict[str, list[float]] = {}
    for scores in per_run:
        for name, value in scores.items():
            totals.setdefault(name, []).append(value)
    quality = statistics.fmean([statistics.fmean(s.values()) if s else 0.0 for s in per_run]) if per_run else 0.0
    return round(quality, 3), {name: round(statistics.fmean(values), 3) for name, values in totals.items()}


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile by linear interpolation (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def rank_key(candidate: Mapping[str, Any]) -> tuple[float, ...]:
    """The ranking rule, best first: fewer failures, then higher quality, then more answers valid on the first
    try, then lower median latency, then lower cost (unknown cost after every known one)."""
    cost = candidate.get("costUsd")
    return (
        float(candidate["failures"]) / max(1, int(candidate["runs"])),
        -float(candidate["quality"]),
        -float(candidate["validFirstTry"]),
        float(candidate["latencyMs"]["p50"]),
        float("inf") if cost is None else float(cost),
    )
