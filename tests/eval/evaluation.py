"""The offline quality harness: golden inputs, replayed answers, deterministic checks, one table.

Every model answer here is replayed (``replay.py``) through the real server, the real SDKs and the scripted provider
on 127.0.0.1; nothing is timed and no model is paid for. Golden inputs:

- **PRDs** (``golden/<name>/``: ``prd.md``, ``checklist.json`` with required keywords, forbidden topics and a
  task-count range, and ``recording/`` in the ``TASKMASTER_MCP_RECORD`` format). The answers were written by hand
  (no model was available); ``bad-*`` ones are wrong on purpose and name in ``expect_fail`` the checks they must fail.
- **update**, **complexity** and **review** cases built here, with their hand-written answers.
- **projects** of 30, 150 and 300 tasks built by ``tests/bench/bench_prompt_sizes.build`` (deterministic), on which
  the context each command sends is measured against :data:`BUDGETS` and checked for what it must contain.

A check is "pass", "FAIL" or absent ("-") for an input it does not apply to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for extra in (HERE, HERE.parent, HERE.parent / "support", HERE.parent / "bench", HERE.parent.parent / "server"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from bench_prompt_sizes import build, prompt_bytes, replies  # noqa: E402
from plan_judge import NEGATION, sentences  # noqa: E402
from replay import Replayer, request_text  # noqa: E402

from ai_helpers import ai_env, ai_project  # noqa: E402
from mcp_helpers import connected  # noqa: E402
from provider_server import MESSAGES, ProviderServer, Recorded, Reply  # noqa: E402
from taskmaster_mcp.ai.quality import (  # noqa: E402
    dependency_issues,
    keywords,
    near_duplicates,
    structure_issues,
    uncovered,
    update_issues,
)
from taskmaster_mcp.models.recording import Recording  # noqa: E402

GOLDEN = HERE / "golden"
SIZES = (30, 150, 300)
BUDGETS = {
    "parse_prd": 24_000,
    "expand_task": 12_000,
    "add_task": 32_000,
    "update_task": 12_000,
    "analyze_project_complexity": 32_000,
    "review": 16_000,
}
"""Largest single request, in UTF-8 bytes of system prompt plus user messages, per command.

