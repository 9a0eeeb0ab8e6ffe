"""The CLI's way to the tools: the very tool functions an editor's server runs, called in this process.

One :class:`ToolSession` serves one command, however many calls it makes (``list --all-tags`` makes one per tag). It
calls each tool function directly with a :class:`CallContext`, the part of the SDK's request context a tool reads
(the server state, progress), so a read pays for neither the MCP SDK nor the protocol: the arguments are checked
against the tool's own signature, the result is dumped and a failure worded as the server does
(:mod:`taskmaster_mcp.mcp_server.outcomes`). Arguments the tool would refuse are passed to the real server through the
SDK's in-memory client instead (:func:`protocol_session`), so the refusal is the server's own text; that session is
also what ``tests/cli/test_cli_direct.py`` compares the in-process calls with.

A tool's error, or a tool or parameter this server does not have, raises :class:`CommandFailed` carrying the tool's
text as the agent would read it; :mod:`taskmaster_mcp.cli.messages` rewrites it for a person at the boundary.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from taskmaster_mcp.cli.call_context import CallContext, Progress
from taskmaster_mcp.cli.spec import ToolCall

if TYPE_CHECKING:
    from pydantic import BaseModel

    from taskmaster_mcp.mcp_server.catalogue import ToolSpec
    from taskmaster_mcp.mcp_server.state import AppState


class CommandFailed(Exception):
    """A tool returned an error (or is not available); ``exit_code`` is 1, or 2 when the arguments were wrong."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Refused(Exception):
    """Arguments the tool's signature does not accept: the server says how (see :meth:`ToolSession.call`)."""


