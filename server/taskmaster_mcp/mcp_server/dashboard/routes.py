"""The dashboard as a Starlette app: the page, its static assets, the JSON API and the live-update stream.

Routes (every one behind :class:`~taskmaster_mcp.mcp_server.dashboard.security.Guard`):

- ``GET /`` the page (``?token=`` logs a browser in, see ``security``); ``GET /static/<name>`` its assets;
- ``GET /api/board?tag=``, ``/api/task/<id>?tag=``, ``/api/graph?tag=``, ``/api/models``: JSON from ``data``;
- ``POST /api/status`` ``{"id", "status", "tag"?, "expected"?}``: a card move;
- ``GET /api/events``: server-sent events, ``tasks`` when tasks.json or state.json changes on disk and ``models``
  when the ledger, config.json or the benchmark report does.

Live updates poll ``stat`` every 200 ms per open page rather than use an OS file watcher: no dependency, the same on
every platform and filesystem (network drives and editors that replace files included), and a stat of five files
costs microseconds. A page hears about a change within about 0.2 s plus its own refetch. The poll is per connection
and ends when the browser goes away (checked every poll), so a closed tab leaves nothing running;
``DashboardState.watchers`` counts the live ones. A ``: ping`` comment every 15 s keeps proxies from closing an idle
stream. Errors a user can cause come back as JSON ``{"error": message}`` with 400/404/409; a tasks file the server
cannot read is a 500 with the store's message, which says what to fix.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from taskmaster_mcp.errors import Conflict, InvalidInput, NotFound, TaskmasterError
from taskmaster_mcp.mcp_server.dashboard.data import DashboardData
from taskmaster_mcp.mcp_server.dashboard.security import Guard
from taskmaster_mcp.mcp_server.offload import sync_in_worker
from taskmaster_mcp.store.benchmarks import REPORT_NAME

POLL_SECONDS = 0.2
MAX_STREAMS = 64  # live-update streams (open pages) per server; one more is answered 503
MAX_BODY_BYTES = 64 * 1024  # a card move is a few dozen bytes; /mcp caps its body at 4 MiB the same way (413)
PING_SECONDS = 15.0
ASSETS = {"app.js": "text/javascript", "app.css": "text/css", "favicon.svg": "image/svg+xml"}
STATUS_OF_ERROR: dict[type[TaskmasterError], int] = {NotFound: 404, InvalidInput: 400, Conflict: 409}


@dataclass
class DashboardState:
    """One server run's dashboard: its data, its guard, and how many live-update streams are open."""

    data: DashboardData
    guard: Guard
    watchers: int = 0
    closing: bool = False  # set when the server is shutting down: live streams end at their next poll
    assets: dict[str, bytes] = field(default_factory=lambda: {})


def _load_assets() -> dict[str, bytes]:
    folder = resources.files("taskmaster_mcp.mcp_server.dashboard") / "static"
    return {name: (folder / name).read_bytes() for name in ("index.html", *ASSETS)}


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, media_type="application/json", headers={"cache-control": "no-store"}
    )


def _error(err: TaskmasterError) -> Response:
    status = (
        413
        if isinstance(err, BodyTooLarge)
        else next((code for kind, code in STATUS_OF_ERROR.items() if isinstance(err, kind)), 500)
    )
    return JSONResponse({"error": str(err)}, status_code=status, headers={"cache-control": "no-store"})


Handler = Callable[[Request], Awaitable[Response]]


class BodyTooLarge(InvalidInput):
    """A request body over :data:`MAX_BODY_BYTES` (answered 413)."""


async def _capped_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge(f'The body is over {MAX_BODY_BYTES:,} bytes. Send {{"id": "7", "status": "done"}}.')
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(f'The body is over {MAX_BODY_BYTES:,} bytes. Send {{"id": "7", "status": "done"}}.')
        chunks.append(chunk)
    return b"".join(chunks)


