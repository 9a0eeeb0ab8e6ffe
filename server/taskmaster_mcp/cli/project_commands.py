"""Project and workflow commands: init, models, usage, lang, rules, autopilot, graph, doctor, serve.

``lang``, ``rules`` and ``autopilot`` call the tools of the same names (``response-language``, ``rules``,
``autopilot_*``) with Task Master's parameters. ``init``, ``doctor`` and ``serve`` call no tool: they set up or check
the project and the editors, or start the server (see ``cli.main``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from taskmaster_mcp.cli import autopilot_commands
from taskmaster_mcp.cli.init_command import init_flags, profiles, run_init
from taskmaster_mcp.cli.outputs import gather_graph, models_exit, render_graph, render_models, render_usage
from taskmaster_mcp.cli.spec import Ask, Command, Run, ToolCall, Usage, confirm, required, tool_call


def _models_flags(p: argparse.ArgumentParser) -> None:
    from taskmaster_mcp.models.roles import HINT_PROVIDERS

    p.add_argument("--set-main")
    p.add_argument("--set-research")
    p.add_argument("--set-fallback")
    p.add_argument("--provider", help="provider of a custom model (e.g. zai)")
    for hint in HINT_PROVIDERS:  # Task Master's provider flags: --azure, --bedrock, --claude-code, ...
        p.add_argument(
            f"--{hint}",
            dest=f"hint_{hint.replace('-', '_')}",
            action="store_true",
            help=f"the model is served by {hint}",
        )
    p.add_argument("--base-url")
    p.add_argument("--list", action="store_true", help="list available models")
    p.add_argument("--test", action="store_true", help="ping each role's model")
    p.add_argument("--set-role", nargs=2, metavar=("NAME", "MODEL"), help="set an extra role (e.g. fast MODEL)")
    p.add_argument("--optimize", choices=("speed", "quality", "cost"), help="propose a role assignment")
    p.add_argument("--apply", action="store_true", help="apply the --optimize proposal")


def _set_role(pair: list[str] | None) -> str | None:
    """``--set-role NAME MODEL`` as the tool's NAME=MODEL; a name that cannot be a role is bad usage (exit 2)."""
    if pair is None:
        return None
    from taskmaster_mcp.models.roles import EXTRA_ROLE_NAME
    from taskmaster_mcp.store.config import ROLES

    name, model = (part.strip() for part in pair)
    if not (name in ROLES or EXTRA_ROLE_NAME.fullmatch(name)):
        shown = name if len(name) <= 40 else name[:37] + "..."
        raise Usage(
            f"--set-role NAME must be a letter, then letters, digits, - or _ (at most 32), e.g. fast or "
            f"strong; got {shown!r}."
        )
    if not model:
        raise Usage(f"--set-role {name} needs a MODEL, e.g. --set-role {name} claude-haiku-4-5-20251001.")
    return f"{name}={model}"


def _models(a: argparse.Namespace) -> ToolCall:
    from taskmaster_mcp.models.roles import HINT_PROVIDERS

    hints = {hint: True for hint in HINT_PROVIDERS if getattr(a, f"hint_{hint.replace('-', '_')}")}
    return tool_call(
        "models",
        {
            "setMain": a.set_main,
            "setResearch": a.set_research,
            "setFallback": a.set_fallback,
            "provider": a.provider,
            "baseURL": a.base_url,
            "listAvailableModels": a.list,
            "test": a.test,
            "setRole": _set_role(a.set_role),
            "optimize": a.optimize,
            "apply": a.apply,
            **hints,
        },
    )


def _lang_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--response", metavar="LANGUAGE", help="the language answers are written in (e.g. Deutsch)")
    p.add_argument("--setup", action="store_true", help="ask for the language")


def _lang_setup(args: argparse.Namespace, ask: Ask, interactive: bool) -> None:
    if args.setup and args.response is None:
        if not interactive:
            raise Usage("--setup asks on a terminal; in a script use --response LANGUAGE")
        args.response = ask("Response language [English]: ").strip() or "English"


def _rules_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=("add", "remove"), help="add or remove")
    p.add_argument("profiles", nargs="*", metavar="PROFILE", help="rule profiles: cursor windsurf (or cursor,windsurf)")
    p.add_argument("-f", "--force", action="store_true", help="remove without asking, even the last profile")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask")
    p.add_argument("-m", "--mode", choices=("solo", "team"), help="(Task Master's; refused: one set of rules)")
    p.add_argument("--setup", action="store_true", help="ask which profiles to add")


def _rules_setup(args: argparse.Namespace, ask: Ask, interactive: bool) -> None:
    if args.setup:
        args.action = args.action or "add"
    if args.action == "remove":
        confirm(lambda a: f"Remove the rules of {', '.join(profiles(a.profiles))}?")(args, ask, interactive)
    elif args.action == "add" and not profiles(args.profiles) and interactive:
        args.profiles = [ask("Rule profiles to add (e.g. cursor,windsurf): ")]


