"""Model performance for the dashboard: per role and model, cost per day, and budgets against their spend.

Plain functions over the usage ledger's entries (:class:`taskmaster_mcp.models.ledger.Entry`), so they are tested
with entries written through the ledger's own API. Decisions:

- **Rows are (role, provider/model) pairs**: the same model in two roles behaves differently (the research role's
  prompts are longer), and the seeds ask for "latency, success rate and cost by model". ``LedgerReport`` groups by
  role *or* by model; this groups by both.
- **Success rate** counts calls whose outcome is ``ok``; **fallback rate** the calls made by a role after the one
  first asked had failed (the ledger's ``fallback`` flag). Percentiles are nearest-rank over every call's latency,
  failed ones included, because a slow failure costs the user as much time as a slow answer.
- **Cost** adds known prices only; calls with an unknown price are counted apart (``unknownCostCalls``), never as
  zero, as in the ledger's own report.
- **Cost per day** covers the last ``days`` UTC days up to today, with empty days as zero, so the chart's bars are
  evenly spaced in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from taskmaster_mcp.models.ledger import Entry
from taskmaster_mcp.store.settings import Budgets


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))], 1)


def model_rows(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """One row per (role, provider/model), sorted by role then model."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.role, f"{entry.provider}/{entry.model}"), []).append(entry)
    rows: list[dict[str, Any]] = []
    for (role, model), calls in sorted(groups.items()):
        latencies = [e.latency_ms for e in calls]
        ok = sum(e.outcome == "ok" for e in calls)
        rows.append(
            {
                "role": role,
                "model": model,
                "calls": len(calls),
                "p50LatencyMs": _percentile(latencies, 0.5),
                "p95LatencyMs": _percentile(latencies, 0.95),
                "successRate": round(ok / len(calls), 4),
                "fallbackRate": round(sum(e.fallback for e in calls) / len(calls), 4),
                "inputTokens": sum(e.input_tokens for e in calls),
                "outputTokens": sum(e.output_tokens for e in calls),
                "costUsd": round(sum(e.cost_usd or 0.0 for e in calls), 6),
                "unknownCostCalls": sum(e.cost_usd is None and e.outcome == "ok" for e in calls),
            }
        )
    return rows


def cost_by_day(entries: Iterable[Entry], *, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """USD per UTC day for the last ``days`` days (oldest first), zero for days without calls."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    spend = {(first + timedelta(days=i)).isoformat(): 0.0 for i in range(days)}
    calls = dict.fromkeys(spend, 0)
    for entry in entries:
        day = entry.ts[:10]
        if day in spend:
            spend[day] += entry.cost_usd or 0.0
            calls[day] += 1
    return [{"day": day, "costUsd": round(usd, 6), "calls": calls[day]} for day, usd in spend.items()]


def budget_rows(budgets: Budgets, today_usd: float, month_usd: float) -> list[dict[str, Any]]:
    """Each configured budget with its spend so far and the fraction used (over 1 when exceeded)."""
    rows: list[dict[str, Any]] = []
    for name, limit, spent in (
        ("dailyUsd", budgets.daily_usd, today_usd),
        ("monthlyUsd", budgets.monthly_usd, month_usd),
    ):
        if limit is not None:
            rows.append(
                {
                    "budget": name,
                    "limitUsd": limit,
                    "spentUsd": round(spent, 6),
                    "used": round(spent / limit, 4) if limit else (1.0 if spent else 0.0),
                }
            )
    return rows
