"""``taskmaster-mcp doctor``: start the server exactly as an editor would and say whether this project is ready.

It checks every editor config that launches us (it parses, its command exists), the project root the server would
pick, config.json and the API keys of each role (set or missing and from where; never the value), then spawns the
console script over stdio with the SDK's client, lists the tools and reads the project through them. ``--ping``
also calls each configured model once. Every problem comes with the exact fix.

Warnings do not make the project "not ready": a missing AI key (every task tool works without one), a Task Master
``task-master-ai`` entry still configured next to ours (the agent would see both tool sets), and a Claude Desktop
entry that serves another project than this one.
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
from typing import Any, cast

from taskmaster_mcp.cli.sanitize import visible
from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.models.credentials import credential_status
from taskmaster_mcp.setup.editors import server_command
from taskmaster_mcp.store.config import ROLES, Config, load_config
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.roots import find_upwards


@dataclass
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    warning: bool = False


@dataclass
class Report:
    """Every check, in order."""

    checks: list[Check] = field(default_factory=lambda: [])

    def add(self, name: str, ok: bool, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(name, ok, detail, None if ok else fix))

    def warn(self, name: str, detail: str, fix: str) -> None:
        """A problem worth fixing that does not stop the server from working."""
        self.checks.append(Check(name, True, detail, fix, warning=True))

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
                report.add(
                    "read tasks",
                    True,
                    f"tag '{data.get('tag')}': {stats.get('tasks', 0)} tasks, {stats.get('percentDone', 0)}% done",
                )
    except Exception as exc:  # any failure to start is exactly what doctor must report
        report.add(
            "server starts",
            False,
            f"{type(exc).__name__}: {exc}",
            "Reinstall with `pip install taskmaster-mcp` and run `taskmaster-mcp` by hand to see the error.",
        )


def _check_project(report: Report, start: Path, environ: Mapping[str, str]) -> Path | None:
    env_root = environ.get("TASK_MASTER_PROJECT_ROOT")
    root = Path(env_root).resolve() if env_root else find_upwards(start)
    if root is None:
        report.add(
            "project",
            False,
            f"no .taskmaster/ in {start} or any parent",
            "Run `taskmaster-mcp init` in your project folder (or `taskmaster-mcp -C DIR init`).",
        )
        return None
    report.add("project", True, str(root))
    paths = Paths(root)
    try:
        config = load_config(paths)
    except TaskmasterError as exc:
        report.add("config.json", False, str(exc), "Fix config.json (or delete it to use the defaults).")
        return root
    report.add("config.json", True, str(config.source.relative_to(root)) if config.source else "absent: defaults")
    for role in config.role_names():  # Task Master's roles, then the extra roles (taskmasterMcp.roles)
        try:
            rc = config.role(role)
        except TaskmasterError as exc:
            report.add(f"role {role}", False, str(exc), "Fix it with the `models` tool or in config.json.")
            continue
        if rc is None:
            report.add(f"role {role}", True, "not configured (optional)")
            continue
        status = credential_status(rc.provider, environ, paths, config.raw)
        detail = f"{rc.provider}/{rc.model_id}: {status.text}"
        if status.ready:
            report.add(f"role {role}", True, detail)
        elif status.ready is None:  # signed in somewhere we cannot look (a keychain, an instance role)
            report.warn(
                f"role {role}",
                detail + " (not verifiable here; `doctor --ping` calls the model)",
                status.fix or "Run `taskmaster-mcp doctor --ping` to check it with one call.",
            )
        else:  # only the AI tools need credentials
            report.warn(
                f"role {role}",
                detail + " (task tools work; AI tools need it)",
                status.fix or f"Set the key in your editor's MCP env block, or in {root / '.env'}.",
            )
    _check_routing(report, config)
    return root


def _check_routing(report: Report, config: Config) -> None:
    """The routing policy as every AI call will read it (an invalid one refuses every AI call)."""
    from taskmaster_mcp.models.routing.rules import policy_of
    from taskmaster_mcp.store.settings import settings_from_config

    try:
        policy = policy_of(config, settings_from_config(config))
    except TaskmasterError as exc:
        report.add(
            "routing",
            False,
            str(exc),
            "Fix taskmasterMcp in config.json; docs/models-and-routing.md (Routing) has "
            "examples. `taskmaster-mcp route` shows the result.",
        )
        return
    escalation = "on" if policy.escalation is not None else "off"
    report.add(
        "routing",
        True,
        f"{len(policy.rules)} rule(s), escalation {escalation}; `taskmaster-mcp route` shows where each task goes",
    )
    _check_spending(report, config)


def _check_spending(report: Report, config: Config) -> None:
    """Budgets, prices and the response cache, which every AI call reads too (a bad value refuses them all)."""
    from taskmaster_mcp.store.settings import cache_settings, cost_controls

    try:
        controls, cache = cost_controls(config), cache_settings(config)
    except TaskmasterError as exc:
        report.add(
            "budgets and cache",
            False,
            str(exc),
            "Fix that key under taskmasterMcp in config.json, or "
            "delete it for the default; AI commands refuse to run until it is valid.",
        )
        return
    caps = len(controls.per_command)
    report.add(
        "budgets and cache",
        True,
        f"{caps} per-command cap(s), {len(controls.prices)} price(s); response "
        f"cache {'on' if cache.enabled else 'off'}",
    )


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
            document, _ = ed.parse_config(name, path.read_text(encoding="utf-8"), path)
        except (ed.EditorConfigError, OSError) as exc:
            report.add(label, False, str(exc), f"Fix {path} by hand, then run `taskmaster-mcp init --editor {name}`.")
            continue
        entries = ed.server_entries(document, name)
        ours = {n: e for n, e in entries.items() if ed.points_at_us(e)}
        for entry_name, entry in ours.items():
            found += 1
            problem, resolved = _command_problem(*ed.entry_command(entry))
            detail = f"{path} [{entry_name}] -> {resolved}"
            report.add(
                label,
                problem is None,
                detail if problem is None else f"{detail}: {problem}",
                f'Set "command" to {json.dumps(command)}'
                + (f" with args {json.dumps(args)}" if args else "")
                + f" in {path}, or run `taskmaster-mcp init --editor {name}` to do it (with a backup).",
            )
            if name == "claude-desktop":
                _check_desktop_project(report, label, path, entry_name, entry, root)
        if ours:
            _check_task_master_entries(report, label, path, name, entries)
    if not found:
        report.add(
            "editors",
            True,
            "no editor config here launches taskmaster-mcp yet; add one with "
            f"`taskmaster-mcp init --editor NAME` ({', '.join(ed.EDITORS)})",
        )


def _check_task_master_entries(
    report: Report, label: str, path: Path, editor: str, entries: Mapping[str, Mapping[str, Any]]
) -> None:
    """Migration: Task Master's own entry left next to ours gives the agent two servers with the same tool names."""
    from taskmaster_mcp.setup import editors as ed

    for old in (n for n, e in entries.items() if ed.is_task_master(n, e)):
        section = ed.CLIENTS[editor].section
        report.warn(
            f"{label} migration",
            f"{path} has both '{old}' (Task Master) and taskmaster-mcp under "
            f"'{section}': the agent sees two servers with the same tool names",
            f'Delete the "{old}" entry from "{section}" in {path} (its env keys, if you still need '
            "them, go in our entry's env block), then restart the editor. Your .taskmaster/ files stay as "
            "they are.",
        )


