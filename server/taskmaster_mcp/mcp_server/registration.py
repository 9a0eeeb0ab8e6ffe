"""How a plain tool function becomes an MCP tool: error mapping, compact results and compact schemas.

Decisions, each measured in ``tests/bench/bench_context.py``:

- Results are a pydantic model sent twice as the spec asks: ``structuredContent`` and the same JSON, compact (no
  indentation, no null fields), as the text block the agent reads. No ``outputSchema`` is published: for our tools
  it would roughly triple the ``tools/list`` bytes that every agent conversation pays for, and the result shapes
  are documented in README.
- Input schemas are published without pydantic's ``title`` keys and with ``X | None = None`` shown as plain ``X``.
  Parameters listed in ``HIDDEN_PARAMS`` (today only ``file``, a rarely used Task Master parameter) are accepted
  and validated but left out of the published schema; the server instructions mention them once.
- The tools that ask a model (``ai`` in the catalogue) get one more parameter here, ``fresh`` (skip the response
  cache), so it is declared once and reaches the AI core through :data:`~taskmaster_mcp.mcp_server.calls.FRESH`.
  It is published without a description (about 40 bytes per AI tool in every conversation): a result answered from the
  cache says "pass fresh: true for a new answer", which is when an agent needs to know.
- Every :class:`TaskmasterError` becomes a ``ToolError`` with its message. An unexpected exception is logged with
  its traceback to stderr and reaches the agent as a ``ToolError`` naming the exception, never as the SDK's
  message-less "Error executing tool".
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, cast

from mcp.server import MCPServer
from mcp.server.mcpserver import Context, ListRoots, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ListRootsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ValidationError

from taskmaster_mcp.mcp_server.calls import CALL_ROOTS, FRESH, IN_TOOL_CALL, client_roots, roots_of, state_of
from taskmaster_mcp.mcp_server.catalogue import ToolSpec
from taskmaster_mcp.mcp_server.offload import in_worker
from taskmaster_mcp.mcp_server.outcomes import failure_text, result_data

log = logging.getLogger("taskmaster_mcp")

HIDDEN_PARAMS = frozenset({"file"})
FRESH_PARAM = "fresh"


def to_result(model: BaseModel) -> CallToolResult:
    """A compact CallToolResult carrying ``model`` as structured content and as its JSON text."""
    data = result_data(model)
    text = model.model_dump_json(exclude_none=True, by_alias=True)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def compact_schema(schema: Any, hidden: frozenset[str] = HIDDEN_PARAMS) -> Any:
    """Drop ``title`` keys and ``default: null``, and fold ``anyOf [X, null]`` into ``X``, recursively."""
    if isinstance(schema, list):
        return [compact_schema(item, hidden) for item in schema]  # pyright: ignore[reportUnknownVariableType]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for name, value in schema.items():  # pyright: ignore[reportUnknownVariableType]
        if name == "title" and isinstance(value, str):
            continue
        if name == "default" and (value is None or value is False or isinstance(value, str)):
            continue
        if name == "properties" and isinstance(value, dict):
            result[name] = {
                prop: compact_schema(sub, hidden)
                for prop, sub in value.items()  # pyright: ignore[reportUnknownVariableType]
                if prop not in hidden
            }
            continue
        result[str(name)] = compact_schema(value, hidden)  # pyright: ignore[reportUnknownArgumentType]
    any_of = result.get("anyOf")
    if isinstance(any_of, list):
        options: list[Any] = [o for o in any_of if o != {"type": "null"}]  # pyright: ignore[reportUnknownVariableType]
        if len(options) == 1 and len(options) != len(any_of):  # pyright: ignore[reportUnknownArgumentType]
            del result["anyOf"]
            result = {**options[0], **result}
    if isinstance(result.get("required"), list):
        result["required"] = [r for r in result["required"] if r not in hidden]
        if not result["required"]:
            del result["required"]
    return result


def _expected(schema: dict[str, Any]) -> str:
    """What a parameter's published schema accepts, in words."""
    kind = schema.get("type")
    options = schema.get("anyOf")
    if isinstance(options, list):
        forms = [
            _expected({k: v for k, v in cast(dict[str, Any], o).items() if k != "description"})
            for o in cast(list[Any], options)
            if isinstance(o, dict)
        ]
        form = " or ".join(dict.fromkeys(forms))
        description = schema.get("description")
        return f"{form} ({description})" if isinstance(description, str) else form
    if "enum" in schema:
        form = "one of " + ", ".join(repr(v) for v in cast(list[Any], schema["enum"]))
    elif kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        form = "an integer" if kind == "integer" else "a number"
        if low is not None and high is not None:
            form += f" from {low} to {high}"
        elif low is not None or high is not None:
            form += f" of at least {low}" if low is not None else f" of at most {high}"
    elif kind == "boolean":
        form = "true or false"
    elif kind == "string":
        form = "a string"
    elif kind == "object":
        form = "an object"
    elif kind == "array":
        form = "a list"
    else:
        form = f"a {kind}" if isinstance(kind, str) else "a value of the published type"
    description = schema.get("description")
    return f"{form} ({description})" if isinstance(description, str) else form


