"""``autopilot``: the test-driven workflow (start, resume, next, status, complete, commit, finalize, abort), each
subcommand calling the ``autopilot_*`` tool of its name with Task Master's parameters."""

from __future__ import annotations

import argparse
import json
from typing import Any

from taskmaster_mcp.cli.autopilot_view import render_autopilot
from taskmaster_mcp.cli.spec import Command, ToolCall, Usage, confirm, count, one_id, tool_call


def _start_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("task_id", metavar="TASK_ID", type=one_id, help="the task (not a subtask) to work through")
    p.add_argument("-f", "--force", action="store_true", help="start over even if a workflow exists")
    p.add_argument("--max-attempts", type=count, help="attempts per subtask (default 3)")


def _start(a: argparse.Namespace) -> ToolCall:
    if "." in a.task_id:
        raise Usage(
            f"{a.task_id} is a subtask; autopilot starts on a task, e.g. `taskmaster-mcp autopilot start "
            f"{a.task_id.split('.')[0]}`"
        )
    return tool_call(
        "autopilot_start", {"taskId": a.task_id, "maxAttempts": a.max_attempts, "force": a.force, "tag": a.tag}
    )


def _complete_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--results", metavar="JSON", help='test results: \'{"total":10,"passed":9,"failed":1}\'')
    p.add_argument("-c", "--coverage", metavar="PERCENT", help=argparse.SUPPRESS)


def _complete(a: argparse.Namespace) -> ToolCall:
    example = '--results \'{"total":10,"passed":9,"failed":1,"skipped":0}\''
    if not a.results:
        raise Usage(f"give the test results: {example}")
    try:
        given: Any = json.loads(a.results)
    except json.JSONDecodeError as exc:
        raise Usage(f"--results is not JSON ({exc.msg}); e.g. {example}") from exc
    if not isinstance(given, dict):
        raise Usage(f"--results must be a JSON object, e.g. {example}")
    results: dict[str, Any] = {name: given.get(name) or 0 for name in ("total", "passed", "failed", "skipped")}  # pyright: ignore[reportUnknownMemberType]
    return tool_call("autopilot_complete_phase", {"testResults": results})


def _commit_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--files", help="comma list of files to stage (default: every change)")
    p.add_argument("-m", "--message", help="commit message instead of the generated one")


def _commit(a: argparse.Namespace) -> ToolCall:
    files = [f.strip() for f in a.files.split(",") if f.strip()] if a.files else None
    return tool_call("autopilot_commit", {"files": files, "customMessage": a.message})


def _no_flags(p: argparse.ArgumentParser) -> None:
    return


def _autopilot_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument(
        "-p", "--project-root", dest="project", metavar="DIR", default=argparse.SUPPRESS, help="same as -C/--project"
    )


def _step(name: str, help: str, flags: Any = _no_flags, call: Any = None, **extra: Any) -> Command:
    """An autopilot subcommand; it takes the autopilot options too (before or after its name)."""
    tool = f"autopilot_{name}"

    def all_flags(p: argparse.ArgumentParser) -> None:
        _autopilot_flags(p)
        flags(p)

    return Command(
        f"autopilot {name}", help, all_flags, call or (lambda a: tool_call(tool, {})), render=render_autopilot, **extra
    )


def _finalize_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--review", action="store_true", help="first have a model review the branch against the task")
    p.add_argument("-f", "--force", action="store_true", help="finish despite a failing review")


def _finalize(a: argparse.Namespace) -> ToolCall:
    return tool_call("autopilot_finalize", {"review": a.review, "force": a.force})


def _abort_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")


AUTOPILOT = Command(
    "autopilot",
    "test-driven workflow: start, next, complete, commit, finalize (or status, resume, abort)",
    _autopilot_flags,
    aliases=("ap",),
    subcommands=(
        _step("start", "start the workflow of a task (creates a branch)", _start_flags, _start),
        _step("resume", "resume the workflow in progress"),
        _step("next", "what to do now"),
        _step("status", "where the workflow stands"),
        _step("complete", "finish the RED or GREEN phase with the test results", _complete_flags, _complete),
        _step("commit", "commit the finished subtask", _commit_flags, _commit),
        _step("finalize", "check and finish the workflow", _finalize_flags, _finalize),
        _step(
            "abort", "abandon the workflow", _abort_flags, prepare=confirm(lambda a: "Abort the workflow in progress?")
        ),
    ),
)
