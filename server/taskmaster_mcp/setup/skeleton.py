"""Create a project's ``.taskmaster/`` skeleton. Shared by ``taskmaster-mcp init`` and the initialize_project tool.

Existing files are never overwritten: a re-run only adds what is missing, so it is safe on a Task Master project.
With editors (Task Master's rule profiles), it also merges our server entry into each editor's MCP config
(:mod:`taskmaster_mcp.setup.editors`, which backs the original up and never drops another server) and writes the
agent rules (:mod:`taskmaster_mcp.setup.rules`); :func:`remove_editors` takes both out again. Task Master's
``storeTasksInGit`` and ``initGit`` choices are honoured the way it does (:func:`initialize`, :func:`init_git`).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskmaster_mcp.errors import InvalidInput, TaskmasterError
from taskmaster_mcp.models.registry import key_variables
from taskmaster_mcp.store import git
from taskmaster_mcp.store.config import default_config_document
from taskmaster_mcp.store.files import dumps, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.tasks.document import DEFAULT_TAG, now_iso

PRD_TEMPLATE = """# Product Requirements: <project name>

## Overview
What the product is, who it is for, and the problem it solves.

## Core features
1. **Feature**: what it does and why it matters.

## Technical requirements
Languages, frameworks, data stores, deployment.

## Logical dependency chain
What must exist first, and what builds on it.

## Out of scope
What this version will not do.

## Acceptance
How we will know it is done.
"""

# Every artifact we create that must not be committed: secrets, our lock, temp files a killed write can leave
# (".tasks.json.ab12cd34.tmp"), Task Master's lock (shared with it), and the backups `init --editor` makes of
# editor configs ("mcp.json.bak-20261129-101500").
GITIGNORE_LINES = [
    ".env",
    ".taskmaster/.taskmaster-mcp.lock",
    ".taskmaster/**/.*.tmp",
    ".taskmaster/**/*.lock",
    "*.bak-[0-9]*",
]
# Task Master's storeTasksInGit: a "# Task files" section whose lines are live (tasks kept out of git) or commented
# out (tasks committed). Task Master writes the bare patterns "tasks.json" and "tasks/", which also hide every other
# folder named tasks/ in the repository; we write the one folder it means, and recognise its lines when we replace
# the section.
TASK_FILES_HEADER = "# Task files"
TASK_FILES_LINES = (".taskmaster/tasks/",)
_TASK_LINES = {"tasks.json", "tasks/", ".taskmaster/tasks/"}
# The git merge driver for tasks.json (`taskmaster-mcp merge-driver`), registered by init in a git work tree.
MERGE_DRIVER = "taskmaster-tasks"
GITATTRIBUTES_LINE = f".taskmaster/tasks/tasks.json merge={MERGE_DRIVER}"


@dataclass
class InitResult:
    """What an init run created and what it found already there."""

    created: list[str] = field(default_factory=lambda: [])
    kept: list[str] = field(default_factory=lambda: [])
    editors: list[dict[str, Any]] = field(default_factory=lambda: [])


def _write_new(paths: Paths, target: Path, text: str, result: InitResult) -> None:
    rel = str(target.relative_to(paths.root))
    if target.exists():
        result.kept.append(rel)
        return
    write_atomic(target, text)
    result.created.append(rel)


def env_example() -> str:
    """The ``.env.example`` text: one line per provider key variable."""
    lines = ["# API keys for taskmaster-mcp. Copy to .env (never commit .env) or put them in your editor's MCP env."]
    lines += [f"{var}=" for var in key_variables()]
    return "\n".join(lines) + "\n"


def initialize(root: Path, project_name: str | None = None, *, store_tasks_in_git: bool | None = None) -> InitResult:
    """Create the skeleton under ``root``; return what was created and what was kept.

    ``store_tasks_in_git`` False adds Task Master's "# Task files" section to .gitignore so tasks stay out of git;
    True comments that section out again; None leaves it as it is.
    """
    paths = Paths(root)
    result = InitResult()
    name = project_name or root.name
    with project_lock(paths.taskmaster):
        for directory in (paths.tasks_dir, paths.docs_dir, paths.reports_dir, paths.taskmaster / "templates"):
            directory.mkdir(parents=True, exist_ok=True)
        _write_new(paths, paths.config_file, dumps(default_config_document(name)) + "\n", result)
        state: dict[str, Any] = {
            "currentTag": DEFAULT_TAG,
            "lastSwitched": now_iso(),
            "branchTagMapping": {},
            "migrationNoticeShown": True,
        }
        _write_new(paths, paths.state_file, dumps(state) + "\n", result)
        if not paths.tasks_file.exists() and paths.legacy_tasks_file.exists():
            result.kept.append(str(paths.legacy_tasks_file.relative_to(root)))
        else:
            stamp = now_iso()
            metadata = {"created": stamp, "updated": stamp, "description": "Tasks for master context"}
            empty: dict[str, Any] = {DEFAULT_TAG: {"tasks": [], "metadata": metadata}}
            _write_new(paths, paths.tasks_file, dumps(empty) + "\n", result)
        _write_new(paths, paths.taskmaster / "templates" / "example_prd.txt", PRD_TEMPLATE, result)
        _write_new(paths, paths.docs_dir / "prd.txt", PRD_TEMPLATE.replace("<project name>", name), result)
        _write_new(paths, root / ".env.example", env_example(), result)
        _ensure_gitignore(root, result, store_tasks_in_git)
        register_merge_driver(root, result)
    return result


def _without_task_section(lines: list[str]) -> list[str]:
    """``lines`` without a "# Task files" section (its header, then its task lines, live or commented)."""
    kept: list[str] = []
    inside = False
    for line in lines:
        bare = line.strip().removeprefix("#").strip()
        if line.strip() == TASK_FILES_HEADER:
            inside = True
            continue
        if inside and bare in _TASK_LINES:
            continue
        inside = False
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _ensure_gitignore(root: Path, result: InitResult, store_tasks_in_git: bool | None) -> None:
    path = root / ".gitignore"
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    present = {line.strip() for line in existing.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    text = existing if not existing or existing.endswith("\n") else existing + "\n"
    changes = [*missing]
    if missing:
        text += "# taskmaster-mcp\n" + "\n".join(missing) + "\n"
    if store_tasks_in_git is not None:
        lines = _without_task_section(text.splitlines())
        mark = "# " if store_tasks_in_git else ""
        lines += [*([""] if lines else []), TASK_FILES_HEADER, *(mark + line for line in TASK_FILES_LINES)]
        if "\n".join(lines) + "\n" != text:
            text = "\n".join(lines) + "\n"
            changes.append("tasks committed" if store_tasks_in_git else "tasks ignored: " + ", ".join(TASK_FILES_LINES))
    if text == existing:
        result.kept.append(".gitignore")
        return
    write_atomic(path, text)
    result.created.append(".gitignore (" + "; ".join(changes) + ")")


def merge_driver_command() -> str:
    """The git config value that runs our merge driver: this installation's console script, by absolute path."""
    beside = Path(sys.executable).parent / "taskmaster-mcp"
    found = str(beside) if beside.exists() else shutil.which("taskmaster-mcp")
    program = shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m taskmaster_mcp"
    return f"{program} merge-driver %O %A %B %P"


