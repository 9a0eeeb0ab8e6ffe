"""How ``taskmaster-mcp benchmark`` shows its result: one row per model, best first, then where the report is."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

COLUMNS = (
    "rank",
    "model",
    "role",
    "runs",
    "valid 1st",
    "re-asks",
    "failed",
    "p50 s",
    "p95 s",
    "tokens in/out",
    "cost $",
    "quality",
)


def benchmark_table(out: Console, data: dict[str, Any]) -> None:
    """The candidates in ranking order with their figures, the checks of each, and the report's path."""
    by_model = {c["modelId"]: c for c in data.get("candidates", [])}
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in COLUMNS:
        table.add_column(name, justify="left" if name in ("model", "role") else "right")
    for rank, model in enumerate(data.get("ranking", []), start=1):
        c = by_model[model]
        cost = c.get("costUsd")
        table.add_row(
            str(rank),
            f"{c['provider']}/{model}",
            c.get("role") or "-",
            str(c["runs"]),
            f"{c['validFirstTry']:.0%}",
            str(c["reasks"]),
            str(c["failures"]),
            f"{c['latencyMs']['p50'] / 1000:.1f}",
            f"{c['latencyMs']['p95'] / 1000:.1f}",
            f"{c['inputTokens']:,}/{c['outputTokens']:,}",
            "?" if cost is None else f"{cost:.4f}",
            f"{c['quality']:.2f}",
        )
    out.print(table)
    for model in data.get("ranking", []):
        checks: dict[str, float] = by_model[model].get("checks") or {}
        out.print(f"{model}: " + ", ".join(f"{name} {value:.2f}" for name, value in checks.items()))
        errors: list[str] = by_model[model].get("errors") or []
        for error in errors:
            out.print(f"  [red]failed:[/] {error}")
    out.print(f"sample: {data.get('sample')}; report: {data.get('reportPath')}")
    out.print(data.get("message", ""))