def _guarded(state: DashboardState, handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        refused = await state.guard.check(request)
        if refused is None:
            try:
                refused = await handler(request)
            except TaskmasterError as err:
                refused = _error(err)
        refused.headers.update(state.guard.page_headers())
        return refused

    return endpoint


def _signatures(state: DashboardState) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(tasks side, models side) file signatures: (mtime, size, inode) of each file, None when absent."""
    paths = state.data.project.paths

    def sig(path: os.PathLike[str]) -> tuple[int, int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    tasks = (sig(paths.tasks_file), sig(paths.legacy_tasks_file), sig(paths.state_file))
    models = (sig(state.data.ledger.path), sig(paths.config_file), sig(paths.reports_dir / REPORT_NAME))
    return tasks, models


def build_dashboard(state: DashboardState) -> Starlette:
    """The dashboard's ASGI app for one project."""
    state.assets = state.assets or _load_assets()
    data = state.data

    async def index(request: Request) -> Response:
        page = state.assets["index.html"].replace(b"{{CSRF}}", state.guard.csrf.encode())
        return Response(page, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})

    async def asset(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in ASSETS:
            return JSONResponse({"error": f"no asset {name!r}"}, status_code=404)
        return Response(state.assets[name], media_type=ASSETS[name], headers={"cache-control": "no-cache"})

    async def board(request: Request) -> Response:
        return _json(await sync_in_worker(data.board, request.query_params.get("tag")))

    async def task(request: Request) -> Response:
        tag, task_id = request.query_params.get("tag"), str(request.path_params["task_id"])
        return _json(await sync_in_worker(data.task, tag, task_id))

    async def graph(request: Request) -> Response:
        return _json(await sync_in_worker(data.graph, request.query_params.get("tag")))

    async def models(request: Request) -> Response:
        return _json(await sync_in_worker(data.models))

    async def move(request: Request) -> Response:
        try:
            body = orjson.loads(await _capped_body(request))
        except orjson.JSONDecodeError:
            raise InvalidInput('The body is not JSON. Send {"id": "7", "status": "done"}.') from None
        if not isinstance(body, dict):
            raise InvalidInput('Send a JSON object: {"id": "7", "status": "done"}.')
        fields: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        tag, expected = fields.get("tag"), fields.get("expected")
        return _json(
            await sync_in_worker(
                data.move,
                tag if isinstance(tag, str) else None,
                str(fields.get("id") or ""),
                str(fields.get("status") or ""),
                expected if isinstance(expected, str) else None,
            )
        )

    async def events(request: Request) -> Response:
        if state.watchers >= MAX_STREAMS:
            return JSONResponse(
                {"error": f"{state.watchers} live pages are open, the most this server keeps. Close some tabs."},
                status_code=503,
                headers={"cache-control": "no-store", "retry-after": "30"},
            )
        return StreamingResponse(
            _stream(state, request),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def login_or_index(request: Request) -> Response:
        refused = await state.guard.transport_check(request)
        if refused is None:
            login = state.guard.login(request)
            if login is not None:
                login.headers.update(state.guard.page_headers())
                return login
        return await _guarded(state, index)(request)

    routes = [
        Route("/", login_or_index, methods=["GET"]),
        Route("/static/{name}", _guarded(state, asset), methods=["GET"]),
        Route("/api/board", _guarded(state, board), methods=["GET"]),
        Route("/api/task/{task_id}", _guarded(state, task), methods=["GET"]),
        Route("/api/graph", _guarded(state, graph), methods=["GET"]),
        Route("/api/models", _guarded(state, models), methods=["GET"]),
        Route("/api/status", _guarded(state, move), methods=["POST"]),
        Route("/api/events", _guarded(state, events), methods=["GET"]),
    ]
    return Starlette(routes=routes)


async def _stream(state: DashboardState, request: Request) -> AsyncIterator[bytes]:
    state.watchers += 1
    try:
        tasks, models = _signatures(state)
        yield b"retry: 1000\nevent: hello\ndata: {}\n\n"
        quiet = 0.0
        while True:
            await anyio.sleep(POLL_SECONDS)
            if state.closing or await request.is_disconnected():
                return
            now_tasks, now_models = _signatures(state)
            if now_tasks != tasks:
                tasks, quiet = now_tasks, 0.0
                yield b"event: tasks\ndata: {}\n\n"
            if now_models != models:
                models, quiet = now_models, 0.0
                yield b"event: models\ndata: {}\n\n"
            quiet += POLL_SECONDS
            if quiet >= PING_SECONDS:
                quiet = 0.0
                yield b": ping\n\n"
    finally:
        state.watchers -= 1
