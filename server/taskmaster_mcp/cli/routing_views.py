"""Text views of the routing commands (imported only when one of them prints: rich is not loaded otherwise)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

FAMILIES = ("expand", "update", "review", "research")


def _reason(cell: str) -> str:
    """``routing[1]: complexity 2 ≤ 3 → fast`` as ``fast #1 cx 2≤3``: the role first, then the rule, compact."""
    rule, _, role = cell.rpartition(" → ")
    if not rule:
        return cell  # "refused: ..."
    source, _, why = rule.partition(": ")
    if source == "default":
        return role
    if source == "pin":
        return f"{role} (pin)"
    index = source.removeprefix("routing[").removesuffix("]")
    short = why.replace("complexity ", "cx ").replace(" ≤ ", "≤").replace(" ≥ ", "≥").replace("command ", "")
    return f"{role} #{index} {short}" if index.isdigit() else f"{role} ({source})"


def route_table(out: Console, data: dict[str, Any]) -> None:
    """``route``: the roles' models, then one row per open task with each family's starting role and rule."""
    roles: dict[str, str] = data.get("roles") or {}
    out.print("roles: " + ", ".join(f"{name} = {model}" for name, model in roles.items()))
    table = Table(box=None, header_style="bold", pad_edge=False)
    rows: list[dict[str, Any]] = data.get("rows") or []
    claimed = any(row.get("agent") for row in rows)  # the agent column only when some task is claimed
    for name in ("id", "title", "cx", "type", *(("agent",) if claimed else ()), *FAMILIES):
        table.add_column(name)
    for row in rows:
        score = row.get("complexity")
        table.add_row(
            str(row["id"]),
            Text(str(row.get("title", ""))),
            "-" if score is None else f"{score:g}",
            str(row.get("type") or "-"),
            *((Text(str(row.get("agent") or "-")),) if claimed else ()),
            *(_reason(str(row.get(f, ""))) for f in FAMILIES),
        )
    out.print(table)
    if data.get("note"):
        out.print(data["note"])


def pins(out: Console, data: dict[str, Any]) -> None:
    """``set-model`` and ``assign-models``: proposals (if any), then what was written."""
    proposals: list[dict[str, Any]] = data.get("proposals") or []
    for p in proposals:
        target = p.get("role") or "(default route)"
        kept = f"; keeps pin {p['current']}" if p.get("current") else ""
        out.print(
            Text(
                f"  {p['id']}  {p.get('title', '')}: {p.get('type')} ({p.get('confidence')}) → {target}  "
                f"[{p.get('reason', '')}]{kept}"
            )
        )
    out.print(data.get("message", ""))
