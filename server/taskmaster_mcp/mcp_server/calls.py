"""The one seam between an MCP request and the layers below: which project a call acts on, and what an AI call needs.

Every tool, resource and prompt gets its project from :func:`open_project` (or, for ``initialize_project``, its
folder from :func:`project_folder`). The rules are enforced here once:

- a shared HTTP server is pinned to the project it was started for: ``projectRoot`` is ignored (it names a folder
  on the remote agent's machine), and so is the client's idea of its roots;
- otherwise the order of :mod:`taskmaster_mcp.store.roots` applies, with the client's declared roots confining it;
- a ``projectRoot`` that is relative, or is the filesystem root, is refused with a message saying what to pass;
- file arguments stay inside the project (:meth:`taskmaster_mcp.store.paths.Paths.inside`).

:func:`ai_context` hands the AI core plain callables: the project's model router, the client's sampling (where the
client declares it) and monotonic progress notifications. The AI core and the provider SDKs are imported on the
first AI call, never at server start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.mcp_server.state import AppState
from taskmaster_mcp.store.roots import file_uri_to_path, resolve_root

if TYPE_CHECKING:  # the SDK's types are imported where a request is sent: the CLI calls tools in process without it
    from mcp.server.mcpserver import Context
    from mcp.types import ListRootsResult, ServerRequest
    from pydantic import BaseModel

    from taskmaster_mcp.ai.context import AIContext
    from taskmaster_mcp.models.router import ProgressFn, Sampler
    from taskmaster_mcp.store.project import Project

log = logging.getLogger("taskmaster_mcp")
R = TypeVar("R", bound="BaseModel")  # a string: a CLI read resolves its project without pydantic

ROOTS_TIMEOUT_SECONDS = 2.0  # a resource read goes on without roots after this
TOOL_ROOTS_TIMEOUT_SECONDS = 10.0  # a tool call is refused after this: it must not act unconfined


def state_of(ctx: Context[Any, Any]) -> AppState:
    """The AppState of the running server."""
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - only if the server was built without build_app
        raise InvalidInput("server state is missing; build the server with taskmaster_mcp.mcp_server.app.build_app")
    return state


# The request's Context during a resource read: the SDK calls static resources without one (set by
# :class:`taskmaster_mcp.mcp_server.lazytools.LazyToolServer`).
READ_CONTEXT: ContextVar[Context[Any, Any] | None] = ContextVar("taskmaster_mcp_read_context", default=None)

# The roots of the tool call in progress, filled by the tool adapter from the SDK's roots resolver (which works in
# 2026 era). NOT_ASKED means no resolver ran: a resource or prompt read. IN_TOOL_CALL: a tool call whose roots
# are to be asked on the session (2025 era), where a client that cannot answer gets the call refused.
NOT_ASKED: Final = object()
IN_TOOL_CALL: Final = object()
CALL_ROOTS: ContextVar[list[Path] | object | None] = ContextVar("taskmaster_mcp_call_roots", default=NOT_ASKED)
# The AI tool call in progress passed ``fresh: true`` (skip the response cache); set by the tool adapter.
FRESH: ContextVar[bool] = ContextVar("taskmaster_mcp_fresh", default=False)


def _request(ctx: Context[Any, Any], request: ServerRequest, result_type: type[R]) -> Awaitable[R]:
    """A 2025-era server-to-client request tied to the call in progress (its answer rides the call's stream).

    The session's ``list_roots``/``create_message`` helpers are deprecated for the 2026 era and would warn; callers
    check ``can_send_request`` first, so this is only used where the request is valid.
    """
    from mcp.shared.message import ServerMessageMetadata

    return ctx.session.send_request(
        request, result_type, metadata=ServerMessageMetadata(related_request_id=ctx.request_id)
    )


def roots_of(result: ListRootsResult | None) -> list[Path] | None:
    """The local folders of a roots/list answer (None when there was no answer or no ``file://`` root)."""
    if result is None:
        return None
    paths = [file_uri_to_path(str(root.uri)) for root in result.roots]
    return [p for p in paths if p is not None] or None


async def client_roots(ctx: Context[Any, Any]) -> list[Path] | None:
    """The client's declared ``file://`` roots, or None when it declares no roots capability.

    On a 2025-era session (tool calls, resources and prompts alike) they are asked with ``roots/list`` once per
    session and kept until ``notifications/roots/list_changed`` (:mod:`taskmaster_mcp.mcp_server.rootcache`). On a
    2026 session a tool call gets them from the SDK's resolver (:mod:`taskmaster_mcp.mcp_server.registration`),
    where they matter; a resource or prompt read resolves without roots (it takes no ``projectRoot`` to confine).
    """
    asked = CALL_ROOTS.get()
    if asked is not NOT_ASKED and asked is not IN_TOOL_CALL:
        return cast(list[Path] | None, asked)
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None or not ctx.session.can_send_request:
        return None
    from mcp.types import ListRootsRequest, ListRootsResult

    timeout = TOOL_ROOTS_TIMEOUT_SECONDS if asked is IN_TOOL_CALL else ROOTS_TIMEOUT_SECONDS

    async def ask() -> list[Path] | None:
        result = await asyncio.wait_for(_request(ctx, ListRootsRequest(), ListRootsResult), timeout)
        return roots_of(result)

    try:  # kept for the session when the client promises roots/list_changed (see mcp_server.rootcache)
        return await state_of(ctx).session_roots.get(ctx.session, ask, keep=bool(caps.roots.list_changed))
    except Exception as exc:
        if asked is IN_TOOL_CALL:  # a tool call must not act outside roots it could not learn
            raise InvalidInput(
                f"Your editor declares workspace roots but did not answer roots/list ({type(exc).__name__}); "
                "nothing was done. Call the tool again; if this persists, restart the MCP server in your editor."
            ) from exc
        log.warning("roots/list failed (%s); resolving the project without the client's roots", type(exc).__name__)
        return None  # a resource or prompt read (no projectRoot to confine) goes on without them


async def project_folder(ctx: Context[Any, Any], project_root: str | None, *, creating: bool = False) -> Path:
    """The project folder of a call, by the rules in the module docstring.

    ``creating`` (initialize_project) lets the search end at the working directory when nothing else names a
    folder, since the project to be created has no ``.taskmaster/`` yet.
    """
    state = state_of(ctx)
    if state.pinned_root is not None:
        return state.pinned_root
    roots = await client_roots(ctx)
    return resolve_root(
        project_root,
        env_root=state.env.get("TASK_MASTER_PROJECT_ROOT"),
        client_roots=roots,
        cwd=state.cwd,
        creating=creating,
    )


async def open_project(ctx: Context[Any, Any], project_root: str | None, file: str | None = None) -> Project:
    """The Project a call acts on (its folder from :func:`project_folder`, its tasks file from ``file``)."""
    return state_of(ctx).project_at(await project_folder(ctx, project_root), file)


SAMPLING_NEEDS_LEGACY = (
    "The 'mcp' provider asks your editor's own model (MCP sampling), which needs a 2025-era MCP session; this "
    "session uses the 2026 protocol, where servers cannot ask the client mid-call. Configure a provider with its "
    "own key for this role instead, e.g. `models` with setMain=claude-sonnet-4-20250514 (anthropic), or "
    "setMain=<model> with ollama=true for a local model."
)


def sampler_for(ctx: Context[Any, Any]) -> Sampler | None:
    """A sampler that asks the client's own model, when the client declared the sampling capability.

    On a 2026-era session the sampler explains (as a ConfigError) that sampling needs a 2025-era session.
    """
    caps = ctx.client_capabilities
    if caps is None or caps.sampling is None:
        return None
    if not ctx.session.can_send_request:

        async def unavailable(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
            raise ConfigError(SAMPLING_NEEDS_LEGACY)

        return unavailable

    async def sample(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
        from mcp.types import (
            CreateMessageRequest,
            CreateMessageRequestParams,
            CreateMessageResult,
            SamplingMessage,
            TextContent,
        )

        params = CreateMessageRequestParams(
            messages=[SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
            max_tokens=max_tokens,
            system_prompt=system,
        )
        result = await _request(ctx, CreateMessageRequest(params=params), CreateMessageResult)
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
    """Build the AIContext of one tool call (and start its notes of what the secret guard redacted)."""
    from taskmaster_mcp.ai.context import AIContext
    from taskmaster_mcp.store.secrets import begin_notes

    begin_notes()

    async def progress(done: float, total: float | None, message: str) -> None:
        try:
            await ctx.report_progress(done, total, message)
        except Exception as exc:  # a client that went away must not fail the model call
            log.debug("progress notification failed: %s", exc)

    return AIContext(
        project=project,
        router=state_of(ctx).router_for(project),
        sampler=sampler_for(ctx),
        progress=monotonic_progress(progress),
        fresh=FRESH.get(),
    )
