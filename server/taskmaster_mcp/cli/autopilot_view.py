"""How ``autopilot`` shows the workflow: where it stands, what to do next, and what a step did (commit, review gate,
abort). Plain lines through the console handed in (no rich import); the text is already terminal-safe."""

from __future__ import annotations

import argparse
from typing import Any, cast

from taskmaster_mcp.cli.spec import Extra


def _say(out: Any, text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _dict(value: object) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


def render_autopilot(out: Any, args: argparse.Namespace, data: dict[str, Any], extra: Extra) -> None:
    """Every autopilot result: message, state, progress, current subtask, tests, next action, commit, review, abort."""
    if data.get("message"):
        _say(out, str(data["message"]))
    if data.get("taskId") and "phase" in data:
        phase = str(data["phase"]) + (f" ({data['tddPhase']})" if data.get("tddPhase") else "")
        where = f" in tag {data['tag']}" if data.get("tag") else ""
        branch = f" on branch {data['branchName']}" if data.get("branchName") else ""
        _say(out, f"task {data['taskId']}{where}{branch}: phase {phase}")
    progress = _dict(data.get("progress"))
    if progress:
        _say(out, f"subtasks done: {progress.get('completed')}/{progress.get('total')} ({progress.get('percentage')}%)")
    current = _dict(data.get("currentSubtask"))
    if current:
        _say(
            out,
            f"current: {current.get('id')} {current.get('title', '')} "
            f"(attempt {current.get('attempts')} of {current.get('maxAttempts')})",
        )
    tests = _dict(data.get("lastTestResults"))
    if tests:
        _say(out, "last tests: " + ", ".join(f"{k} {v}" for k, v in tests.items()))
    if data.get("commitSha"):
        _say(out, f"committed {str(data['commitSha'])[:12]}: {data.get('commitMessage', '')}")
        _say(out, f"  files: {', '.join(str(f) for f in _list(data.get('files'))) or '(none)'}")
    review = _dict(data.get("review"))
    if review:
        verdict = "passed" if review.get("passed") else "did not pass"
        _say(
            out,
            f"review against {review.get('base')}: {review.get('verdict')}, score {review.get('score')} "
            f"(needs {review.get('threshold')}): {verdict}. {review.get('summary', '')}",
        )
        for finding in (_dict(f) for f in _list(review.get("findings"))):
            _say(out, f"  [{finding.get('severity')}] {finding.get('file', '')} {finding.get('message', '')}")
        for item in _list(review.get("unmetRequirements")):
            _say(out, f"  unmet: {item}")
    if data.get("forced"):
        _say(out, "finished with --force despite the review")
    if data.get("alreadyImplemented"):
        _say(out, "the tests already passed: the subtask looks implemented")
    if data.get("nextAction"):
        _say(out, f"next: {data['nextAction']}: {data.get('actionDescription', '')}")
    if data.get("nextSteps"):
        _say(out, str(data["nextSteps"]))
    if "hadWorkflow" in data and not data["hadWorkflow"]:
        _say(out, "(there was no workflow to abort)")
    if data.get("note"):
        _say(out, str(data["note"]))
