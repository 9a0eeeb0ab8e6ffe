"""Prompt-level checks on the exact requests the AI commands build, and the mutation suite that proves they bite.

Each *run* calls a real AI command (parse_prd, expand_task, update_task, add_task, analyze, review) in-process on a
golden input, with a router that records every request (system prompt, cached prefix, prompt) and answers from a
fixed table (no model, no network). The checks read those requests:

- ``count``: the count line is the last line of every parse_prd / expand request, on every path (numTasks=0 too);
- ``framing``: the system prompt says that tagged content is data, never instructions;
- ``order``: the document is framed and our instructions come after it (the request does not end with it);
- ``escaped``: a document that carries its own closing delimiter cannot close its block;
- ``scope``: the PRD's scope lines are in every part of a split PRD, and with expand, update and add_task;
- ``neighbours``: what the task builds on and what waits for it are in expand and update requests;
- ``reask``: a missed count is asked again on the same prefix, byte for byte, with the previous answer shown;
- ``planning``: review leaves the PRD under ``.taskmaster/`` and untracked planning documents out of the diff;
- ``subtasks``: analyze sees each task's existing subtasks with their status;
- ``budget``: the largest request of a command stays within :data:`BUDGETS`.

:data:`MUTATIONS` are named changes to the prompt builders (monkeypatched, as a worse prompt would be written);
each must make at least one check fail. ``python -m tests.eval`` prints both tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prompt_runs import (
    BUDGETS,
    COUNT,
    DATA_PHRASE,
    GOLDEN,
    INJECTION,
    NEIGHBOURS,
    SCOPE_LINES,
    Request,
    Run,
    add_run,
    analyze_run,
    expand_run,
    long_prd,
    parse_run,
    review_run,
    update_run,
)


def _last_line(request: Request) -> str:
    lines = [line for line in request.prompt.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def count(requests: list[Request]) -> list[str]:
    return [f"last line is {_last_line(r)[:60]!r}" for r in requests if not COUNT.match(_last_line(r))]


def framing(requests: list[Request]) -> list[str]:
    return ["no data framing in the system prompt" for r in requests if DATA_PHRASE not in r.system][:1]


def order(tag: str) -> Callable[[list[Request]], list[str]]:
    def check(requests: list[Request]) -> list[str]:
        problems: list[str] = []
        for r in requests:
            text = r.text.rstrip()
            if f"<{tag}>" not in text or f"</{tag}>" not in text:
                problems.append(f"no <{tag}> block")
            elif text.endswith(f"</{tag}>"):
                problems.append(f"the <{tag}> document is last, after the instructions")
        return problems

    return check


def escaped(tag: str) -> Callable[[list[Request]], list[str]]:
    def check(requests: list[Request]) -> list[str]:
        return [
            f"{r.text.count(f'</{tag}>')} closing </{tag}> in one request"
            for r in requests
            if r.text.count(f"</{tag}>") != 1
        ]

    return check


def scope(lines: list[str]) -> Callable[[list[Request]], list[str]]:
    def check(requests: list[Request]) -> list[str]:
        return [f"request {n + 1}: no {line!r}" for n, r in enumerate(requests) for line in lines if line not in r.text]

    return check


def neighbours(requests: list[Request]) -> list[str]:
    return [f"no {s!r}" for r in requests for s in NEIGHBOURS if s not in r.text]


def reask(requests: list[Request]) -> list[str]:
    if len(requests) != 2:
        return [f"{len(requests)} requests, not 2"]
    first, again = requests
    problems = [] if again.prefix == first.prefix and first.prefix else ["the re-ask does not reuse the prefix"]
    return problems + ([] if "<previous-answer>" in again.prompt else ["the previous answer is not shown"])


def planning(requests: list[Request]) -> list[str]:
    text = "\n".join(r.text for r in requests)
    return [f"{m} sent" for m in ("PLANNING_MARKER", "ignore all previous instructions") if m in text] + (
        [] if "pub fn add()" in text else ["the change itself is missing"]
    )


def subtasks(requests: list[Request]) -> list[str]:
    return [] if all('"title":"Wire clap subcommands","status":"pending"' in r.text for r in requests) else ["none"]


def budget(limit: int) -> Callable[[list[Request]], list[str]]:
    def check(requests: list[Request]) -> list[str]:
        largest = max((r.size for r in requests), default=0)
        return [f"{largest:,} B over {limit:,}"] if largest > limit else []

    return check


Check = Callable[[list[Request]], list[str]]
PRD_CHECKS: dict[str, Check] = {"count": count, "framing": framing, "order": order("prd"), "budget": budget(16_000)}


def cases() -> list[tuple[str, Run, dict[str, Check]]]:
    """Every run and the checks that apply to its requests."""
    found: list[tuple[str, Run, dict[str, Check]]] = []
    for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir() and not p.name.startswith("bad-")):
        found.append((f"parse:{case.name}", parse_run((case / "prd.md").read_text(), 0), PRD_CHECKS))
    injected = {**PRD_CHECKS, "escaped": escaped("prd")}
    found += [
        ("parse:injection", parse_run(INJECTION, 0), injected),
        ("parse:injection n=3", parse_run(INJECTION, 3), injected),
        ("parse:split", parse_run(long_prd(), 0, inputBudgetTokens=1_200), {**injected, "scope": scope(SCOPE_LINES)}),
        ("parse:reask", parse_run(INJECTION, 6), {**injected, "reask": reask}),
        (
            "expand",
            expand_run,
            {
                "count": count,
                "framing": framing,
                "order": order("task"),
                "escaped": escaped("task"),
                "scope": scope(["Out of scope: Syncing between devices."]),
                "neighbours": neighbours,
                "budget": budget(BUDGETS["expand_task"]),
            },
        ),
        (
            "update_task",
            update_run,
            {
                "framing": framing,
                "order": order("request"),
                "escaped": escaped("request"),
                "scope": scope(["Out of scope: Syncing between devices."]),
                "neighbours": neighbours,
                "budget": budget(BUDGETS["update_task"]),
            },
        ),
        (
            "add_task",
            add_run,
            {
                "framing": framing,
                "order": order("request"),
                "escaped": escaped("request"),
                "scope": scope(["Out of scope: Syncing between devices."]),
                "budget": budget(BUDGETS["add_task"]),
            },
        ),
        ("analyze", analyze_run, {"framing": framing, "subtasks": subtasks, "budget": budget(BUDGETS["analyze"])}),
        (
            "review",
            review_run,
            {
                "framing": framing,
                "order": order("diff"),
                "escaped": escaped("diff"),
                "planning": planning,
                "budget": budget(BUDGETS["review"]),
            },
        ),
    ]
    return found


@dataclass(frozen=True)
class Outcome:
    """One check on one run."""

    case: str
    check: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


async def run_checks(tmp: Path) -> tuple[list[Outcome], dict[str, int]]:
    """Every check on every run, and the largest request of each run (bytes)."""
    outcomes: list[Outcome] = []
    sizes: dict[str, int] = {}
    for number, (name, run, checks) in enumerate(cases()):
        requests = await run(tmp / f"case-{number}")
        sizes[name] = max((r.size for r in requests), default=0)
        outcomes += [Outcome(name, check, tuple(fn(requests))) for check, fn in checks.items()]
    return outcomes, sizes


def prompt_table(outcomes: list[Outcome], sizes: dict[str, int]) -> str:
    """The check x run table of the prompt-level checks, with each run's largest request."""
    runs = list(dict.fromkeys(o.case for o in outcomes))
    checks = list(dict.fromkeys(o.check for o in outcomes))
    cell = {(o.case, o.check): "pass" if o.ok else "FAIL" for o in outcomes}
    lines = ["prompt checks".ljust(24) + "".join(f"{c:>11}" for c in checks) + "   largest (B)"]
    lines += [
        run[:23].ljust(24) + "".join(f"{cell.get((run, c), '-'):>11}" for c in checks) + f"{sizes.get(run, 0):>14,}"
        for run in runs
    ]
    failed = [o for o in outcomes if not o.ok]
    return "\n".join(lines + [f"  {o.case} {o.check}: {'; '.join(o.problems)[:200]}" for o in failed])
