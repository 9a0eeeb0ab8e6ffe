"""AI review tool: ``review`` (the git diff of the working tree checked against a task)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from taskmaster_mcp.mcp_server.calls import open_project
from taskmaster_mcp.mcp_server.tools.params import FileArg, ProjectRoot, TagArg, TaskIdArg
from taskmaster_mcp.tasks.model import parse_ref

if TYPE_CHECKING:  # the AI core is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.ai.review import ReviewResult


async def review(
    ctx: Context[Any, Any],
    id: TaskIdArg,
    base: Annotated[str, Field(description="Git ref to diff against")] = "HEAD",
    paths: Annotated[str | None, Field(description="Limit to these paths")] = None,
    testOutput: str | None = None,
    secondOpinion: Annotated[bool, Field(description="Also ask a second model")] = False,
    apply: Annotated[bool, Field(description="Set status, add follow-ups, note")] = False,
    reviewers: Annotated[str | None, Field(description="2-3 roles, e.g. main,fallback")] = None,
    consensusThreshold: Annotated[int | None, Field(ge=0, le=100, description="Max score spread")] = None,
    projectRoot: ProjectRoot = None,
    tag: TagArg = None,
    file: FileArg = None,
) -> ReviewResult:
    """Review uncommitted work (git diff vs base) against task id: verdict, score, findings (AI).

    Untracked files count as new files; the git index is never modified. ``apply``: approve with a score at or
    above ``taskmasterMcp.review.approveScore`` (default 80) sets done; otherwise status review (changes requested)
    or in-progress (incomplete), the follow-up subtasks are added and the review is appended as a dated note.
    Files the private-file guard refuses (``.env``, keys, credentials, ``.taskmaster/`` internals) never reach the
    model: they are listed in ``diff.excluded``, and a ``paths`` entry naming one is refused. ``reviewers``: a
    panel; different verdicts or a score spread over ``consensusThreshold`` (``taskmasterMcp.review``, 20) give
    consensus ``needs_human`` (``apply``: status review, never done).
    """
    from taskmaster_mcp.ai.review import review as run_review
    from taskmaster_mcp.mcp_server.calls import ai_context

    project = await open_project(ctx, projectRoot, file)
    return await run_review(
        ai_context(ctx, project),
        tag=project.tag(tag),
        ref=parse_ref(id),
        base=base,
        paths=paths,
        test_output=testOutput,
        second_opinion=secondOpinion,
        apply=apply,
        reviewers=reviewers,
        threshold_points=consensusThreshold,
    )
