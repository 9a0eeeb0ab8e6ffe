"""``taskmaster-mcp init``: create ``.taskmaster/``, set up the editors, optionally add rule profiles.

It calls no tool for the project itself (the skeleton and editor set-up are :mod:`taskmaster_mcp.setup`'s); only
``--rules`` calls the ``rules`` tool afterwards. On a terminal it asks for what the flags left out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from taskmaster_mcp.cli.client import CommandFailed, call
from taskmaster_mcp.cli.project_commands import IGNORED_INIT_FLAGS, editor_names, init_rules
from taskmaster_mcp.cli.spec import Usage


def ask_missing(args: argparse.Namespace, project: Path, ask: Callable[[str], str] = input) -> None:
    """Fill in what the flags did not say by asking: project name, editors, providers whose keys to pass."""
    names = editor_names()
    detected = [
        n
        for n, marker in (
            ("cursor", ".cursor"),
            ("vscode", ".vscode"),
            ("claude-code", ".mcp.json"),
            ("claude-code", "CLAUDE.md"),
        )
        if (project / marker).exists()
    ]
    if args.name is None:
        args.name = ask(f"Project name [{project.name}]: ").strip() or None
    if not args.editor:
        hint = ",".join(dict.fromkeys(detected)) or "none"
        answer = ask(f"Editors to configure ({', '.join(names)}; comma list) [{hint}]: ").strip()
        chosen = answer or ("" if hint == "none" else hint)
        args.editor = [e.strip() for e in chosen.split(",") if e.strip() and e.strip() != "none"]
        unknown = [e for e in args.editor if e not in names]
        if unknown:
            raise Usage(f"unknown editor(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    if args.editor and args.keys is None:
        from taskmaster_mcp.setup.skeleton import role_providers

        default = ",".join(role_providers(project)) if (project / ".taskmaster").is_dir() else "anthropic,perplexity"
        args.keys = ask(f"Providers whose API keys the editor should pass [{default}]: ").strip() or default


def run_init(args: argparse.Namespace, project: Path, env: Mapping[str, str]) -> int:
    """Set the project up; 1 when an editor could not be set up (the others were)."""
    from taskmaster_mcp.errors import TaskmasterError
    from taskmaster_mcp.setup.skeleton import initialize, setup_editors

    given = {n.replace("_", "-"): getattr(args, n, None) for n in IGNORED_INIT_FLAGS}
    ignored = [f"--{'' if value is not False else 'no-'}{name}" for name, value in given.items() if value is not None]
    if ignored:
        print(
            f"note: {', '.join(ignored)} ignored (taskmaster-mcp sets up .taskmaster/ and editors only)",
            file=sys.stderr,
        )
    if args.dry_run:
        state = "exists; missing files would be added" if (project / ".taskmaster").is_dir() else "would be created"
        print(
            f"dry run: {project / '.taskmaster'} {state}; editors: {', '.join(args.editor) or 'none'}. "
            "Nothing was written."
        )
        return 0
    from taskmaster_mcp.cli import main  # the prompts as main offers them (tests replace them there)

    if main.is_interactive(args, env):
        main.ask_missing(args, project)
    result = initialize(project, args.name)
    try:
        providers = [p.strip() for p in args.keys.split(",") if p.strip()] if args.keys else None
        editors = setup_editors(project, args.editor, providers=providers, env=env) if args.editor else []
    except TaskmasterError as exc:
        raise CommandFailed(str(exc)) from exc
    rules = init_rules(args)
    if rules is not None:
        asyncio.run(call(rules.tool, rules.arguments, str(project), env=env))
    failed = [e for e in editors if e.get("error")]
    if args.json:
        print(
            json.dumps(
                {"projectRoot": str(project), "created": result.created, "kept": result.kept, "editors": editors}
            )
        )
        return 1 if failed else 0
    from taskmaster_mcp.cli.views import consoles, init_report

    out, err = consoles(bool(getattr(args, "no_color", False)))
    init_report(out, err, project, result.created, result.kept, editors)
    return 1 if failed else 0
