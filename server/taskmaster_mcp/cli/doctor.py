"""``taskmaster-mcp doctor``: start the server exactly as an editor would and say whether this project is ready.

It checks every editor config that launches us (it parses, its command exists), the project root the server would
pick, config.json and the API keys of each role (set or missing and from where; never the value), then spawns the
console script over stdio with the SDK's client, lists the tools and reads the project through them. ``--ping``
also calls each configured model once. Every problem comes with the exact fix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.setup.editors import server_command
from taskmaster_mcp.store.config import ROLES, load_config, resolve_key
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.roots import find_upwards


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


async def _probe_server(report: Report, root: Path, environ: Mapping[str, str]) -> None:
    from mcp import Client, StdioServerParameters

    command, args = server_command()
    report.add("command", True, " ".join([command, *args]))
    env = {k: v for k, v in environ.items() if k.endswith("_API_KEY") or k.startswith("TASK_MASTER")}
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


def _check_project(report: Report, start: Path, environ: Mapping[str, str]) -> Path | None:
    env_root = environ.get("TASK_MASTER_PROJECT_ROOT")
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
        key = resolve_key(rc.provider, environ, paths)
        where = {"env": "from the environment", ".env": "from .env", "not-needed": "no key needed",
                 "missing": "MISSING"}[key.source]
        report.add(f"role {role}", key.present, f"{rc.provider}/{rc.model_id}: {key.variable or 'key'} {where}",
                   f"Set {key.variable} in the env block of your editor's MCP config, or in {root / '.env'}.")
    return root


def _command_problem(command: str, args: list[str]) -> tuple[str | None, str]:
    """Why an editor could not start this command (None when it can), and what it resolves to."""
    if not command:
        return "no command", ""
    path = Path(command).expanduser()
    resolved = str(path) if path.is_absolute() else shutil.which(command)
    if resolved is None or not Path(resolved).is_file():
        return f"{command} does not exist", resolved or command
    if not os.access(resolved, os.X_OK):
        return f"{resolved} is not executable", resolved
    if "-m" in args and "taskmaster_mcp" in args:
        probe = subprocess.run([resolved, "-c", "import taskmaster_mcp"], capture_output=True, timeout=60)
        if probe.returncode != 0:
            return f"{resolved} cannot import taskmaster_mcp (a different Python?)", resolved
    if not path.is_absolute():
        return None, f"{resolved} (found on this shell's PATH; an app started from the dock may not find it)"
    return None, resolved


def _check_editors(report: Report, root: Path, environ: Mapping[str, str]) -> None:
    from taskmaster_mcp.setup import editors as ed

    home = ed.home_dir(environ)
    command, args = server_command()
    found = 0
    for name in ed.EDITORS:
        path = ed.config_path(name, root, home)
        if not path.is_file():
            continue
        label = f"editor {name}"
        try:
            document, _ = ed.parse_jsonc(path.read_text(encoding="utf-8"), path)
        except (ed.EditorConfigError, OSError) as exc:
            report.add(label, False, str(exc), f"Fix {path} by hand, then run `taskmaster-mcp init --editor {name}`.")
            continue
        ours = {n: e for n, e in ed.server_entries(document, name).items() if ed.points_at_us(e)}
        for entry_name, entry in ours.items():
            found += 1
            problem, resolved = _command_problem(*ed.entry_command(entry))
            detail = f"{path} [{entry_name}] -> {resolved}"
            report.add(label, problem is None, detail if problem is None else f"{detail}: {problem}",
                       f"Set \"command\" to {json.dumps(command)}" + (f" with args {json.dumps(args)}" if args else "")
                       + f" in {path}, or run `taskmaster-mcp init --editor {name}` to do it (with a backup).")
            if name == "claude-desktop" and problem is None:
                report.add(f"{label} restart", True, "after any change, quit Claude Desktop fully (not just the "
                           "window) and start it again")
    if not found:
        report.add("editors", True, "no editor config here launches taskmaster-mcp yet; add one with "
                   "`taskmaster-mcp init --editor cursor` (or windsurf, claude-desktop, vscode, claude-code, zed)")


async def _ping(report: Report, root: Path, environ: Mapping[str, str]) -> None:
    from taskmaster_mcp.models.router import ModelRouter

    router = ModelRouter(Paths(root), environ)
    try:
        results = await router.test_roles()
    finally:
        await router.aclose()
    for result in results:
        report.add(f"ping {result.role}", result.ok,
                   f"{result.provider}/{result.model}: " + (f"answered in {result.latency_ms} ms" if result.ok
                                                            else str(result.error)),
                   "Check the key, the model id (`taskmaster-mcp models --list`) and baseURL; `taskmaster-mcp "
                   "models --set-" + result.role + " MODEL` changes it.")


async def run_doctor(start: Path, *, as_json: bool = False, ping: bool = False,
                     env: Mapping[str, str] | None = None) -> int:
    """Run every check, print the report, and return 0 when everything is ready, else 1."""
    environ = dict(os.environ if env is None else env)
    report = Report()
    root = _check_project(report, start.resolve(), environ)
    _check_editors(report, root or start.resolve(), environ)
    if ping and root is not None:
        await _ping(report, root, environ)
    await _probe_server(report, root or start.resolve(), environ)
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