The figures of ``bench_prompt_sizes.py`` on these very projects (30 / 150 / 300 tasks) were, at the largest request:
parse_prd 5.6k / 10.0k / 15.6k (it lists existing titles, growing with the project), expand_task ~6.1-6.7k and
update_task ~6.4-7.1k (flat: one task, its neighbours, the PRD scope and the code), add_task 9.2k / 15.1k / 20.8k
(the title map grows up to its cap), analyze 9.8k / 15.8k / 18.1k per batch of 10 (the plan map grows up to its
cap; the code listing comes first), review ~6.5k (issue 21 added about 0.5-1.5k to each: the data framing, the code
where it was missing, the scope).
Each budget is about 1.5x the 300-task figure, rounded: room for a longer PRD or task text, while a context
builder that stops cutting (a whole tasks.json pasted, ~100 kB at 300 tasks) fails at once. A budget is per request
because that is what a model's window and a call's price are bounded by; analyze's total grows with the tasks scored.
"""


@dataclass(frozen=True)
class Result:
    """One check on one golden input."""

    input: str
    check: str
    ok: bool
    detail: str = ""


def _record(rows: list[Result], name: str, check: str, problems: Iterable[str]) -> None:
    found = [p for p in problems if p]
    rows.append(Result(name, check, not found, "; ".join(found)[:300]))


def _posts(server: ProviderServer) -> list[Recorded]:
    return [r for r in server.seen() if r.method == "POST" and isinstance(r.body, dict)]


def _blob(task: dict[str, Any]) -> str:
    return " ".join(str(task.get(k, "")) for k in ("title", "description", "details"))


def forbidden_topics(tasks: list[dict[str, Any]], forbidden: list[str]) -> list[str]:
    """``id: topic`` for every task with a sentence that has all the keywords of a forbidden topic and does not
    negate it ("Sync is out of scope" names an exclusion; it is not sync work)."""
    return [
        f"{t.get('id')}: {topic}"
        for t in tasks
        for topic in forbidden
        if keywords(topic)
        and any(keywords(topic) <= keywords(s) for s in sentences(_blob(t)) if not NEGATION.search(s))
    ]


def _code(root: Path) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "linkshelf"\ndependencies = ["fastapi"]\n')
    (root / "src/linkshelf").mkdir(parents=True)
    (root / "src/linkshelf/app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")


async def plan_case(server: ProviderServer, tmp: Path, case: Path) -> list[Result]:
    """parse_prd on one golden PRD, answered from its recording; the plan checks on the answer the model gave."""
    checklist = json.loads((case / "checklist.json").read_text())
    server.reset()
    replayer = Replayer.from_dir(case / "recording")
    server.responder = replayer
    root = ai_project(tmp / case.name, server)
    if checklist.get("hasCode"):
        _code(root)
    async with connected(root, env=ai_env(tmp / case.name)) as client:
        result = await client.call_tool("parse_prd", {"prd": (case / "prd.md").read_text(), "numTasks": 0})
    rows: list[Result] = []
    name = case.name
    _record(rows, name, "answered", [] if not result.is_error else [str(result.content)[:200]])
    posts = _posts(server)
    _record(rows, name, "first_try", [] if len(posts) == 1 else [f"{len(posts)} requests (re-asked)"])
    tasks: list[dict[str, Any]] = replayer.served[-1][2]["tasks"] if replayer.served else []
    _record(rows, name, "dependencies", [i.message for i in structure_issues(tasks) + dependency_issues(tasks)])
    low, high = checklist["count"]
    _record(rows, name, "count", [] if low <= len(tasks) <= high else [f"{len(tasks)} tasks, not {low}-{high}"])
    _record(rows, name, "coverage", [f"uncovered: {item}" for item in uncovered(tasks, checklist["required"])])
    _record(rows, name, "forbidden", forbidden_topics(tasks, checklist["forbidden"]))
    _record(rows, name, "duplicates", [f"{a} ~ {b}" for a, b in near_duplicates(tasks)])
    sizes = [prompt_bytes(r.body) for r in posts]
    sent = "\n".join(request_text(r.body)[1] for r in posts)
    must = ["<project-tree>", "app.py"] if checklist.get("hasCode") else []
    _record(
        rows,
        name,
        "context",
        [
            f"{max(sizes, default=0):,} B over {BUDGETS['parse_prd']:,}"
            for _ in [0]
            if max(sizes, default=0) > BUDGETS["parse_prd"]
        ]
        + [f"missing {m}" for m in must if m not in sent],
    )
    return rows


NOTE = "<info added on 2026-01-05T10:00:00Z>Chose SQLite FTS5 after the spike.</info added on 2026-01-05T10:00:00Z>"


def _update_project(root: Path, server: ProviderServer) -> dict[str, Any]:
    ai_project(root, server)
    task = {
        "id": 1,
        "title": "Search bookmarks",
        "description": "Full-text search on SQLite.",
        "details": f"Use SQLite FTS5 over titles and notes.\n{NOTE}",
        "testStrategy": "Search tests.",
        "status": "in-progress",
        "priority": "high",
        "dependencies": [],
        "subtasks": [
            {
                "id": 1,
                "title": "FTS5 table",
                "description": "Create it.",
                "details": "",
                "status": "done",
                "dependencies": [],
            }
        ],
    }
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": [task]}}))
    return task


UPDATES = {
    "update-good": {
        "title": "Search bookmarks",
        "description": "Full-text search on PostgreSQL.",
        "details": f"Use PostgreSQL tsvector over titles and notes.\n{NOTE}",
        "testStrategy": "Search tests.",
        "priority": None,
        "subtasks": [],
    },
    "update-bad": {
        "title": "Search bookmarks",
        "description": "Full-text search on PostgreSQL.",
        "details": "Use PostgreSQL tsvector over titles and notes.",
        "testStrategy": "Search tests.",
        "priority": "low",
        "subtasks": [],
    },
}


async def update_case(server: ProviderServer, tmp: Path, name: str) -> list[Result]:
    """update_task on a task with a dated note and a done subtask: only the implied fields may change."""
    server.reset()
    server.responder = Replayer([_handwritten("update_task@2", UPDATES[name])])
    root = tmp / name
    before = _update_project(root, server)
    async with connected(root, env=ai_env(tmp / name)) as client:
        result = await client.call_tool("update_task", {"id": "1", "prompt": "Use PostgreSQL instead of SQLite"})
    after = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][0]
    rows: list[Result] = []
    _record(rows, name, "answered", [] if not result.is_error else [str(result.content)[:200]])
    _record(rows, name, "first_try", [] if len(_posts(server)) == 1 else ["re-asked"])
    issues = update_issues(
        before,
        {k: v for k, v in after.items() if k != "updatedAt"},
        {"title", "description", "details", "testStrategy"},
    )
    _record(rows, name, "update_fields", [i.message for i in issues if i.check == "update"])
    _record(rows, name, "notes_kept", [i.message for i in issues if i.check == "notes"])
    return rows


def _handwritten(version: str, answer: Any, n: int = 0) -> Recording:
    return Recording(version, version.split("@")[0], "main", "anthropic", "hand-written", "", "", "", answer, n)


SCORES = {i: 1 + (i * 7) % 10 for i in range(1, 25)}  # the recorded complexity scores, keyed by task id


def _scores_by_id(request: Recorded) -> Reply | None:
    """The replayed analysis: every task's recorded score (the server keeps those of the batch it asked about)."""
    if request.method != "POST":
        return None
    return Reply(
        text=json.dumps(
            {
                "tasks": [
                    {
                        "taskId": i,
                        "complexityScore": s,
                        "recommendedSubtasks": s // 2,
                        "expansionPrompt": "Split it.",
                        "reasoning": "Recorded.",
                    }
                    for i, s in SCORES.items()
                ]
            }
        )
    )


