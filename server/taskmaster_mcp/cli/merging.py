"""``taskmaster-mcp merge-driver`` (what git runs, registered by ``init``) and ``taskmaster-mcp fix-conflicts``.

Both call no tool: git runs the driver in the repository's top folder with temporary files, outside any project the
server would open. Exit codes: 0 merged cleanly; 1 conflicts were kept as ours and listed in the report (git stops so
a person decides), or a version was not a tasks document (nothing was written). Everything goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.store.merge_files import Outcome, fix_conflicts, merge_driver


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def run_merge_command(name: str, args: argparse.Namespace, project: Path) -> int:
    """Run ``merge-driver`` or ``fix-conflicts``; return the exit code."""
    try:
        if name == "merge-driver":
            root = Path(os.getcwd())
            outcome = merge_driver(Path(args.base), Path(args.ours), Path(args.theirs), args.path, root)
            label = args.path
        else:
            file = Path(args.file) if args.file else project / ".taskmaster" / "tasks" / "tasks.json"
            root = Path(os.getcwd()) if args.file else project
            label = _relative(file, root)
            outcome = fix_conflicts(file, root, label)
    except (TaskmasterError, OSError) as exc:
        print(f"taskmaster-mcp {name}: {exc}", file=sys.stderr)
        return 1
    return _say(name, label, outcome)


def _say(name: str, label: str, outcome: Outcome) -> int:
    moves = outcome.result.renumbered
    for tag, old, new in moves[:20]:
        print(
            f"taskmaster-mcp {name}: {label}: their task {old} in tag {tag} became {new} (both sides added {old})",
            file=sys.stderr,
        )
    if len(moves) > 20:
        print(f"taskmaster-mcp {name}: {label}: {len(moves) - 20} more renumbered", file=sys.stderr)
    for drop in outcome.result.dropped_claims:  # two agents claimed one item on two branches: the later one holds it
        item = drop.task if drop.subtask is None else f"{drop.task}.{drop.subtask}"
        kept, dropped = drop.agents()
        print(
            f"taskmaster-mcp {name}: {label}: item {item} in tag {drop.tag} was claimed on both sides; it stays with "
            f"{kept} (claimed later), and {dropped}'s claim was dropped",
            file=sys.stderr,
        )
    if outcome.report is None:
        return 0
    count = len(outcome.result.conflicts)
    print(
        f"taskmaster-mcp {name}: {label}: {count} conflicting change(s); ours was kept. See {outcome.report}, edit "
        f"{label} as you want it, then `git add {label}` and continue.",
        file=sys.stderr,
    )
    return 1
