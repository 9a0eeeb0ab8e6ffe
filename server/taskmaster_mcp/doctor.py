"""``taskmaster-mcp doctor``: start the server exactly as an editor would and say whether this project is ready.

It resolves the console script the way an editor's config names it, spawns it over stdio with the SDK's client,
lists the tools, reads the project through them, and checks config.json and the API keys of each role (set or
missing and from where; never the value). Every problem comes with the fix.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ROLES, load_config, resolve_key
from .errors import TaskmasterError
from .project import Paths, find_upwards


@dataclass
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass
class Report:
    """Every check, in order."""

    checks: list[Check] = field(default_factory=lambda: [])

    def add(self, name: str, ok: bool, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(name, ok, detail, None if ok else fix))

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def server_command() -> tuple[str, list[str]]:
    """The command an editor config should use: the installed script, else this interpreter with ``-m``."""
    script = shutil.which("taskmaster-mcp")
    if script:
        return script, []
    return sys.executable, ["-m", "taskmaster_mcp"]


async def _probe_server(report: Report, root: Path) -> None:
    from mcp import Client, StdioServerParameters

    command, args = server_command()
    report.add("command", True, " ".join([command, *args]))
    env = {k: v for k, v in os.environ.items() if k.endswith("_API_KEY") or k.startswith("TASK_MASTER")}
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(root))
    started = time.perf_counter()
    try:
        async with Client(params, read_timeout_seconds=20) as client:
            tools = await client.list_tools()
            ready = time.perf_counter() - started
            report.add("server starts", True, f"{len(tools.tools)} tools listed in {ready:.2f} s")
            result = await client.call_tool("get_tasks", {"projectRoot": str(root), "limit": 1})
            text = getattr(result.content[0], "text", "") if result.content else ""
            if result.is_error:
                report.add("read tasks", False, str(text), "Fix the file named above, or run `taskmaster-mcp init`.")
            else:
                data: dict[str, Any] = result.structured_content or {}
                stats = data.get("stats", {})
                report.add("read tasks", True, f"tag '{data.get('tag')}': {stats.get('tasks', 0)} tasks, "
                           f"{stats.get('percentDone', 0)}% done")
    except Exception as exc:  # any failure to start is exactly what doctor must report
        report.add("server starts", False, f"{type(exc).__name__}: {exc}",
                   "Reinstall with `pip install taskmaster-mcp` and run `taskmaster-mcp` by hand to see the error.")


def _check_project(report: Report, start: Path) -> Path | None:
    env_root = os.environ.get("TASK_MASTER_PROJECT_ROOT")
    root = Path(env_root).resolve() if env_root else find_upwards(start)
    if root is None:
        report.add("project", False, f"no .taskmaster/ in {start} or any parent",
                   "Run `taskmaster-mcp init` in your project folder (or `taskmaster-mcp -C DIR init`).")
        return None
    report.add("project", True, str(root))
    paths = Paths(root)
    try:
        config = load_config(paths)
    except TaskmasterError as exc:
        report.add("config.json", False, str(exc), "Fix config.json (or delete it to use the defaults).")
        return root
    report.add("config.json", True, str(config.source.relative_to(root)) if config.source else "absent: defaults")
    for role in ROLES:
        try:
            rc = config.role(role)
        except TaskmasterError as exc:
            report.add(f"role {role}", False, str(exc), "Fix it with the `models` tool or in config.json.")
            continue
        if rc is None:
            report.add(f"role {role}", True, "not configured (optional)")
            continue
        key = resolve_key(rc.provider, os.environ, paths)
        where = {"env": "from the environment", ".env": "from .env", "not-needed": "no key needed",
                 "missing": "MISSING"}[key.source]
        report.add(f"role {role}", key.present, f"{rc.provider}/{rc.model_id}: {key.variable or 'key'} {where}",
                   f"Set {key.variable} in the env block of your editor's MCP config, or in {root / '.env'}.")
    return root


async def run_doctor(start: Path, *, as_json: bool = False) -> int:
    """Run every check, print the report, and return 0 when everything is ready, else 1."""
    report = Report()
    root = _check_project(report, start.resolve())
    await _probe_server(report, root or start.resolve())
    if as_json:
        print(json.dumps({"ok": report.ok, "checks": [c.__dict__ for c in report.checks]}))
    else:
        for check in report.checks:
            mark = "ok " if check.ok else "FAIL"
            print(f"[{mark}] {check.name}: {check.detail}")
            if check.fix:
                print(f"       fix: {check.fix}")
        print("Ready." if report.ok else "Not ready: fix the FAIL lines above, then run doctor again.")
    return 0 if report.ok else 1