async def complexity_case(server: ProviderServer, tmp: Path) -> list[Result]:
    """Scores of the same 24 tasks asked in two orders (so in different batches of 10) must agree task by task."""
    root = tmp / "complexity"
    server.reset()
    server.responder = _scores_by_id
    ai_project(root, server)
    tasks = [
        {
            "id": i,
            "title": f"Step {i} of the importer",
            "description": "d",
            "details": "x",
            "status": "pending",
            "dependencies": [],
            "subtasks": [],
        }
        for i in SCORES
    ]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    orders = [",".join(str(i) for i in SCORES), ",".join(str(i) for i in sorted(SCORES, key=lambda i: (i * 5) % 24))]
    seen: list[dict[int, int]] = []  # same tasks, other batches: 1-10 with 11-20 apart, vs mixed
    async with connected(root, env=ai_env(root.parent / "c-env")) as client:
        for order in orders:
            result = await client.call_tool("analyze_project_complexity", {"ids": order})
            assert not result.is_error, result.content
            [path] = (root / ".taskmaster").rglob("task-complexity-report*.json")
            report = json.loads(path.read_text())
            seen.append({e["taskId"]: e["complexityScore"] for e in report["complexityAnalysis"]})
    rows: list[Result] = []
    _record(
        rows,
        "complexity",
        "scores_stable",
        [f"{i}: {seen[0].get(i)} vs {seen[1].get(i)}" for i in SCORES if seen[0].get(i) != seen[1].get(i)]
        + [f"{i}: not the recorded {s}" for i, s in SCORES.items() if seen[1].get(i) != s],
    )
    return rows


DEFECT = "query = f\"SELECT * FROM bookmarks WHERE tag = '{tag}'\""
REVIEWS = {
    "review-good": {
        "verdict": "changes_requested",
        "score": 35,
        "summary": "The tag filter is open to SQL injection.",
        "findings": [
            {
                "severity": "critical",
                "file": "src/linkshelf/db.py",
                "line": 4,
                "message": "SQL injection: the tag is formatted into the query; bind it.",
            }
        ],
    },
    "review-bad": {"verdict": "approve", "score": 92, "summary": "Looks good.", "findings": []},
}


async def review_case(server: ProviderServer, tmp: Path, name: str) -> list[Result]:
    """review of a diff with a planted SQL injection: the diff sent holds it, the verdict is not approve."""
    server.reset()
    server.responder = Replayer([_handwritten("review@2", REVIEWS[name])])
    root = tmp / name
    ai_project(root, server)
    (root / ".taskmaster/tasks/tasks.json").write_text(
        json.dumps(
            {
                "master": {
                    "tasks": [
                        {
                            "id": 1,
                            "title": "Filter bookmarks by tag",
                            "description": "List bookmarks with a tag.",
                            "details": "",
                            "status": "in-progress",
                            "dependencies": [],
                            "subtasks": [],
                        }
                    ]
                }
            }
        )
    )
    (root / "src/linkshelf").mkdir(parents=True)
    db = root / "src/linkshelf/db.py"
    db.write_text("def by_tag(conn, tag):\n    return []\n")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run([*git, *args], cwd=root, check=True, timeout=30)
    db.write_text(f"def by_tag(conn, tag):\n    {DEFECT}\n    return conn.execute(query).fetchall()\n")
    async with connected(root, env=ai_env(tmp / name)) as client:
        result = await client.call_tool("review", {"id": "1"})
    data: dict[str, Any] = result.structured_content or {}
    sent = "\n".join(request_text(r.body)[1] for r in _posts(server))
    findings = " ".join(str(f.get("message", "")) for f in data.get("findings") or [])
    rows: list[Result] = []
    _record(rows, name, "answered", [] if not result.is_error else [str(result.content)[:200]])
    _record(rows, name, "diff_has_defect", [] if DEFECT in sent else ["the planted line is not in the prompt"])
    _record(rows, name, "verdict_not_approve", ["approved"] if data.get("verdict") == "approve" else [])
    _record(rows, name, "names_defect", [] if "injection" in findings.lower() else ["no finding names it"])
    return rows