def merge_driver_status(root: Path) -> tuple[bool, str] | None:
    """Whether tasks.json merges with our driver in ``root``'s repository (None outside a git work tree)."""
    inside = git.run(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    attributes = root / ".gitattributes"
    lines = attributes.read_text(encoding="utf-8").splitlines() if attributes.is_file() else []
    driver = git.run(root, "config", "--get", f"merge.{MERGE_DRIVER}.driver").stdout.strip()
    missing = [
        what
        for what, there in (
            (f".gitattributes line `{GITATTRIBUTES_LINE}`", GITATTRIBUTES_LINE in lines),
            (f"git config merge.{MERGE_DRIVER}.driver", bool(driver)),
        )
        if not there
    ]
    if missing:
        return False, "tasks.json merges as plain text (missing: " + ", ".join(missing) + ")"
    return True, f"tasks.json merges by task id ({driver})"


def register_merge_driver(root: Path, result: InitResult) -> None:
    """Register the tasks.json merge driver when ``root`` is in a git work tree: the ``.gitattributes`` line and
    the repository's local ``merge.taskmaster-tasks`` config. Idempotent; outside git (or without git) nothing."""
    try:
        if merge_driver_status(root) is None:
            return
    except TaskmasterError:  # git is not installed: nothing to register with
        return
    attributes = root / ".gitattributes"
    existing = attributes.read_text(encoding="utf-8") if attributes.is_file() else ""
    if GITATTRIBUTES_LINE not in existing.splitlines():
        text = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(attributes, text + GITATTRIBUTES_LINE + "\n")
        result.created.append(".gitattributes (tasks.json merge driver)")
    command = merge_driver_command()
    if git.run(root, "config", "--get", f"merge.{MERGE_DRIVER}.driver").stdout.strip() != command:
        git.run(root, "config", "--local", f"merge.{MERGE_DRIVER}.name", "taskmaster-mcp tasks.json merge by task id")
        git.run(root, "config", "--local", f"merge.{MERGE_DRIVER}.driver", command)
        result.created.append(f"git config merge.{MERGE_DRIVER}.driver")


def init_git(root: Path) -> str:
    """Run ``git init`` in ``root`` unless it is already inside a work tree (as Task Master's initGit does); say
    which. Refuses (InvalidInput) when git is not installed or fails, before anything else has changed."""
    git = shutil.which("git")
    if git is None:
        raise InvalidInput("initGit: git is not installed (not on the PATH). Install git, or pass initGit=false.")
    inside = subprocess.run(
        [git, "rev-parse", "--is-inside-work-tree"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if inside.returncode == 0 and inside.stdout.strip() == "true":
        return "already a git repository"
    done = subprocess.run(
        [git, "init", "-q"], cwd=root, capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise InvalidInput(
            f"initGit: `git init` failed in {root}: {done.stderr.strip() or done.returncode}. "
            "Fix that, or pass initGit=false."
        )
    return "git repository initialized"


def role_providers(root: Path) -> list[str]:
    """The providers of the project's configured roles, extra roles included (whose keys an editor config should
    pass); an extra role that is not usable is left out rather than losing the others."""
    from taskmaster_mcp.errors import ConfigError, TaskmasterError
    from taskmaster_mcp.store.config import load_config

    try:
        config = load_config(Paths(root))
        found: list[str] = []
        for name in config.role_names():
            try:
                rc = config.role(name)
            except ConfigError:
                continue
            if rc is not None:
                found.append(rc.provider)
    except TaskmasterError:
        found = []
    return list(dict.fromkeys(found)) or ["anthropic"]


def setup_editors(
    root: Path,
    editors: Sequence[str],
    *,
    providers: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    command: tuple[str, list[str]] | None = None,
    strict: bool = False,
) -> list[dict[str, Any]]:
    """Merge our server into each editor's MCP config and write its agent rules; one report per editor.

    ``editors`` are our editor names or Task Master's rule profile names; an unknown one is refused before anything
    changes. ``providers`` chooses which API key variables go in the env block (default: those of the configured
    roles). ``command`` defaults to the installed script's absolute path (:func:`editors.server_command`).
    A config that cannot be parsed is reported with ``error`` and left untouched while the other editors still run;
    with ``strict`` it is refused (EditorConfigError) before any file changes.
    """
    from taskmaster_mcp.setup import editors as ed
    from taskmaster_mcp.setup import rules as agent_rules

    names = ed.editor_names(editors)
    base = ed.home_dir(dict(env or {}), home)
    if strict:
        for name in names:
            ed.check_config(name, root, base)
    cmd, args = command or ed.server_command()
    keys = ed.key_variables(list(providers) if providers is not None else role_providers(root))
    reports: list[dict[str, Any]] = []
    for name in names:
        report: dict[str, Any] = {"editor": name}
        try:
            merged = ed.install_editor(name, root, cmd, args, keys, base)
            report.update(config=merged.path, changed=merged.changed, backup=merged.backup, notes=merged.notes)
        except ed.EditorConfigError as exc:
            report.update(error=str(exc))
        if name in agent_rules.RULE_FILES:
            rules = agent_rules.write_rules(root, name)
            report.update(rules=rules.path, rulesChanged=rules.changed)
        reports.append(report)
    return reports


def _launches_us(root: Path, editor: str, home: Path) -> bool:
    from taskmaster_mcp.setup import editors as ed

    try:
        return any(ed.points_at_us(e) for e in ed.read_entries(editor, root, home).values())
    except (ed.EditorConfigError, OSError):
        return False


def installed_profiles(root: Path, home: Path) -> list[str]:
    """Editors whose rules this project holds. A rules file two clients share (AGENTS.md: Codex, OpenCode) counts
    for a client only while its MCP config still launches us."""
    from taskmaster_mcp.setup import rules as agent_rules

    return [
        name
        for name in agent_rules.RULE_FILES
        if agent_rules.has_rules(root, name) and (not agent_rules.sharing(name) or _launches_us(root, name, home))
    ]


def remove_editors(
    root: Path,
    editors: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    force: bool = False,
) -> list[dict[str, Any]]:
    """Take our entry out of each editor's project MCP config and our section out of its rules; one report each.

    As Task Master's ``rules remove``: refused when it would leave the project with no rule profile, unless
    ``force``. Every refusal (unknown name, last profile, a config that does not parse) comes before any change.
    Global configs are kept (other projects may use them), and so is a shared rules file another installed client
    still reads.
    """
    from taskmaster_mcp.setup import editors as ed
    from taskmaster_mcp.setup import rules as agent_rules

    names = ed.editor_names(editors)
    base = ed.home_dir(dict(env or {}), home)
    installed = installed_profiles(root, base)
    if installed and not force and not set(installed) - set(names):
        raise InvalidInput(
            f"Removing {', '.join(names)} would leave no rule profile in this project (installed: "
            f"{', '.join(installed)}). Pass force=true if that is what you want."
        )
    for name in names:
        if not ed.CLIENTS[name].global_only:
            ed.check_config(name, root, base)
    reports: list[dict[str, Any]] = []
    for name in names:
        removed = ed.uninstall_editor(name, root, base)
        report: dict[str, Any] = {
            "editor": name,
            "config": removed.path,
            "changed": removed.changed,
            "backup": removed.backup,
            "notes": removed.notes,
        }
        if name in agent_rules.RULE_FILES:
            readers = [o for o in agent_rules.sharing(name) if o not in names and _launches_us(root, o, base)]
            if readers and agent_rules.has_rules(root, name):
                path = root / agent_rules.RULE_FILES[name].path
                report.update(rules=str(path), rulesChanged=False)
                removed.notes.append(f"{path.name} kept: {', '.join(readers)} still reads it")
            else:
                rules = agent_rules.remove_rules(root, name)
                report.update(rules=rules.path, rulesChanged=rules.changed)
        reports.append(report)
    return reports
