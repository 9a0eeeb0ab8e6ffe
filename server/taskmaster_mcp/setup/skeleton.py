"""Create a project's ``.taskmaster/`` skeleton. Shared by ``taskmaster-mcp init`` and the initialize_project tool.

Existing files are never overwritten: a re-run only adds what is missing, so it is safe on a Task Master project.
With editors, it also merges our server entry into each editor's MCP config (:mod:`taskmaster_mcp.editors`, which
backs the original up and never drops another server) and writes the agent rules (:mod:`taskmaster_mcp.agent_rules`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskmaster_mcp.store.config import KEY_VARIABLES, default_config_document
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
GITIGNORE_LINES = [".env", ".taskmaster/.taskmaster-mcp.lock", ".taskmaster/**/.*.tmp", ".taskmaster/**/*.lock",
                   "*.bak-[0-9]*"]


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
    lines += [f"{var}=" for var in dict.fromkeys(v for v in KEY_VARIABLES.values() if v)]
    return "\n".join(lines) + "\n"


def initialize(root: Path, project_name: str | None = None) -> InitResult:
    """Create the skeleton under ``root``; return what was created and what was kept."""
    paths = Paths(root)
    result = InitResult()
    name = project_name or root.name
    with project_lock(paths.taskmaster):
        for directory in (paths.tasks_dir, paths.docs_dir, paths.reports_dir, paths.taskmaster / "templates"):
            directory.mkdir(parents=True, exist_ok=True)
        _write_new(paths, paths.config_file, dumps(default_config_document(name)) + "\n", result)
        state: dict[str, Any] = {"currentTag": DEFAULT_TAG, "lastSwitched": now_iso(), "branchTagMapping": {},
                                 "migrationNoticeShown": True}
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
        _ensure_gitignore(root, result)
    return result


def _ensure_gitignore(root: Path, result: InitResult) -> None:
    path = root / ".gitignore"
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    present = {line.strip() for line in existing.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    if not missing:
        result.kept.append(".gitignore")
        return
    prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
    write_atomic(path, prefix + "# taskmaster-mcp\n" + "\n".join(missing) + "\n")
    result.created.append(".gitignore (entries: " + ", ".join(missing) + ")")


def role_providers(root: Path) -> list[str]:
    """The providers of the project's configured roles (whose keys an editor config should pass)."""
    from taskmaster_mcp.errors import TaskmasterError
    from taskmaster_mcp.store.config import ROLES, load_config

    try:
        config = load_config(Paths(root))
        found = [rc.provider for rc in (config.role(r) for r in ROLES) if rc is not None]
    except TaskmasterError:
        found = ["anthropic"]
    return list(dict.fromkeys(found))


def setup_editors(root: Path, editors: Sequence[str], *, providers: Sequence[str] | None = None,
                  env: Mapping[str, str] | None = None, home: Path | None = None,
                  command: tuple[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """Merge our server into each editor's MCP config and write its agent rules; one report per editor.

    ``providers`` chooses which API key variables go in the env block (default: those of the configured roles).
    ``command`` defaults to the installed script's absolute path (:func:`taskmaster_mcp.doctor.server_command`).
    A config that cannot be parsed is reported with ``error`` and left untouched; the other editors still run.
    """
    from taskmaster_mcp.setup import editors as ed
    from taskmaster_mcp.setup import rules as agent_rules
    from taskmaster_mcp.setup.editors import server_command

    environment = dict(env or {})
    base = ed.home_dir(environment, home)
    cmd, args = command or server_command()
    keys = ed.key_variables(list(providers) if providers is not None else role_providers(root))
    reports: list[dict[str, Any]] = []
    for name in dict.fromkeys(editors):
        if name not in ed.CLIENTS:
            raise ed.EditorConfigError(f"Unknown editor '{name}'. Use one of: {', '.join(ed.EDITORS)}.")
        report: dict[str, Any] = {"editor": name}
        try:
            merged = ed.install_editor(name, root, cmd, args, keys, base)
            report.update(config=merged.path, changed=merged.changed, backup=merged.backup, notes=merged.notes)
        except ed.EditorConfigError as exc:
            report.update(error=str(exc))
        rules_file = ed.CLIENTS[name].rules
        if rules_file:
            rules = agent_rules.write_rules(root, rules_file)
            report.update(rules=rules.path, rulesChanged=rules.changed)
        reports.append(report)
    return reports
