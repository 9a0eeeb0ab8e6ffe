"""Pages of task rows: every row once, within the limit and never over the byte budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rules_helpers import sub, task
from taskmaster_mcp.tasks import queries
from taskmaster_mcp.tasks.model import Task


def page_bytes(rows: list[dict[str, Any]]) -> int:
    return len(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def all_pages(tasks: list[Task], limit: int = 100) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    offset: int | None = 0
    while offset is not None:
        rows, offset = queries.page(
            tasks, offset=offset, limit=limit, render=lambda t: queries.compact_row(t, queries.DETAIL_FIELDS, True)
        )
        pages.append(rows)
    return pages


@pytest.mark.parametrize("text", ["x" * 200_000, "日本語の説明" * 30_000, "🚀" * 60_000])
def test_a_page_never_exceeds_the_byte_budget_even_with_huge_details(text: str) -> None:
    tasks = [task(i, details=text, description=text[:5000], subs=[sub(1)]) for i in range(1, 8)]
    pages = all_pages(tasks)
    assert all(page_bytes(p) <= queries.PAGE_BYTE_BUDGET for p in pages)
    assert [r["id"] for p in pages for r in p] == list(range(1, 8))
    assert queries.TRUNCATION_NOTE in pages[0][0]["details"]


def test_a_page_that_fills_the_budget_exactly_counts_its_brackets_and_commas() -> None:
    half = queries.PAGE_BYTE_BUDGET // 2
    rows: list[Task] = [{"x": "a" * (half - 9)}, {"x": "b" * (half - 9)}]  # each row is half - 1 bytes + a comma
    page, _ = queries.page(rows, offset=0, limit=10, render=dict)
    assert page_bytes(page) <= queries.PAGE_BYTE_BUDGET


def test_pages_cover_every_row_once_and_respect_the_limit() -> None:
    tasks = [task(i, details="d" * 300) for i in range(1, 251)]
    pages = all_pages(tasks, limit=40)
    assert all(0 < len(p) <= 40 for p in pages)
    assert [r["id"] for p in pages for r in p] == list(range(1, 251))