def _arguments_model(fn: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model of ``fn``'s parameters after the context, as the SDK builds one (annotations, defaults,
    constraints and aliases as declared)."""
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    for param in list(inspect.signature(fn).parameters.values())[1:]:
        annotation = param.annotation
        if isinstance(annotation, str):
            annotation = eval(annotation, fn.__globals__)  # as registration.parameter_signature does
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (Annotated[annotation, Field()], default)
    config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")
    return create_model(f"{fn.__name__}_arguments", __config__=config, **fields)


class ToolSession:
    """Calls the server's tool functions in process (see the module docstring); one per command."""

    def __init__(self, state: AppState, project: str | None, env: Mapping[str, str]) -> None:
        self._state = state
        self._specs: dict[str, ToolSpec] | None = None  # the catalogue, loaded when a call needs a tool function
        self._project = project
        self._env = env
        self._stack = AsyncExitStack()
        self._protocol: ProtocolSession | None = None
        self.progress: Progress | None = None  # where the planned call of an AI command reports (its live bar)

    async def call(self, tool: str, arguments: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
        """The tool's structured result; CommandFailed on a tool error (an unknown parameter is one: the server
        names it) or when this server has no such tool."""
        given = {k: v for k, v in arguments.items() if v is not None and v is not False}
        answer = await self._read(tool, given)
        if answer is not None:
            return answer
        spec = self._tool_specs().get(tool)
        if spec is None:
            raise CommandFailed(f"this version of taskmaster-mcp has no {tool} tool, which this command needs")
        from taskmaster_mcp.mcp_server.calls import CALL_ROOTS, FRESH
        from taskmaster_mcp.mcp_server.outcomes import failure_text, result_data

        fn = spec.fn
        fresh = bool(given.pop("fresh", False))
        try:
            kwargs = self._validated(fn, given)
        except _Refused:
            return await (await self._server()).call(tool, {**arguments}, progress)
        roots, fresh_token = CALL_ROOTS.set(None), FRESH.set(fresh)
        try:
            model = await fn(CallContext(self._state, progress), **kwargs)
        except Exception as exc:
            raise CommandFailed(failure_text(tool, exc)) from exc
        finally:
            FRESH.reset(fresh_token)
            CALL_ROOTS.reset(roots)
        return result_data(model)

    def _tool_specs(self) -> dict[str, ToolSpec]:
        if self._specs is None:
            from taskmaster_mcp.mcp_server.app import tool_specs

            self._specs = tool_specs()
        return self._specs

    async def _read(self, tool: str, given: dict[str, Any]) -> dict[str, Any] | None:
        """A plain read's answer from the core the tool itself calls (:mod:`taskmaster_mcp.cli.reads`), or None
        when the call needs the tool function (arguments outside the plain read, or an unexpected failure)."""
        from taskmaster_mcp.cli.reads import plain_read
        from taskmaster_mcp.errors import TaskmasterError
        from taskmaster_mcp.mcp_server.calls import CALL_ROOTS

        read = plain_read(tool, given)
        if read is None:
            return None
        roots = CALL_ROOTS.set(None)  # as for a tool call: the CLI offers no roots
        try:
            return await read(self._state)
        except TaskmasterError as exc:  # worded as the tool's failure is (mcp_server.outcomes.failure_text)
            raise CommandFailed(str(exc)) from exc
        except Exception:  # the tool function words anything else (a file error, a bug) as the server does
            return None
        finally:
            CALL_ROOTS.reset(roots)

    @staticmethod
    def _validated(fn: Callable[..., Any], given: dict[str, Any]) -> dict[str, Any]:
        from pydantic import ValidationError

        model = _arguments_model(fn)
        try:
            checked = model.model_validate(given)
        except ValidationError as exc:
            raise _Refused from exc
        return {name: getattr(checked, name) for name in type(checked).model_fields}

    async def _server(self) -> ProtocolSession:
        """The protocol session on the same server settings, opened on first need."""
        if self._protocol is None:
            self._protocol = await self._stack.enter_async_context(protocol_session(self._project, self._env))
        return self._protocol

    async def run(self, planned: ToolCall, progress: Progress | None = None) -> dict[str, Any]:
        """A planned call (its follow-ups run after it, in order; their results are not returned)."""
        data = await self.call(planned.tool, planned.arguments, progress or self.progress)
        for followup in planned.followups:
            await self.call(followup.tool, followup.arguments)
        return data

    async def aclose(self) -> None:
        await self._stack.aclose()
        await self._state.aclose()


def _folder(project: str | None) -> Path:
    return Path(project).resolve() if project else Path.cwd()


@asynccontextmanager
async def session(project: str | None, env: Mapping[str, str] | None = None) -> AsyncGenerator[ToolSession]:
    """A session on the tools for ``project`` (a folder; default the working directory), as a server started
    there with this environment would run them."""
    from taskmaster_mcp.mcp_server.logs import configure_logging, level_from
    from taskmaster_mcp.mcp_server.state import AppState
    from taskmaster_mcp.store.roots import usable_env

    environment = usable_env(os.environ if env is None else env)
    configure_logging(level_from(environment))  # what the server does at start
    tools = ToolSession(AppState(env=environment, cwd=_folder(project)), project, environment)
    try:
        yield tools
    finally:
        await tools.aclose()


class ProtocolSession:
    """Calls tools through one connected in-memory MCP client (see :func:`protocol_session`)."""

    def __init__(self, client: Any, tools: set[str]) -> None:
        self._client = client
        self._tools = tools

    async def call(self, tool: str, arguments: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
        """As :meth:`ToolSession.call`, over the protocol."""
        given = {k: v for k, v in arguments.items() if v is not None and v is not False}
        if tool not in self._tools:
            raise CommandFailed(f"this version of taskmaster-mcp has no {tool} tool, which this command needs")
        result = await self._client.call_tool(tool, given, progress_callback=progress)
        if result.is_error:
            text = str(getattr(result.content[0], "text", "")) if result.content else ""
            raise CommandFailed(text.removeprefix(f"Error executing tool {tool}: "))
        return dict(result.structured_content or {})


@asynccontextmanager
async def protocol_session(
    project: str | None, env: Mapping[str, str] | None = None
) -> AsyncGenerator[ProtocolSession]:
    """A connected MCP session on the server for ``project``, through the SDK's in-memory client."""
    from mcp import Client

    from taskmaster_mcp.mcp_server.app import build_app, tool_specs

    app = build_app(env=dict(os.environ if env is None else env), cwd=_folder(project), profile="all")
    try:
        async with Client(app) as client:
            yield ProtocolSession(client, set(tool_specs()))
    except BaseExceptionGroup as group:  # the client's task groups wrap whatever the command raised inside them
        raise _sole(group) from None


def _sole(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception a (nested) group carries, or the group itself when it carries several."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        item = pending.pop()
        if isinstance(item, BaseExceptionGroup):
            pending.extend(item.exceptions)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        else:
            leaves.append(item)
    return leaves[0] if len(leaves) == 1 else group


async def call(
    tool: str,
    arguments: dict[str, Any],
    project: str | None,
    *,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Call one tool in a session of its own."""
    async with session(project, env) as tools:
        return await tools.call(tool, arguments, progress)
