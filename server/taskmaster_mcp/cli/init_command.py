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
from taskmaster_mcp.cli.spec import ToolCall, Usage, is_interactive, tool_call


def editor_names() -> tuple[str, ...]:
    """Every editor we set up; "claude" is Task Master's name for claude-code."""
    from taskmaster_mcp.setup.editors import EDITORS

    return (*EDITORS, "claude")


# Task Master's init flags that set things this server does not manage (package.json fields, shell aliases, git).
IGNORED_INIT_FLAGS = ("description", "version", "author", "skip_install", "aliases", "git", "git_tasks")


def init_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--name", help="project name (default: folder name)")
    p.add_argument(
        "--editor",
        action="append",
        choices=editor_names(),
        default=[],
        help="add the server and agent rules to this editor (repeatable)",
    )
    p.add_argument(
        "--keys",
        metavar="PROVIDERS",
        help="comma list of providers whose key variables go in the "
        "editor's env block (default: the configured roles' providers)",
    )
    p.add_argument("-r", "--rules", nargs="+", metavar="PROFILE", help="also add these rule profiles (see `rules`)")
    p.add_argument("-y", "--yes", action="store_true", help="never prompt (also without a terminal or CI=true)")
    p.add_argument("--dry-run", action="store_true", help="say what would be set up; write nothing")
    for flag in ("-d", "--description"), ("-v", "--version"), ("-a", "--author"):
        p.add_argument(*flag, help=argparse.SUPPRESS)
    for name in ("skip-install", "aliases", "no-aliases", "git", "no-git", "git-tasks", "no-git-tasks"):
        dest = name.removeprefix("no-").replace("-", "_")
        p.add_argument(
            f"--{name}", dest=dest, action="store_const", const=not name.startswith("no-"), help=argparse.SUPPRESS
        )


def profiles(values: list[str] | None) -> list[str]:
    """Rule profiles given space- or comma-separated (``cursor windsurf`` or ``cursor,windsurf``)."""
    return [p.strip() for value in values or [] for p in value.split(",") if p.strip()]


def init_rules(args: argparse.Namespace) -> ToolCall | None:
    """The rules call ``init --rules`` makes after creating the project."""
    chosen = profiles(args.rules)
    return tool_call("rules", {"action": "add", "profiles": chosen}) if chosen else None


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
    if is_interactive(args, env):  # module globals, so a test can replace either here
        ask_missing(args, project)
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
