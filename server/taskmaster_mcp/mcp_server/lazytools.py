"""Start fast with many tools: register each tool with the SDK on first use, and list them from a cache.

The SDK builds a pydantic argument model and a JSON schema for every tool it registers: about 1.5 ms a tool, or
~60 ms for our 36, which alone would put start-up past 1.1x a bare server. So :class:`LazyToolServer` keeps the
tool specs and registers a tool only when it is first called. ``tools/list`` is answered from a cache file of the
exact listing the SDK produced last time, keyed by a hash of everything that shapes it (this package's files, the
SDK and pydantic versions, the selected tools). A missing, stale or unreadable cache just means the slow path:
register everything, list, and write the cache for next time. Nothing in the listing is hand-written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import weakref
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ListToolsResult, Prompt, Resource, ResourceTemplate, Tool
from pydantic import ValidationError

from taskmaster_mcp.mcp_server.calls import READ_CONTEXT
from taskmaster_mcp.mcp_server.logs import use_plain_logging
from taskmaster_mcp.mcp_server.registration import argument_problems, unknown_arguments
from taskmaster_mcp.mcp_server.rootcache import connection_of

log = logging.getLogger("taskmaster_mcp")

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the whole taskmaster_mcp package


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``TASKMASTER_MCP_CACHE_DIR``, else the platform's user cache folder (the same place platformdirs picks,
    computed here because importing platformdirs would cost more start-up than the cache saves on some machines).
    """
    configured = env.get("TASKMASTER_MCP_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "taskmaster-mcp" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "taskmaster-mcp"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "taskmaster-mcp"


def _announce_tool_changes(server: MCPServer[Any]) -> None:
    """Declare ``tools.listChanged`` on 2025-era sessions (the SDK declares it on 2026-era ones, where the change
    reaches ``subscriptions/listen`` streams): ``enable_tools`` changes the listing mid-session."""
    from mcp.server.lowlevel.server import NotificationOptions

    lowlevel = server._lowlevel_server  # pyright: ignore[reportPrivateUsage]
    original = lowlevel.create_initialization_options

    def options(notification_options: NotificationOptions | None = None, *args: Any, **kwargs: Any) -> Any:
        return original(notification_options or NotificationOptions(tools_changed=True), *args, **kwargs)

    lowlevel.create_initialization_options = options  # type: ignore[method-assign]


def _lasting_connection(session: Any) -> Any:
    """The connection of a 2025-era session (which lasts the session), or None."""
    if session is None or not getattr(session, "can_send_request", False):
        return None
    return connection_of(session)


def listing_key(names: Sequence[str]) -> str:
    """A hash of what shapes ``tools/list``: our source files (path, size, mtime), the SDK and pydantic versions, the
    chosen tools."""
    digest = hashlib.sha256()
    for dist in ("mcp", "mcp-types", "pydantic"):
        try:
            digest.update(f"{dist}={metadata.version(dist)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{dist}=?;".encode())
    digest.update(",".join(names).encode())
    for source in sorted(PACKAGE_DIR.rglob("*.py")):
        st = source.stat()  # size and mtime, not content: a stat per file instead of reading the whole package
        digest.update(f"{source.relative_to(PACKAGE_DIR).as_posix()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:32]


class LazyToolServer(MCPServer[Any]):
    """An MCPServer whose tools are registered on first call and listed from a cache when one is valid."""

    def __init__(self, *args: Any, cache_dir: Path | None = None, **kwargs: Any) -> None:
        use_plain_logging()
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Callable[[], None]] = {}
        self._order: list[str] = []
        self._cache_dir = cache_dir
        self._listing: list[Tool] | None = None
        self._extras: Callable[[], None] | None = None
        self._listed: set[str] | None = None  # None: every served tool is listed
        # Groups a 2025-era session switched on, per connection (a 2026-era request has no lasting connection: what
        # it switches on goes into _listed, for every session of this server).
        self._enabled: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
        _announce_tool_changes(self)

    def defer_extras(self, install: Callable[[], None]) -> None:
        """Remember how to register resources and prompts; they are registered on the first request for either."""
        self._extras = install

    def _ensure_extras(self) -> None:
        install, self._extras = self._extras, None
        if install is not None:
            install()

    def defer_tool(self, name: str, install: Callable[[], None]) -> None:
        """Remember how to register tool ``name``; it is registered when first called or listed."""
        self._pending[name] = install
        self._order.append(name)

    def list_only(self, names: Sequence[str]) -> None:
        """List only ``names`` (the rest stay callable) until :meth:`enable` adds more."""
        self._listed = set(names)

    def enable(self, names: Sequence[str], session: Any = None) -> list[str]:
        """List these served tools from now on, for ``session``'s connection (2025 era) or for every session
        (2026 era, or no session); returns those newly listed."""
        if self._listed is None:
            return []
        key = _lasting_connection(session)
        extra = self._listed if key is None else self._enabled.setdefault(key, set())
        new = [n for n in names if n in self._order and n not in self._listed and n not in extra]
        extra.update(new)
        return new

    async def _handle_list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        """``tools/list`` for the asking session: the listing plus what its connection switched on."""
        listing = await self.list_tools()
        key = _lasting_connection(ctx.session)
        extra: set[str] = self._enabled.get(key, set()) if key is not None else set()
        if extra and self._listing is not None:
            shown = {t.name for t in listing} | extra
            listing = [t for t in self._listing if t.name in shown]
        return ListToolsResult(tools=listing)

    def _ensure(self, name: str) -> None:
        install = self._pending.pop(name, None)
        if install is not None:
            install()

    def register_all(self) -> None:
        """Register every deferred tool now (in catalogue order)."""
        for name in self._order:
            self._ensure(name)

    def _cache_path(self) -> Path | None:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"tools-{listing_key(self._order)}.json"

    def _read_cache(self, path: Path | None) -> list[Tool] | None:
        if path is None or not path.is_file():
            return None
        try:
            tools = [Tool.model_validate(item) for item in json.loads(path.read_bytes())]
        except (OSError, ValueError) as exc:
            log.info("ignoring unreadable tool cache %s: %s", path, exc)
            return None
        return tools if [t.name for t in tools] == self._order else None

    async def list_tools(self) -> list[Tool]:
        """The tool listing, from the cache when it matches this exact code and configuration."""
        if self._listing is None:
            path = self._cache_path()
            self._listing = self._read_cache(path)
            if self._listing is None:
                self.register_all()
                self._listing = await super().list_tools()
                if path is not None:
                    from taskmaster_mcp.store.files import write_atomic

                    try:
                        data = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in self._listing]
                        write_atomic(path, json.dumps(data, separators=(",", ":")))
                    except OSError as exc:  # a read-only home must not stop the server
                        log.info("could not write tool cache %s: %s", path, exc)
        listed = self._listed
        return self._listing if listed is None else [t for t in self._listing if t.name in listed]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """Register ``name`` on its first call, then let the SDK run it.

        Arguments that fail the SDK's validation come back as our message (each parameter, what it accepts, what
        was sent) rather than pydantic's text.
        """
        self._ensure(name)
        tool = self._tool_manager.get_tool(name)
        if tool is not None:
            unknown = unknown_arguments(tool.fn_metadata.arg_model, arguments)
            if unknown:
                accepted = sorted(tool.parameters.get("properties", {}))
                raise ToolError(
                    f"{name} does not take {', '.join(unknown)}. Its parameters: {', '.join(accepted)}. "
                    f"Leave the others out and call {name} again."
                )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError) and tool is not None:
                raise ToolError(argument_problems(name, exc.__cause__, tool.parameters)) from exc.__cause__
            raise

    async def list_resources(self) -> list[Resource]:
        self._ensure_extras()
        return await super().list_resources()

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        self._ensure_extras()
        return await super().list_resource_templates()

    async def read_resource(self, uri: Any, context: Any = None) -> Any:
        """Read with the request's Context available to static resources (see ``calls.READ_CONTEXT``)."""
        self._ensure_extras()
        token = READ_CONTEXT.set(context)
        try:
            return await super().read_resource(uri, context)
        finally:
            READ_CONTEXT.reset(token)

    async def list_prompts(self) -> list[Prompt]:
        self._ensure_extras()
        return await super().list_prompts()

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None, context: Any = None) -> Any:
        self._ensure_extras()
        return await super().get_prompt(name, arguments, context)

    async def run_stdio_async(self) -> None:
        """Serve stdio, answering unreadable lines with JSON-RPC errors (see :mod:`taskmaster_mcp.mcp_server.stdio`)."""
        from mcp.server.stdio import stdio_server

        from taskmaster_mcp.mcp_server.wire import AnswerUnreadableLines

        async with stdio_server() as (read_stream, write_stream):
            await self._lowlevel_server.run(
                AnswerUnreadableLines(read_stream, write_stream),
                write_stream,
                self._lowlevel_server.create_initialization_options(),
            )

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        self._ensure(name)
        return super()._tool_input_schema(name)