def _rules(a: argparse.Namespace) -> ToolCall:
    action = required(a.action, need="say add or remove: `taskmaster-mcp rules add cursor windsurf`")
    chosen = profiles(a.profiles)
    if not chosen:
        raise Usage(f"name the profiles: `taskmaster-mcp rules {action} cursor windsurf`")
    if a.mode:
        raise Usage(
            "--mode is Task Master's choice between solo and team rule texts; taskmaster-mcp writes one set of "
            "rules for both. Leave --mode out."
        )
    return tool_call("rules", {"action": action, "profiles": chosen, "force": a.force})


def _graph_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="graph_format", choices=("mermaid", "dot"), default="mermaid")
    p.add_argument("--subtasks", action="store_true", help="include subtasks")


def _serve_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--http", metavar="[HOST:]PORT", help="serve http://HOST:PORT/mcp (default host 127.0.0.1)")


def _usage_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="YYYY-MM-DD")
    p.add_argument("--period", metavar="PERIOD", help="last-week, last-month or YYYY-MM")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="end date (inclusive)")


def _usage(a: argparse.Namespace) -> ToolCall:
    """The usage_report call; a period or date the tool would refuse is bad usage here (exit 2), said the same way."""
    from taskmaster_mcp.errors import InvalidInput
    from taskmaster_mcp.models.spend import period_bounds

    try:
        period_bounds(a.period, a.since, a.until)
    except InvalidInput as exc:
        raise Usage(str(exc).replace("Pass either period or since", "Pass either --period or --since")) from None
    return tool_call("usage_report", {"since": a.since, "period": a.period, "until": a.until})


def _merge_driver_flags(p: argparse.ArgumentParser) -> None:
    for name, text in (
        ("base", "%O: the common ancestor"),
        ("ours", "%A: our version; the result is written here"),
        ("theirs", "%B: their version"),
        ("path", "%P: the file's path in the repository"),
    ):
        p.add_argument(name, metavar=name.upper(), help=text)


def _fix_conflicts_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", metavar="FILE", help="tasks.json with conflict markers (default: the project's)")


def _ui_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, metavar="N", help="listen on 127.0.0.1:N (default: a free port)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL; do not open a browser")


def _doctor_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ping", action="store_true", help="also call each configured model once")


def _serve(args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
    if not args.http:
        from taskmaster_mcp.mcp_server.stdio import serve_stdio

        return serve_stdio()
    from taskmaster_mcp.mcp_server.http import serve_http

    if args.project:
        env.setdefault("TASK_MASTER_PROJECT_ROOT", str(project))
    return serve_http(args.http, env, project)


def _init(args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
    return run_init(args, project, env)


def _doctor(args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
    import asyncio

    from taskmaster_mcp.cli.doctor import run_doctor

    return asyncio.run(run_doctor(project, as_json=args.json, ping=args.ping, env=env))


def _merging(name: str) -> Run:
    def run(args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
        from taskmaster_mcp.cli.merging import run_merge_command

        return run_merge_command(name, args, project)

    return run


def _ui(args: argparse.Namespace, project: Path, env: dict[str, str]) -> int:
    from taskmaster_mcp.cli.dashboard import run_ui

    return run_ui(args, project, env)


COMMANDS: tuple[Command, ...] = (
    Command("serve", "serve MCP over stdio, or Streamable HTTP with --http", _serve_flags, run=_serve),
    Command("init", "create .taskmaster/ and configure editors", init_flags, run=_init),
    Command(
        "models",
        "show or set the models of each role",
        _models_flags,
        _models,
        render=render_models,
        exit_code=models_exit,
    ),
    Command("usage", "AI usage and cost by role and model", _usage_flags, _usage, render=render_usage),
    Command(
        "lang",
        "show or set the language of AI answers",
        _lang_flags,
        lambda a: tool_call("response-language", {"language": a.response}),
        prepare=_lang_setup,
    ),
    Command("rules", "add or remove agent rule profiles", _rules_flags, _rules, prepare=_rules_setup),
    autopilot_commands.AUTOPILOT,
    Command(
        "graph",
        "dependency graph as Mermaid or DOT text",
        _graph_flags,
        lambda a: tool_call("get_tasks", {"tag": a.tag, "withSubtasks": True, "limit": 500}),
        gather=gather_graph,
        render=render_graph,
    ),
    Command("doctor", "check editors, project, keys; start the server as an editor would", _doctor_flags, run=_doctor),
    Command(
        "merge-driver",
        "git merge driver for tasks.json (init registers it)",
        _merge_driver_flags,
        run=_merging("merge-driver"),
    ),
    Command(
        "fix-conflicts",
        "repair a tasks.json left with git conflict markers",
        _fix_conflicts_flags,
        run=_merging("fix-conflicts"),
    ),
    Command("ui", "live web dashboard of this project on 127.0.0.1 (board, graph, models)", _ui_flags, run=_ui),
)