def argument_problems(tool: str, error: ValidationError, schema: dict[str, Any]) -> str:
    """A ToolError message for arguments that failed validation: each parameter, what it accepts, what came."""
    properties = cast(dict[str, Any], schema.get("properties") or {})
    problems: list[str] = []
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "(arguments)"
        expected = _expected(cast(dict[str, Any], properties.get(name) or {}))
        if item["type"] == "missing":
            problems.append(f"'{name}' is required: {expected}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"'{name}' is not a parameter of {tool}")
        else:
            problems.append(f"'{name}' must be {expected}, got {json.dumps(item.get('input'), default=str)[:80]}")
    unique = list(dict.fromkeys(problems))
    return f"Invalid arguments for {tool}: {'; '.join(unique)}. Fix them and call {tool} again."


def unknown_arguments(arg_model: type[BaseModel], arguments: dict[str, Any]) -> list[str]:
    """Argument names the tool does not take. The SDK would drop them silently; an agent (or a Task Master rule
    written for another tool) that sends one must learn it had no effect."""
    known: set[str] = set()
    for field_name, field in arg_model.model_fields.items():
        known.add(field.alias or field_name)  # an aliased parameter is sent by its alias ("from", not "from_")
    return sorted(k for k in arguments if k not in known and k != ROOTS_PARAM)


def hints(*, read_only: bool, destructive: bool, idempotent: bool, open_world: bool) -> ToolAnnotations:
    """Tool annotations with only the values that differ from the spec's defaults (which are read-only false,
    destructive true, idempotent false, open-world true), so every hint is correct and none costs extra bytes."""
    return ToolAnnotations(
        read_only_hint=True if read_only else None,
        destructive_hint=False if not read_only and not destructive else None,
        idempotent_hint=True if idempotent and not read_only else None,
        open_world_hint=False if not open_world else None,
    )


# Names a tool module may import for type checking only (so the CLI can call it without the SDK).
TOOL_NAMES: dict[str, Any] = {"Context": Context}


def parameter_signature(fn: Callable[..., Any]) -> inspect.Signature:
    """``fn``'s signature with parameter annotations evaluated and the return annotation set to CallToolResult.

    The return annotation is never evaluated, so a tool module can import its result model (and the AI core behind
    it) lazily, inside the function: that keeps the import of every model-backed command out of server start-up.
    """
    raw = inspect.signature(fn)
    params = [
        p.replace(
            annotation=eval(p.annotation, fn.__globals__, TOOL_NAMES) if isinstance(p.annotation, str) else p.annotation
        )
        for p in raw.parameters.values()
    ]
    return raw.replace(parameters=params, return_annotation=CallToolResult)


def _aliases(signature: inspect.Signature) -> dict[str, str]:
    """alias -> parameter name, for parameters declared as ``Annotated[..., Field(alias=...)]``."""
    found: dict[str, str] = {}
    for name, param in signature.parameters.items():
        for meta in getattr(param.annotation, "__metadata__", ()):
            alias = getattr(meta, "alias", None)
            if isinstance(alias, str) and alias != name:
                found[alias] = name
    return found


ROOTS_PARAM = "mcp_client_roots"


def _ask_for_roots(ctx: Context[Any, Any]) -> ListRoots | None:
    """On a 2026-era session, ask the client for its roots when they can change where the call acts.

    Not when the client declares no roots, the server is pinned to one project, or ``TASK_MASTER_PROJECT_ROOT``
    picks the project and the call names no ``projectRoot``. A 2025-era session is asked once per session by
    :func:`~taskmaster_mcp.mcp_server.calls.client_roots` instead (see :mod:`taskmaster_mcp.mcp_server.rootcache`).
    """
    caps = ctx.client_capabilities
    state = state_of(ctx)
    if caps is None or caps.roots is None or state.pinned_root is not None or ctx.session.can_send_request:
        return None
    params = ctx.request_context.params or {}
    arguments = params.get("arguments")
    named = isinstance(arguments, dict) and bool(cast(dict[str, Any], arguments).get("projectRoot"))
    if state.env.get("TASK_MASTER_PROJECT_ROOT") and not named:
        return None
    return ListRoots()


def _with_roots_parameter(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` plus a keyword parameter the SDK fills with the client's roots on a 2026-era session.

    On a 2026 session the SDK answers the call with an input-required result and the client retries with its roots
    (when :func:`_ask_for_roots` asks). The parameter never appears in the tool's schema.
    """
    roots = inspect.Parameter(
        ROOTS_PARAM,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[ListRootsResult | None, Resolve(_ask_for_roots)],
    )
    return signature.replace(parameters=[*signature.parameters.values(), roots])


def _with_fresh_parameter(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` plus ``fresh``: an AI tool's answer from the response cache is skipped for a new one."""
    fresh = inspect.Parameter(FRESH_PARAM, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool)
    return signature.replace(parameters=[*signature.parameters.values(), fresh])


async def _roots_before_offload(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Resolve the call's client roots on the server's loop (cached per session where the protocol allows), so an
    offloaded tool finds them in CALL_ROOTS instead of asking the client from its worker's loop."""
    if CALL_ROOTS.get() is not IN_TOOL_CALL:
        return
    ctx: Context[Any, Any] | None = None
    for value in (*args, *kwargs.values()):
        if isinstance(value, Context):
            ctx = cast("Context[Any, Any]", value)
            break
    if ctx is None or state_of(ctx).pinned_root is not None:
        return
    CALL_ROOTS.set(await client_roots(ctx))


def register(server: MCPServer[Any], spec: ToolSpec) -> None:
    """Register the catalogue's tool ``spec`` (an async function returning a pydantic model) with its docstring,
    title and annotations; a tool that asks a model gets ``fresh``."""
    fn = spec.fn
    tool_name = spec.name

    signature = parameter_signature(fn)
    aliases = _aliases(signature)
    if "projectRoot" in signature.parameters:
        signature = _with_roots_parameter(signature)
    if spec.ai:
        signature = _with_fresh_parameter(signature)
    offloaded = not spec.opens_world  # asks no model and nothing outside: runs on a worker thread (offload.py)

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> CallToolResult:
        for alias, name in aliases.items():
            if alias in kwargs:
                kwargs[name] = kwargs.pop(alias)
        answer = kwargs.pop(ROOTS_PARAM, None)
        token = CALL_ROOTS.set(IN_TOOL_CALL if answer is None else roots_of(answer))
        fresh = FRESH.set(bool(kwargs.pop(FRESH_PARAM, False)))
        try:
            if offloaded:
                # The worker runs its own event loop, which cannot talk to the client: ask its roots here first.
                await _roots_before_offload(args, kwargs)
            return to_result(await (in_worker(fn, *args, **kwargs) if offloaded else fn(*args, **kwargs)))
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(failure_text(tool_name, exc)) from exc
        finally:
            FRESH.reset(fresh)
            CALL_ROOTS.reset(token)

    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__annotations__ = {**{n: p.annotation for n, p in signature.parameters.items()}, "return": CallToolResult}
    description = inspect.cleandoc(fn.__doc__ or "").split("\n\n", 1)[0].replace("\n", " ")
    server.add_tool(
        wrapper,
        name=tool_name,
        title=spec.title,
        description=description,
        annotations=hints(
            read_only=spec.read_only,
            destructive=spec.destructive,
            idempotent=spec.idempotent,
            open_world=spec.opens_world,
        ),
    )
    tool = server._tool_manager.get_tool(tool_name)  # pyright: ignore[reportPrivateUsage]
    if tool is not None:
        tool.parameters = compact_schema(tool.parameters, spec.hidden)
