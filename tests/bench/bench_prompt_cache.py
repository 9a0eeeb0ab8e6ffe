"""Billed input tokens of expand_all over 20 tasks on an Anthropic model, with prompt caching against without.

Measured through the real server over stdio (tests/bench/rpc.py) against the scripted provider server, which bills
Messages requests as Anthropic does (``ProviderServer.prompt_cache``; ~4 characters a token, the same rule for both
runs): the text up to the block marked ``cache_control`` (system prompt, project code, the user's instructions) is
written to the cache by the first request and read by the later ones.

- billed input tokens = input + 0.1 x cache reads + 1.25 x cache writes (Anthropic's multipliers);
- baseline: the same expand_all on an identical project with the server not caching (every token billed as input).

Both runs expand the same 20 tasks (with descriptions, details and dependencies, so each prompt carries its
neighbours' briefs), with the response cache off. How much of each prompt is shared depends on the project's code,
so two projects are measured: a small one (a short pyproject.toml, 32 source files) and a medium one (a web shop with
a TypeScript front end: package.json and pyproject.toml, a tree past the prompt's 120-entry cap), on Sonnet 4.5
(1,024-token minimum) and Haiku 4.5 (4,096). The server applies Anthropic's real rules (``cache_rules``): nothing is
cached under the model's minimum prefix, and a write lands only when its answer is sent (answers take 0.5 s), so
every request of the first concurrent wave pays a write. Target: cached <= 0.5x the baseline on Sonnet 4.5.

Run: .venv/bin/python tests/bench/bench_prompt_cache.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))

from provider_server import MESSAGES, ProviderServer, Reply, request_tokens, write_config  # noqa: E402
from rpc import Session, server_command  # noqa: E402

TASKS = 20
SUBTASKS = json.dumps(
    {
        "subtasks": [
            {
                "id": n,
                "title": f"Step number {n}",
                "description": f"Step {n}.",
                "details": "Do it.",
                "testStrategy": "Test.",
                "dependencies": [n - 1] if n > 1 else [],
            }
            for n in range(1, 5)
        ]
    }
)
PACKAGES = {
    "shop/api": ["app", "routes_cart", "routes_orders", "routes_products", "routes_users", "deps", "errors"],
    "shop/domain": ["cart", "order", "product", "user", "pricing", "inventory", "events"],
    "shop/store": ["db", "migrations", "cart_repo", "order_repo", "product_repo", "user_repo"],
    "shop/payments": ["stripe_client", "webhooks", "refunds", "ledger"],
    "shop/notify": ["email", "templates", "queue"],
    "tests": ["test_cart", "test_orders", "test_pricing", "test_payments", "conftest"],
}
AREAS = [
    "checkout",
    "cart",
    "catalogue search",
    "user accounts",
    "payments",
    "refunds",
    "inventory sync",
    "order history",
    "email receipts",
    "admin dashboard",
]


KINDS = ("Page", "List", "Form", "Hooks", "Api", "Store")
FRONTEND = {
    f"web/src/{area}": [f"{area.title()}{kind}.tsx" for kind in KINDS]
    for area in ("cart", "checkout", "catalogue", "account", "orders", "admin", "search", "shared")
}
PACKAGE_JSON = json.dumps(
    {
        "name": "shop-web",
        "private": True,
        "type": "module",
        "scripts": {"dev": "vite", "build": "tsc -b && vite build", "test": "vitest run", "lint": "eslint ."},
        "dependencies": {
            "react": "^18.3.1",
            "react-dom": "^18.3.1",
            "react-router-dom": "^6.26.0",
            "@tanstack/react-query": "^5.51.0",
            "zustand": "^4.5.4",
            "zod": "^3.23.8",
            "@stripe/stripe-js": "^4.1.0",
            "clsx": "^2.1.1",
            "date-fns": "^3.6.0",
        },
        "devDependencies": {
            "typescript": "^5.5.4",
            "vite": "^5.4.0",
            "vitest": "^2.0.5",
            "eslint": "^9.8.0",
            "@testing-library/react": "^16.0.0",
            "@vitejs/plugin-react": "^4.3.1",
            "msw": "^2.3.5",
            "@types/react": "^18.3.3",
            "@types/react-dom": "^18.3.0",
            "prettier": "^3.3.3",
        },
    },
    indent=2,
)


MODELS = {"Sonnet 4.5": "claude-sonnet-4-5-20250929", "Haiku 4.5": "claude-haiku-4-5-20251001"}
DELAY = 0.5  # seconds per answer: requests sent together before the first write lands each pay the write


def make_project(root: Path, server: ProviderServer, medium: bool, model: str = MODELS["Sonnet 4.5"]) -> None:
    tasks: list[dict[str, Any]] = []
    for n in range(1, TASKS + 1):
        area = AREAS[n % len(AREAS)]
        tasks.append(
            {
                "id": n,
                "title": f"Implement {area} step {n}",
                "description": f"Deliver the {area} behaviour planned for milestone {n // 5 + 1}, end to end.",
                "details": (
                    f"Touch the {area} module and its repository. Validate input at the API boundary, keep the "
                    "domain free of I/O, add the migration if the schema changes, and emit a domain event so "
                    "notifications can follow. Handle concurrent updates with optimistic locking."
                ),
                "testStrategy": "Unit tests for the domain rules, an API test for the happy path and one failure.",
                "status": "pending",
                "dependencies": [n - 1] if n > 1 and n % 4 else [],
                "priority": "medium",
                "subtasks": [],
            }
        )
    (root / ".taskmaster" / "tasks").mkdir(parents=True)
    (root / ".taskmaster" / "tasks" / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.4.0"\nrequires-python = ">=3.12"\ndependencies = [\n'
        '  "fastapi>=0.115", "uvicorn[standard]>=0.30", "sqlalchemy>=2.0", "alembic>=1.13", "pydantic>=2.8",\n'
        '  "stripe>=10.0", "jinja2>=3.1", "redis>=5.0", "httpx>=0.27",\n]\n\n[project.optional-dependencies]\n'
        'dev = ["pytest>=8", "pytest-asyncio>=0.23", "ruff>=0.6", "mypy>=1.11"]\n\n[tool.ruff]\nline-length = 100\n'
    )
    for package, modules in PACKAGES.items():
        (root / package).mkdir(parents=True)
        for module in modules:
            (root / package / f"{module}.py").write_text(f'"""{module}."""\n')
    if medium:
        (root / "package.json").write_text(PACKAGE_JSON)
        for folder, files in FRONTEND.items():
            (root / folder).mkdir(parents=True)
            for file in files:
                (root / folder / file).write_text("export {};\n")
    write_config(
        root,
        {
            "main": {
                "provider": "anthropic",
                "modelId": model,
                "maxTokens": 4000,
                "baseURL": server.url,
            }
        },
        {"cache": {"enabled": False}},
    )


def expand_all(server: ProviderServer, tmp: Path, name: str, medium: bool, model: str) -> list[Any]:
    """Run expand_all on a fresh copy of the project; return the Messages requests it made."""
    project = tmp / name
    make_project(project, server, medium, model)
    env = {
        "ANTHROPIC_API_KEY": "sk-bench",
        "TASKMASTER_MCP_DATA_DIR": str(tmp / f"data-{name}"),
        "TASKMASTER_MCP_CACHE_DIR": str(tmp / f"cache-{name}"),
    }
    before = len(server.seen(MESSAGES))
    session = Session(server_command(), project, env)
    try:
        session.initialize()
        result = session.call("expand_all", {}).get("structuredContent") or {}
    finally:
        session.close()
    assert len(result.get("expanded") or []) == TASKS, result
    return server.seen(MESSAGES)[before:]


def measure(server: ProviderServer, tmp: Path, size: str, label: str) -> None:
    medium, model = size == "medium", MODELS[label]
    server.prompt_cache = False
    plain = expand_all(server, tmp, f"{size}-{label[:5]}-without", medium, model)
    server.prompt_cache = True
    cached = expand_all(server, tmp, f"{size}-{label[:5]}-with", medium, model)
    baseline = sum(request_tokens(r.body) for r in plain)
    bills = [r.billed for r in cached if r.billed is not None]
    assert len(bills) == len(cached) == TASKS
    fresh, reads, writes = (sum(b[i] for b in bills) for i in range(3))
    billed = fresh + 0.1 * reads + 1.25 * writes
    sent = sum(len(json.dumps(r.body)) for r in cached)
    print(f"  {label}, {size} project: request bytes sent {sent:,}, {len(writes_of(cached))} requests wrote the cache")
    print(f"    without prompt caching : {baseline:7,} tokens")
    print(
        f"    with prompt caching    : {billed:7,.0f} tokens  (input {fresh:,} + 0.1 x {reads:,} read + 1.25 x "
        f"{writes:,} written)"
    )
    print(f"    ratio                  : {billed / baseline:.2f}x   (target <= 0.5x on Sonnet 4.5)")


def writes_of(requests: list[Any]) -> list[Any]:
    return [r for r in requests if r.billed is not None and r.billed[2]]


def main() -> None:
    server = ProviderServer().start()
    server.defaults[MESSAGES] = Reply(text=SUBTASKS, delay=DELAY)
    server.cache_rules = True  # nothing cached under the model's minimum; the first concurrent wave pays every write
    print(f"expand_all of {TASKS} tasks on anthropic, billed input tokens (~4 characters a token), real cache rules")
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            for label in MODELS:
                for size in ("small", "medium"):
                    measure(server, Path(tmp_name), size, label)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
