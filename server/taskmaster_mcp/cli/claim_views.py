"""How the CLI shows parallel agents: who holds an item and the lease left, the waves of ``list --parallel``, the
picks of ``next --count`` and a claim of ``next --claim``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text


def claim_text(claim: dict[str, Any] | None) -> str:
    """``docs (12.5 min left)``, ``docs (lease expired)``, or "" when nobody holds the item."""
    if not claim:
        return ""
    agent = str(claim.get("agent", "?"))
    if claim.get("expired"):
        return f"{agent} (lease expired)"
    left = claim.get("leaseMinutesLeft")
    return f"{agent} ({left} min left)" if left is not None else agent


def waves_view(out: Console, data: dict[str, Any]) -> None:
    """``list --parallel``: each wave's task ids, with why each is in it, then what no wave reaches."""
    found: list[dict[str, Any]] = data.get("waves") or []
    if not found and not data.get("unschedulable"):
        out.print("Parallel waves: no open task.")
        return
    for wave in found:
        ids = [str(i) for i in wave.get("ids", [])]
        out.print(Text(f"Wave {wave.get('wave')}: {', '.join(ids)}", style="bold"))
        why: dict[str, str] = wave.get("why") or {}
        for tid in ids:
            if why.get(tid):
                out.print(Text(f"  {tid}: {why[tid]}"))
    stuck: list[str] = data.get("unschedulable") or []
    if stuck:
        out.print(Text(f"No wave reaches (missing, cancelled or circular dependencies): {', '.join(stuck)}"))


def picks_view(out: Console, data: dict[str, Any]) -> None:
    """``next --count N``: the items workable at once, each with its files and why it was chosen."""
    out.print(data.get("reason", ""))
    rows: list[dict[str, Any]] = data.get("parallel") or []
    for row in rows:
        out.print(Text(f"{row.get('id')}: {row.get('title', '')}", style="bold"))
        if row.get("files"):
            files: list[Any] = row["files"]
            out.print(Text(f"  files: {', '.join(str(f) for f in files)}"))
        if row.get("why"):
            out.print(Text(f"  why: {row['why']}"))


def claim_line(claim: dict[str, Any] | None) -> Text | None:
    """``next --claim``'s lease: the agent, the lease left and until when, and whose expired lease it took over."""
    if not claim:
        return None
    line = f"  claimed by: {claim_text(claim)}"
    if claim.get("until"):
        line += f", until {claim['until']}"
    if claim.get("tookOverFrom"):
        line += f" (took over from {claim['tookOverFrom']})"
    return Text(line)
