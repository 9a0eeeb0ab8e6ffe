"""How ``models`` and ``usage`` show their results: the roles table (with what was changed, listed, tested or
proposed) and the spend tables (imported only when one of them prints)."""

from __future__ import annotations

from typing import Any, cast

from rich.console import Console
from rich.table import Table
from rich.text import Text


def models_table(out: Console, data: dict[str, Any]) -> None:
    """``models``: one row per role, then what was changed, listed or tested."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("role", "provider", "model", "key", "max tokens"):
        table.add_column(name)
    for view in data.get("roles", []):
        key = str(view.get("key", ""))
        table.add_row(
            view["role"],
            str(view.get("provider") or "-"),
            str(view.get("modelId") or "-"),
            Text(key, style="red" if key.startswith("MISSING") else "green"),
            str(view.get("maxTokens") or ""),
        )
    out.print(table)
    # The tool result is plain JSON; these annotations only name the shapes the models tool returns.
    changed: list[str] = data.get("changed") or []
    available: list[dict[str, Any]] = data.get("available") or []
    endpoint_models: list[str] = data.get("endpointModels") or []
    tests: list[dict[str, Any]] = data.get("tests") or []
    for line in changed:
        out.print(f"changed: {line}")
    for row in available:
        out.print(f"  {row.get('provider', '')}/{row.get('id', row.get('modelId', ''))}")
    for name in endpoint_models:
        out.print(f"  {name}")
    for test in tests:
        ok = test.get("ok")
        detail = f"{test.get('latency_ms', '')} ms" if ok else test.get("error", "")
        out.print(
            f"test {test['role']}: ", Text("ok" if ok else "FAIL", style="green" if ok else "red"), f" {detail}", sep=""
        )
    _optimization(out, data.get("optimization"))
    if data.get("note"):
        out.print(data["note"])


def _optimization(out: Console, proposal: dict[str, Any] | None) -> None:
    """``models --optimize``: each proposed role change with its reason, what it rests on, and how to apply it."""
    if not proposal:
        return
    changes: list[dict[str, Any]] = proposal.get("changes") or []
    evidence = "; ".join(str(e) for e in cast(list[Any], proposal.get("evidence") or []))
    out.print(
        Text(
            f"optimize {proposal.get('preset')}: {proposal.get('candidates', 0)} candidate model(s); "
            f"evidence: {evidence}"
        )
    )
    for change in changes:
        out.print(
            Text(f"  {change.get('role')}: {change.get('before')} → {change.get('after')}  ({change.get('reason')})")
        )
    if not changes:
        out.print(
            "No change proposed: the current roles are already the best choice, or no model with a key "
            "present fits (`taskmaster-mcp doctor` shows which keys are missing)."
        )
    elif not proposal.get("applied"):
        out.print("Nothing was changed. Run again with --apply to write these roles.")


def usage_table(out: Console, data: dict[str, Any]) -> None:
    """``usage``: the period, a compact table per role and per model (with each one's share of the cost), the
    total, then each budget's status."""
    report: dict[str, Any] = data.get("report", {})
    if data.get("since") or data.get("until"):
        out.print(f"period: {data.get('since') or 'start'} to {data.get('until') or 'today'} (UTC)")
    for title, key in (("role", "by_role"), ("model", "by_model")):
        groups: dict[str, Any] = report.get(key) or {}
        if not groups:
            continue
        table = Table(box=None, header_style="bold", pad_edge=False)
        for name in (title, "calls", "in tok", "out tok", "cost $", "share", "p50 ms", "errors", "fallbacks"):
            table.add_column(name, justify="left" if name == title else "right")
        for name, g in groups.items():
            share = g.get("cost_share")
            table.add_row(
                name,
                str(g.get("calls", 0)),
                f"{g.get('input_tokens', 0):,}",
                f"{g.get('output_tokens', 0):,}",
                "unknown" if g.get("unknown_cost_calls") and not g.get("cost_usd") else f"{g.get('cost_usd', 0):.4f}",
                "" if share is None else f"{share:.0%}",
                str(g.get("p50_latency_ms") or ""),
                str(g.get("errors", 0)),
                str(g.get("fallbacks", 0)),
            )
        out.print(table)
    total: dict[str, Any] = report.get("total") or {}
    extra = [f"{total['cache_hits']} from the response cache"] if total.get("cache_hits") else []
    if total.get("unknown_cost_calls"):
        extra.append(f"{total['unknown_cost_calls']} of unknown cost (not counted)")
    out.print(
        f"total: {total.get('calls', 0)} call(s), ${total.get('cost_usd', 0):.4f}"
        + (f" ({'; '.join(extra)})" if extra else "")
    )
    budgets: list[dict[str, Any]] = data.get("budgets") or []
    for budget in budgets:
        unknown = int(budget.get("unknownCostCalls") or 0)
        out.print(
            f"budget {budget['budget']} ({budget['period']}): ${budget['spentUsd']:g} of "
            f"${budget['limitUsd']:g} ({budget['used']:.0%})"
            + (f", {unknown} call(s) of unknown cost not counted" if unknown else "")
        )
    if data.get("note"):
        out.print(data["note"])
