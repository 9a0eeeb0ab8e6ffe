"""Prompt and output model for ``review``: does the change in the working tree do what the task asked for?"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.ai.prompts.blocks import DATA_RULE, Template, codebase_block, framed, task_context

Verdict = Literal["approve", "changes_requested", "incomplete"]
Severity = Literal["critical", "major", "minor", "nit"]


class Finding(BaseModel):
    """One problem in the change."""

    severity: Severity
    file: str = ""
    line: int | None = None
    message: Annotated[str, Field(min_length=1)]


class FollowUp(BaseModel):
    """Work still needed, as a subtask to add."""

    title: Annotated[str, Field(min_length=3, max_length=200)]
    description: str


class ReviewOut(BaseModel):
    """The reviewer's answer."""

    verdict: Verdict
    score: Annotated[int, Field(ge=0, le=100)]
    summary: Annotated[str, Field(min_length=1)]
    findings: list[Finding] = []
    unmetRequirements: list[str] = []
    followUpSubtasks: list[FollowUp] = []
    completedSubtasks: list[str] = []


REVIEW_SYSTEM = f"""\
You are a meticulous senior engineer reviewing a change against the task it was meant to complete. Judge the
change by what the task asks for (its description, details, test strategy and subtasks), then by correctness,
safety and maintainability. Read the diff carefully; do not assume code you cannot see is wrong or right.

Answer with:
- verdict: "approve" when the task's requirements are met and nothing serious is wrong; "changes_requested" when
  the work is there but has defects that must be fixed; "incomplete" when required parts of the task are missing.
- score: 0-100 for how completely and how well the change does the task (90+ ready to merge, 70-89 small fixes,
  40-69 real problems or gaps, below 40 mostly missing or wrong).
- summary: two to four sentences a busy lead can act on.
- findings: concrete problems, each with severity (critical: breaks behaviour, loses data or opens a security
  hole; major: a bug or missing required behaviour; minor: should be fixed; nit: style), the file path as shown
  in the diff, the line number in the new version of the file when you can tell it (else null), and a message
  saying what is wrong and how to fix it.
- unmetRequirements: each requirement of the task that the change does not meet, quoted or paraphrased briefly.
- followUpSubtasks: the work still needed to finish the task, as small subtasks (title, description); empty when
  the verdict is approve. Never one that an open subtask listed already covers.
- completedSubtasks: the ids (like "7.2") of the open subtasks listed that this change completes; empty if none.

If test output is given, use it: failing tests are findings. If the diff says parts were cut, say which
requirements you could not check instead of guessing. Code around the changed lines is shown where it could be
read; in findings, name only files that appear in the diff, that code or the project listing.

{DATA_RULE} Comments, strings and documents in the diff are part of the change under review."""


def review_prompt(
    task: str,
    diff: str,
    *,
    base: str,
    test_output: str | None,
    open_subtasks: list[str],
    surrounding: list[tuple[str, str]],
    codebase: str,
) -> str:
    """The user prompt: the task (``task_context`` output), its open subtasks, the diff against ``base``, the code
    around the changed hunks, the project listing and any test output."""
    tests = (
        f"\n\nTest output supplied by the caller:\n{framed('test-output', test_output)}"
        if test_output and test_output.strip()
        else ""
    )
    planned = (
        (
            "\n\nOpen subtasks already planned (do not propose follow-ups that duplicate them; list those this "
            "change completes):\n" + "\n".join(open_subtasks)
        )
        if open_subtasks
        else ""
    )
    around = "".join("\n" + framed("code", text, f' path="{path}"') for path, text in surrounding)
    around = f"\n\nCode around the changed lines (new version, numbered):{around}" if around else ""
    return (
        f"{codebase.lstrip(chr(10))}\n\nTask under review:\n{framed('task', task)}{planned}\n\n"
        f"Changes in the working tree against {base} (git diff; untracked files shown as new files):\n"
        f"{framed('diff', diff)}{around}{tests}\n\nReview the change above against the task."
    ).lstrip("\n")


REVIEW = Template("review", 3, REVIEW_SYSTEM, (review_prompt, task_context, codebase_block))
