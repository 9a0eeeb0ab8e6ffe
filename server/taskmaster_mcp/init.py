"""Create a project's ``.taskmaster/`` skeleton. Shared by ``taskmaster-mcp init`` and the initialize_project tool.

Existing files are never overwritten: a re-run only adds what is missing, so it is safe on a Task Master project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import KEY_VARIABLES, default_config_document
from .files import dumps, project_lock, write_atomic
from .project import Paths
from .store import DEFAULT_TAG, now_iso

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

GITIGNORE_LINES = [".env", ".taskmaster/.taskmaster-mcp.lock"]


@dataclass
class InitResult:
    """What an init run created and what it found already there."""

    created: list[str] = field(default_factory=lambda: [])
    kept: list[str] = field(default_factory=lambda: [])


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
        state = {"currentTag": DEFAULT_TAG, "lastSwitched": now_iso(), "branchTagMapping": {},
                 "migrationNoticeShown": True}
        _write_new(paths, paths.state_file, dumps(state) + "\n", result)
        if not paths.tasks_file.exists() and paths.legacy_tasks_file.exists():
            result.kept.append(str(paths.legacy_tasks_file.relative_to(root)))
        else:
            stamp = now_iso()
            empty = {DEFAULT_TAG: {"tasks": [], "metadata": {"created": stamp, "updated": stamp,
                                                              "description": "Tasks for master context"}}}
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