async def context_case(server: ProviderServer, tmp: Path, count: int) -> tuple[list[Result], dict[str, int]]:
    """Each command's largest request on a generated project against its budget, plus what expand must show."""
    server.reset()
    root = build(tmp / f"size-{count}", server, count)
    doc = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    mid, late = count * 2 // 3, count - 4
    target = next(t for t in doc if t["id"] == mid)
    scripted = replies(5, late)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("parse_prd", {"prd": "# More\n\n- Export to CSV.\n", "append": True, "numTasks": 5}),
        ("expand_task", {"id": str(mid)}),
        ("add_task", {"prompt": "Add search by tag to the REST API, reusing the search index"}),
        ("update_task", {"id": str(mid), "prompt": "Use PostgreSQL instead of SQLite"}),
        ("analyze_project_complexity", {"from": late, "to": count}),
        ("review", {"id": str(mid)}),
    ]
    name = f"project-{count}"
    rows: list[Result] = []
    largest: dict[str, int] = {}
    async with connected(root, env=ai_env(tmp / f"size-{count}-env")) as client:
        for tool, args in calls:
            server.reset()
            server.defaults[MESSAGES] = scripted[tool]
            result = await client.call_tool(tool, args)
            posts = _posts(server)
            largest[tool] = max((prompt_bytes(r.body) for r in posts), default=0)
            problems = [f"error: {str(result.content)[:150]}"] if result.is_error else []
            if largest[tool] > BUDGETS[tool]:
                problems.append(f"{largest[tool]:,} B over {BUDGETS[tool]:,}")
            if tool == "expand_task":
                sent = "\n".join(request_text(r.body)[1] for r in posts)
                deps = [t for t in doc if t["id"] in target["dependencies"]]
                must = {
                    "neighbour details": [t["title"] for t in deps[:1]],
                    "project tree": ["<project-tree>", "app.py"],
                    "existing subtasks": [s["title"] for s in target["subtasks"]],
                }
                problems += [
                    f"missing {what}: {text}" for what, texts in must.items() for text in texts if text not in sent
                ]
            _record(rows, name, f"ctx:{tool}", problems)
    return rows, largest


async def evaluate(tmp: Path) -> tuple[list[Result], dict[int, dict[str, int]]]:
    """Every check on every golden input, and the largest request per command per project size."""
    server = ProviderServer().start()
    rows: list[Result] = []
    sizes: dict[int, dict[str, int]] = {}
    try:
        for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
            rows += await plan_case(server, tmp, case)
        for name in UPDATES:
            rows += await update_case(server, tmp, name)
        rows += await complexity_case(server, tmp)
        for name in REVIEWS:
            rows += await review_case(server, tmp, name)
        for count in SIZES:
            found, sizes[count] = await context_case(server, tmp, count)
            rows += found
    finally:
        server.stop()
    return rows, sizes


def expected_failures() -> dict[str, set[str]]:
    """The checks each deliberately bad input was built to fail."""
    wanted = {
        case.name: set(json.loads((case / "checklist.json").read_text()).get("expect_fail", []))
        for case in GOLDEN.iterdir()
        if case.is_dir()
    }
    # update-bad also drops the dated note, but update_task puts dated notes back itself, so notes_kept passes.
    wanted.update({"update-bad": {"update_fields"}, "review-bad": {"verdict_not_approve", "names_defect"}})
    return {name: checks for name, checks in wanted.items() if checks}


def table(rows: list[Result], sizes: dict[int, dict[str, int]]) -> str:
    """The check x input table, then the largest request per command and project size against its budget."""
    inputs = list(dict.fromkeys(r.input for r in rows))
    checks = list(dict.fromkeys(r.check for r in rows))
    cell = {(r.input, r.check): "pass" if r.ok else "FAIL" for r in rows}
    width = max(len(c) for c in checks) + 2
    lines = ["".ljust(width) + " ".join(f"{i[:14]:>14}" for i in inputs)]
    lines += [check.ljust(width) + " ".join(f"{cell.get((i, check), '-'):>14}" for i in inputs) for check in checks]
    lines += ["", "largest request (B) / budget".ljust(30) + "".join(f"{f'{n} tasks':>12}" for n in sizes)]
    lines += [
        f"{tool} / {budget:,}".ljust(30) + "".join(f"{sizes[n].get(tool, 0):>12,}" for n in sizes)
        for tool, budget in BUDGETS.items()
    ]
    failed = [r for r in rows if not r.ok]
    lines += ["", "failures (bad inputs are expected to fail):"] + [
        f"  {r.input} {r.check}: {r.detail}" for r in failed
    ]
    return "\n".join(lines)