def _check_desktop_project(
    report: Report, label: str, path: Path, entry_name: str, entry: Mapping[str, Any], root: Path
) -> None:
    """Claude Desktop has no workspace: its entry names one project, which may not be this one."""
    env: object = entry.get("env")
    served = cast("dict[str, object]", env).get("TASK_MASTER_PROJECT_ROOT") if isinstance(env, dict) else None
    if isinstance(served, str) and served and Path(served).expanduser().resolve() != root:
        report.warn(
            f"{label} project",
            f"{path} [{entry_name}] serves {served}, not {root}",
            "Claude Desktop then works on the other project unless the agent passes projectRoot. Run "
            "`taskmaster-mcp init --editor claude-desktop` here to switch it to this project, or copy the "
            f'entry under another name (e.g. "taskmaster-{root.name}") with TASK_MASTER_PROJECT_ROOT '
            f"set to {root} to keep both; quit Claude Desktop fully and start it again.",
        )
    else:
        report.add(
            f"{label} restart",
            True,
            "after any change, quit Claude Desktop fully (not just the window) and start it again",
        )


async def _ping(report: Report, root: Path, environ: Mapping[str, str]) -> None:
    from taskmaster_mcp.models.router import ModelRouter

    router = ModelRouter(Paths(root), environ)
    try:
        results = await router.test_roles()
    finally:
        await router.aclose()
    for result in results:
        report.add(
            f"ping {result.role}",
            result.ok,
            f"{result.provider}/{result.model}: "
            + (f"answered in {result.latency_ms} ms" if result.ok else str(result.error)),
            "Check the key, the model id (`taskmaster-mcp models --list`) and baseURL; `taskmaster-mcp "
            "models "
            + (f"--set-{result.role}" if result.role in ROLES else f"--set-role {result.role}")
            + " MODEL` changes it.",
        )


def _check_merge_driver(report: Report, root: Path) -> None:
    from taskmaster_mcp.setup.skeleton import merge_driver_status

    try:
        status = merge_driver_status(root)
    except TaskmasterError:
        return  # git is not installed: nothing merges tasks.json
    if status is None:
        return
    ok, detail = status
    if ok:
        report.add("git merge driver", True, detail)
    else:
        report.warn(
            "git merge driver",
            detail,
            "run `taskmaster-mcp init` in the project: it registers the driver "
            "(.gitattributes and the repository's git config), so branches merge tasks.json by task id",
        )


async def run_doctor(
    start: Path, *, as_json: bool = False, ping: bool = False, env: Mapping[str, str] | None = None
) -> int:
    """Run every check, print the report, and return 0 when everything is ready (warnings allowed), else 1."""
    environ = dict(os.environ if env is None else env)
    report = Report()
    root = _check_project(report, start.resolve(), environ)
    _check_editors(report, root or start.resolve(), environ)
    if root is not None:
        _check_merge_driver(report, root)
    if ping and root is not None:
        await _ping(report, root, environ)
    await _probe_server(report, root or start.resolve(), environ)
    if as_json:
        print(json.dumps({"ok": report.ok, "checks": [c.__dict__ for c in report.checks]}))
    else:
        for check in report.checks:
            mark = "warn" if check.warning else "ok " if check.ok else "FAIL"
            print(visible(f"[{mark}] {check.name}: {check.detail}"))  # details quote config files and model errors
            if check.fix:
                print(visible(f"       fix: {check.fix}"))
        warned = any(c.warning for c in report.checks)
        print(
            ("Ready (see the warn lines above)." if warned else "Ready.")
            if report.ok
            else "Not ready: fix the FAIL lines above, then run doctor again."
        )
    return 0 if report.ok else 1
