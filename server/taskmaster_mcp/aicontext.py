"""What an AI tool needs from the MCP layer: the project's model router, the client's sampling, progress.

This is the seam between the server layer (``mcp`` SDK) and the AI core (:mod:`taskmaster_mcp.ai`), which only
sees plain callables. The router is created on first use per project root and reused, so SDK clients (and their
connections) are reused across calls. Provider SDKs are imported by the router only when a model is first called.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from mcp.server.mcpserver import Context
from mcp.types import SamplingMessage, TextContent

from .ai import AIContext
from .callctx import state_of
from .llm import ModelRouter, ProgressFn, Sampler
from .workspace import Project

log = logging.getLogger("taskmaster_mcp")


def router_for(ctx: Context[Any, Any], project: Project) -> ModelRouter:
    """The (cached) ModelRouter of a project root."""
    state = state_of(ctx)
    routers: dict[Any, ModelRouter] = state.extras.setdefault("routers", {})
    router = routers.get(project.paths.root)
    if router is None:
        router = routers[project.paths.root] = ModelRouter(project.paths, state.env)
    return router


def sampler_for(ctx: Context[Any, Any]) -> Sampler | None:
    """A sampler that asks the client's own model, when the client declared the sampling capability."""
    caps = ctx.client_capabilities
    if caps is None or caps.sampling is None:
        return None

    async def sample(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sampling is deprecated in the 2026 protocol era; legacy sessions use it
            result = await ctx.session.create_message(
                [SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
                max_tokens=max_tokens, system_prompt=system,
            )
        content = result.content
        blocks = content if isinstance(content, list) else [content]
        text = "".join(getattr(block, "text", "") for block in blocks)
        return text, result.model

    return sample


def monotonic_progress(report: ProgressFn) -> ProgressFn:
    """Wrap ``report`` so the values sent always increase, as MCP requires.

    A command reports on its own scale (parts planned, tasks expanded, with a total); the router reports
    heartbeats while a model streams (total None). A heartbeat keeps the command's scale and nudges the value up
    by a hair; a value that would go backwards is raised just past the last one.
    """
    last = [0.0]
    scale: list[float | None] = [None]

    async def send(done: float, total: float | None, message: str) -> None:
        if total is not None:
            scale[0] = total
            value = done if done > last[0] else last[0] + 0.001
        else:
            value = last[0] + 0.001
        last[0] = value
        await report(value, scale[0], message)

    return send


def ai_context(ctx: Context[Any, Any], project: Project) -> AIContext:
    """Build the AIContext of one tool call."""

    async def progress(done: float, total: float | None, message: str) -> None:
        try:
            await ctx.report_progress(done, total, message)
        except Exception as exc:  # a client that went away must not fail the model call
            log.debug("progress notification failed: %s", exc)

    return AIContext(project=project, router=router_for(ctx, project), sampler=sampler_for(ctx),
                     progress=monotonic_progress(progress))
