"""Benchmark: bytes of prompt each AI command sends, on projects of 30, 150 and 300 tasks.

Run: .venv/bin/python tests/bench/bench_prompt_sizes.py   (no network: a scripted server on 127.0.0.1)

Each project is ``crash_helpers.large_project`` with realistic titles, descriptions and details (the keyword
matching of the context builders needs words to match), a small Python codebase and a git repository with one
uncommitted change (for review). Every command runs through the MCP client against the scripted provider; the
figure is the UTF-8 bytes of system prompt plus user messages of every request it made (``calls`` requests; the
largest single request in brackets), measured from what the scripted server recorded. Time is the whole tool
call, scripted model included (the model answers at once).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE.parent.parent / "server"))

from ai_helpers import ai_env, ai_project, as_json  # noqa: E402
from crash_helpers import large_project  # noqa: E402
from mcp_helpers import connected  # noqa: E402
from provider_server import CHAT, MESSAGES, ProviderServer, Reply  # noqa: E402

SIZES = (30, 150, 300)
AREAS = [
    "database schema",
    "user accounts",
    "session tokens",
    "REST API",
    "search index",
    "billing invoices",
    "email notifications",
    "admin dashboard",
    "audit log",
    "file uploads",
    "rate limiting",
    "caching layer",
    "background jobs",
    "webhooks",
    "reporting exports",
]
VERBS = ["Design", "Implement", "Test", "Harden", "Document", "Migrate", "Monitor", "Optimise"]
PRD = (
    "# Linkshelf\n\nA bookmark manager in Python 3.12 with FastAPI and SQLite.\n\n## Features\n\n"
    "- Save, tag and search bookmarks.\n- Export to HTML.\n\n## Out of scope\n\n- Mobile apps.\n"
)


def build(root: Path, server: ProviderServer, count: int) -> Path:
    """A project of ``count`` tasks with worded titles and ~600 characters of details, code, and a git repo."""
    ai_project(root, server)
    large_project(root, count, subtasks=3)
    path = root / ".taskmaster/tasks/tasks.json"
    doc = json.loads(path.read_text())
    for task in doc["master"]["tasks"]:
        n = task["id"]
        area = AREAS[n % len(AREAS)]
        task["title"] = f"{VERBS[n % len(VERBS)]} {area} part {n}"
        task["description"] = f"Deliver the {area} work of step {n}, consistent with the earlier steps."
        task["details"] = f"Build the {area} module. " * 12 + "Edge cases: empty input, retries, timeouts. " * 5
        if n <= count // 3:
            task["status"] = "done"
    path.write_text(json.dumps(doc, indent=2))
    (root / "pyproject.toml").write_text('[project]\nname = "linkshelf"\ndependencies = ["fastapi", "sqlalchemy"]\n')
    (root / "src/linkshelf").mkdir(parents=True)
    for name in ("app", "db", "search", "models"):
        (root / f"src/linkshelf/{name}.py").write_text(
            "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(40))
        )
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True, timeout=30)
    subprocess.run([*git, "add", "."], cwd=root, check=True, timeout=30)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=root, check=True, timeout=30)
    app = root / "src/linkshelf/app.py"
    app.write_text(app.read_text().replace("return x + 20\n", "return x + 21  # changed\n"))
    return root


def replies(count: int, last: int) -> dict[str, Reply]:
    subtasks = as_json(
        {
            "subtasks": [
                {
                    "id": i,
                    "title": f"Step {i} of it",
                    "description": "d",
                    "details": "x",
                    "testStrategy": "t",
                    "dependencies": [],
                }
                for i in (1, 2, 3)
            ]
        }
    )
    return {
        "parse_prd": Reply(
            text=as_json(
                {
                    "tasks": [
                        {
                            "id": i,
                            "title": f"New work {i}",
                            "description": "d",
                            "details": "x",
                            "testStrategy": "t",
                            "priority": "medium",
                            "dependencies": [],
                        }
                        for i in range(1, count + 1)
                    ]
                }
            )
        ),
        "expand_task": Reply(text=subtasks),
        "add_task": Reply(
            text=as_json(
                {
                    "title": "Search by tag",
                    "description": "d",
                    "details": "x",
                    "testStrategy": "t",
                    "priority": "medium",
                    "dependencies": [],
                }
            )
        ),
        "update_task": Reply(
            text=as_json(
                {
                    "title": "Revised step",
                    "description": "d",
                    "details": "x",
                    "testStrategy": "t",
                    "priority": None,
                    "subtasks": [],
                }
            )
        ),
        "update": Reply(
            text=as_json(
                {
                    "tasks": [
                        {
                            "id": last,
                            "title": "Revised step",
                            "description": "d",
                            "details": "x",
                            "testStrategy": "t",
                            "priority": None,
                            "subtasks": [],
                        }
                    ]
                }
            )
        ),
        "analyze_project_complexity": Reply(text=as_json({"tasks": []})),
        "review": Reply(text=as_json({"verdict": "approve", "score": 90, "summary": "fine"})),
    }


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("parse_prd", "parse_prd", {"prd": PRD, "append": True, "numTasks": 5}),
    ("expand_task", "expand_task", {"id": "{mid}"}),
    ("add_task", "add_task", {"prompt": "Add search by tag to the REST API, reusing the search index"}),
    ("update_task", "update_task", {"id": "{mid}", "prompt": "Use PostgreSQL instead of SQLite"}),
    ("update", "update", {"from": "{late}", "prompt": "Use PostgreSQL instead of SQLite"}),
    ("analyze_project_complexity", "analyze_project_complexity", {}),
    ("research", "research", {"query": "Best way to do full-text search in SQLite?"}),
    ("review", "review", {"id": "{mid}"}),
]


def prompt_bytes(body: dict[str, Any]) -> int:
    system = body.get("system") or ""
    text = system if isinstance(system, str) else "".join(b.get("text", "") for b in system)
    for message in body.get("messages", []):
        content = message.get("content")
        text += content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
    return len(text.encode("utf-8"))


async def measure(count: int) -> dict[str, tuple[int, int, int, float]]:
    server = ProviderServer().start()
    out: dict[str, tuple[int, int, int, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = build(Path(tmp) / "p", server, count)
            mid, late = count * 2 // 3, count - 4
            scripted = replies(5, late)
            server.defaults[CHAT] = Reply(text="- Use FTS5.")
            async with connected(root, env=ai_env(Path(tmp))) as client:
                for label, tool, args in CALLS:
                    server.reset()
                    server.defaults[CHAT] = Reply(text="- Use FTS5.")
                    if label in scripted:
                        server.defaults[MESSAGES] = scripted[label]
                    arguments = {k: v.format(mid=mid, late=late) if isinstance(v, str) else v for k, v in args.items()}
                    started = time.perf_counter()
                    result = await client.call_tool(tool, arguments)
                    elapsed = (time.perf_counter() - started) * 1000
                    if result.is_error:
                        print(f"  {label}: error {getattr(result.content[0], 'text', '')[:200]}")
                    sizes = [
                        prompt_bytes(r.body) for r in server.seen() if isinstance(r.body, dict) and r.method == "POST"
                    ]
                    out[label] = (sum(sizes), max(sizes, default=0), len(sizes), elapsed)
    finally:
        server.stop()
    return out


def main() -> None:
    results = {n: asyncio.run(measure(n)) for n in SIZES}
    print("prompt bytes (system + user messages) per command; calls; largest single request")
    print(f"{'command':<28}" + "".join(f"{f'{n} tasks':>30}" for n in SIZES))
    for label, _, _ in CALLS:
        cells = [f"{results[n][label][0]:,} B, {results[n][label][2]}x, max {results[n][label][1]:,}" for n in SIZES]
        print(f"{label:<28}" + "".join(f"{cell:>30}" for cell in cells))
    print("\ntool call time, ms (scripted model answering at once):")
    for label, _, _ in CALLS:
        print(f"{label:<28}" + "".join(f"{results[n][label][3]:>30.0f}" for n in SIZES))


if __name__ == "__main__":
    main()
