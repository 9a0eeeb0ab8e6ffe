"""A scripted model-provider HTTP server on 127.0.0.1 for driving the real SDKs over a real socket.

Routes: Anthropic ``POST /v1/messages`` (JSON or SSE), OpenAI ``POST /v1/chat/completions`` (JSON or SSE with a final
usage chunk and ``[DONE]``), OpenAI ``POST /v1/responses`` (JSON), and ``GET /v1/models``. For the clouds: Bedrock's
``POST /model/{id}/invoke-with-response-stream`` (the Anthropic events in AWS event-stream frames), Vertex AI's
``POST .../publishers/anthropic/models/{id}:streamRawPredict`` (Anthropic SSE) and an OAuth ``POST /token`` (Google's
token endpoint, for service-account and user credentials). Routes match by path suffix, so any base path prefix
works. HTTP/1.1 keep-alive: JSON replies carry Content-Length, streams are chunked.

Scripting: ``server.script(route, Reply(...), ..., model=None)`` queues replies for a route (optionally only for one
model); when the queue is empty the route's default reply (``server.defaults[route]``) answers. A ``responder``
(a function of the recorded request returning a Reply, or None to pass) answers before the queues: replaying
recorded answers by what was asked (``tests/eval/replay.py``). Every request is recorded in ``server.requests``.
Scripted errors carry ``retry-after-ms: 10``.
A model with real habits (it reads the schema it was asked for, builds its answer from it and writes it in a
``<think>`` block, a fence, with ``"High"`` or ``"5"``...) is ``tests/model_habits.py``'s ``HabitModel``, used as the
responder (docs/model-answers.md).

Prompt caching as Anthropic bills it: with ``server.prompt_cache = True``, a Messages request's usage is computed
from what it sent (:func:`simulated_cache_usage`, ~4 characters a token): the text up to the last block marked
``cache_control`` (system included) is written to the cache on first use per model (``cache_creation_input_tokens``)
and read from it by every later request with the same prefix (``cache_read_input_tokens``); the rest is
``input_tokens``.

Faults a reply can script: ``status`` (an error in the route's format), ``delay`` (answer late), ``hang`` (accept,
never answer), ``drop`` (close without answering), ``raw`` (any body, e.g. not JSON, as a 200), ``truncate`` (cut
a stream off after N events) and ``interval`` (a slow stream that keeps making progress). For a refused
connection, point a role at :func:`closed_port_url`.

A provider's concurrency limit: with ``server.max_in_flight = N`` a model request arriving while N are being
answered gets ``server.busy_reply`` (a 429 rate-limit error by default; give it ``headers`` for a retry-after) before
any script is consumed. ``server.peak_in_flight`` is the most requests answered at once and ``server.busy_rejections``
counts the 429s sent.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import struct
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MESSAGES = "/messages"
CHAT = "/chat/completions"
RESPONSES = "/responses"
MODELS = "/models"
BEDROCK = "/invoke-with-response-stream"
VERTEX_CLAUDE = ":streamRawPredict"
TOKEN = "/token"
ROUTES = (CHAT, MESSAGES, RESPONSES, MODELS, BEDROCK, VERTEX_CLAUDE, TOKEN)


@dataclass
class Reply:
    """One scripted answer. ``status`` >= 400 sends an error body in the route's format."""

    text: str = "ok"
    status: int = 200
    error_type: str | None = None  # anthropic error.type / openai error.code
    message: str = "scripted error"
    delay: float = 0.0  # seconds before answering (bounded; cut short when the server stops)
    drop: bool = False  # close the connection without answering
    hang: bool = False  # accept the request and never answer (until the server stops)
    truncate: int | None = None  # stream only this many events, then cut the connection mid-body
    interval: float = 0.0  # seconds between streamed events: a slow stream that keeps making progress
    raw: str | None = None  # send this body verbatim as application/json
    usage: tuple[int, int, int] = (12, 7, 0)  # input (incl. cached), output, cached
    chunks: int = 3
    headers: dict[str, str] = field(default_factory=lambda: {})
    cache_written: int = 0  # Anthropic cache_creation_input_tokens (part of usage[0])


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    path_model: str | None = None  # Bedrock and Vertex name the model in the path, not the body
    billed: tuple[int, int, int] | None = None  # simulated prompt caching: input, cache read, cache write tokens

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) and "model" in self.body else self.path_model


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout under test) closes its socket; the reply's broken pipe is expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ProviderServer:
    """The server plus its script and request log; start with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.defaults: dict[str, Reply] = {route: Reply() for route in ROUTES}
        self.models = ["scripted-model-a", "scripted-model-b"]
        self.responder: Callable[[Recorded], Reply | None] | None = None
        self.max_in_flight: int | None = None
        self.busy_reply = Reply(status=429, error_type="rate_limit_error", message="too many requests in flight")
        self.in_flight = 0
        self.peak_in_flight = 0
        self.busy_rejections = 0
        self.weather = Weather()  # random overloads of the provider's own (simulated_weather); off by default
        self.prompt_cache = False  # bill Messages requests as Anthropic's prompt cache would (simulated_cache_usage)
        self.cached_prefixes: set[tuple[str, str]] = set()  # (model, prefix text) written to the simulated cache
        # Anthropic's real rules (simulated_cache_usage): nothing cached under the model's minimum prefix, and a
        # write lands only when its answer is sent, so every request of the first concurrent wave pays a write.
        self.cache_rules = False
        self._queues: dict[tuple[str, str | None], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="provider-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget every request and scripted reply, and restore the default replies (to reuse one server)."""
        with self._lock:
            self.requests.clear()
            self._queues.clear()
            self.defaults = {route: Reply() for route in ROUTES}
            self.responder = None
            self.max_in_flight, self.peak_in_flight, self.busy_rejections = None, 0, 0

    def script(self, route: str, *replies: Reply, model: str | None = None) -> None:
        """Queue replies for ``route`` (for one model only, when ``model`` is given)."""
        with self._lock:
            self._queues.setdefault((route, model), deque()).extend(replies)

    def seen(self, route: str | None = None, model: str | None = None) -> list[Recorded]:
        """Recorded requests, optionally only one route's and one model's."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (route is None or r.path.endswith(route)) and (model is None or r.model == model)
            ]

    def _next(self, route: str, model: str | None) -> Reply:
        with self._lock:
            for key in ((route, model), (route, None)):
                queue = self._queues.get(key)
                if queue:
                    return queue.popleft()
            return self.defaults[route]


def _make_handler(server: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # small SSE writes must not wait for delayed ACKs

        def log_message(self, format: str, *args: Any) -> None:  # keep stderr quiet
            return

        def do_GET(self) -> None:
            self._handle(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            self._handle(body)

        def _handle(self, body: Any) -> None:
            path = self.path.split("?", 1)[0]
            record = Recorded(
                self.command, path, {k.lower(): v for k, v in self.headers.items()}, body, _path_model(path)
            )
            with server._lock:
                server.requests.append(record)
            route = next((r for r in ROUTES if path.endswith(r)), None)
            if route is None:
                return self._json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
            if route == MODELS:
                return self._json(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {"id": m, "object": "model", "created": 0, "owned_by": "scripted"} for m in server.models
                        ],
                    },
                )
            if route != TOKEN:
                with server._lock:
                    busy = server.max_in_flight is not None and server.in_flight >= server.max_in_flight
                    server.busy_rejections += busy
                    server.in_flight += not busy
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                if busy:
                    return self._error(route, server.busy_reply)
                try:
                    weather = simulated_weather(server)
                    if weather is not None:
                        return self._error(route, weather)
                    return self._answer(route, record, body)
                finally:
                    with server._lock:
                        server.in_flight -= 1
            return self._answer(route, record, body)

        def _answer(self, route: str, record: Recorded, body: Any) -> None:
            reply = (server.responder(record) if server.responder else None) or server._next(route, record.model)
            if reply.delay:
                server._stopping.wait(reply.delay)
            if reply.hang:
                server._stopping.wait()
            if reply.drop or reply.hang:
                self.close_connection = True
                return
            if reply.raw is not None:
                return self._send(reply.status, "application/json", reply.raw.encode(), reply.headers)
            if reply.status >= 400:
                return self._error(route, reply)
            if server.prompt_cache and route == MESSAGES and isinstance(body, dict):
                reply = simulated_cache_usage(server, body, reply)
                if server.cache_rules and reply.cache_written:  # the write lands once this answer is sent
                    landing = cache_key(body)
                    threading.Timer(reply.delay, lambda: land_cache_write(server, landing)).start()
                record.billed = (
                    reply.usage[0] - reply.usage[2] - reply.cache_written,
                    reply.usage[2],
                    reply.cache_written,
                )
            model = record.model or "scripted"
            stream = isinstance(body, dict) and bool(body.get("stream"))
            if route == TOKEN:
                return self._json(
                    200,
                    {
                        "access_token": f"ya29.scripted-{len(server.seen(TOKEN))}",
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    },
                )
            if route == BEDROCK:
                return self._stream(bedrock_frames(reply, model), reply, "application/vnd.amazon.eventstream")
            if route == VERTEX_CLAUDE:
                return self._stream(_anthropic_events(reply, model), reply)
            if route == MESSAGES:
                return (
                    self._stream(_anthropic_events(reply, model), reply)
                    if stream
                    else self._json(200, _anthropic_message(reply, model), reply.headers)
                )
            if route == CHAT:
                return (
                    self._stream(_chat_events(reply, model), reply)
                    if stream
                    else self._json(200, _chat_completion(reply, model), reply.headers)
                )
            return self._json(200, _response(reply, model), reply.headers)

        def _error(self, route: str, reply: Reply) -> None:
            if route == TOKEN:
                return self._json(
                    reply.status, {"error": reply.error_type or "invalid_grant", "error_description": reply.message}
                )
            if route == BEDROCK:
                return self._json(
                    reply.status,
                    {"message": reply.message},
                    {
                        "x-amzn-errortype": reply.error_type or "ThrottlingException",
                        "retry-after-ms": "10",
                        **reply.headers,
                    },
                )
            if route in (MESSAGES, VERTEX_CLAUDE):
                payload: dict[str, Any] = {
                    "type": "error",
                    "error": {"type": reply.error_type or "api_error", "message": reply.message},
                }
            else:
                payload = {
                    "error": {
                        "message": reply.message,
                        "type": reply.error_type or "server_error",
                        "code": reply.error_type,
                        "param": None,
                    }
                }
            self._json(reply.status, payload, {"retry-after-ms": "10", **reply.headers})

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, "application/json", json.dumps(payload).encode(), headers or {})

        def _send(self, status: int, ctype: str, data: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, events: list[str] | list[bytes], reply: Reply, ctype: str = "text/event-stream") -> None:
            self.send_response(200)
            self.send_header("content-type", ctype)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for index, event in enumerate(events[: reply.truncate]):
                if index and reply.interval and server._stopping.wait(reply.interval):
                    return
                data = event.encode() if isinstance(event, str) else event
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            if reply.truncate is not None:  # no terminating chunk: the client sees the body cut off
                self.close_connection = True
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def _pieces(reply: Reply) -> list[str]:
    n = max(1, reply.chunks)
    size = max(1, -(-len(reply.text) // n))
    return [reply.text[i : i + size] for i in range(0, len(reply.text), size)] or [""]


def _sse(name: str | None, payload: Any) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return (f"event: {name}\n" if name else "") + f"data: {data}\n\n"


def _anthropic_message(reply: Reply, model: str) -> dict[str, Any]:
    inp, out, cached = reply.usage
    return {
        "id": "msg_scripted",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": inp - cached - reply.cache_written,
            "output_tokens": out,
            "cache_read_input_tokens": cached,
            "cache_creation_input_tokens": reply.cache_written,
        },
    }


def _blocks(content: Any) -> list[dict[str, Any]]:
    """A system or message content as text blocks (a plain string is one unmarked block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []  # pyright: ignore


@dataclass
class Weather:
    """A provider's own load: ``rate`` of requests refused with ``reply`` (529 by default) at random, whatever our
    concurrency; ``seed`` makes a run repeatable. ``refused`` counts them."""

    rate: float = 0.0
    seed: int = 19
    reply: Reply = field(default_factory=lambda: Reply(status=529, error_type="overloaded_error", message="Overloaded"))
    refused: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def set(self, rate: float, seed: int = 19) -> None:
        self.rate, self.seed, self.refused = rate, seed, 0
        self.rng.seed(seed)


def simulated_weather(server: ProviderServer) -> Reply | None:
    """The overload reply for a request the provider's weather refuses, else None (``ProviderServer.weather``)."""
    weather = server.weather
    if weather.rate <= 0:
        return None
    with server._lock:
        refused = weather.rng.random() < weather.rate
        weather.refused += refused
    return weather.reply if refused else None


def tokens(text: str) -> int:
    """The simulated token count of ``text``: ~4 characters a token (the same rule for every run)."""
    return -(-len(text) // 4)


def _texts(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The text blocks of a Messages request (system first) and the indexes of those marked ``cache_control``."""
    blocks = _blocks(body.get("system")) + [b for m in body.get("messages", []) for b in _blocks(m.get("content"))]
    return [str(b.get("text", "")) for b in blocks], [i for i, b in enumerate(blocks) if b.get("cache_control")]


def request_tokens(body: dict[str, Any]) -> int:
    """The simulated input tokens of a Messages request: all of its system and message text."""
    return tokens("".join(_texts(body)[0]))


# Anthropic's minimum cacheable prefix by model family, first match wins (provider-realities.md); 1,024 otherwise.
CACHE_MINIMUMS = (
    ("opus-4-5", 4096),
    ("opus-4-6", 4096),
    ("haiku-4-5", 4096),
    ("sonnet-4-6", 2048),
    ("3-5-haiku", 2048),
    ("haiku-3-5", 2048),
)


def cache_minimum(model: str) -> int:
    """The fewest tokens a prefix needs before the simulated provider caches it (``cache_rules``)."""
    return next((tokens for fragment, tokens in CACHE_MINIMUMS if fragment in model), 1024)


def cache_key(body: dict[str, Any]) -> tuple[str, str]:
    """(model, the text up to the last block marked for caching) of a Messages request."""
    texts, marked = _texts(body)
    return str(body.get("model")), "".join(texts[: marked[-1] + 1]) if marked else ""


def land_cache_write(server: ProviderServer, key: tuple[str, str]) -> None:
    """A cache write is readable from now on (``cache_rules``: once the answer that wrote it was sent)."""
    with server._lock:
        server.cached_prefixes.add(key)


def simulated_cache_usage(server: ProviderServer, body: dict[str, Any], reply: Reply) -> Reply:
    """``reply`` with the usage Anthropic would bill for ``body`` under prompt caching (see the module docstring).

    With ``server.cache_rules``: a prefix under the model's minimum (:func:`cache_minimum`) is not cached at all,
    and a write is readable only once it has landed (:func:`land_cache_write`), so requests sent together before
    that each pay the write."""
    texts, marked = _texts(body)
    total = tokens("".join(texts))
    if not marked:
        return replace(reply, usage=(total, reply.usage[1], 0), cache_written=0)
    key = cache_key(body)
    size = tokens(key[1])
    if server.cache_rules and size < cache_minimum(key[0]):
        return replace(reply, usage=(total, reply.usage[1], 0), cache_written=0)
    with server._lock:
        hit = key in server.cached_prefixes
        if not server.cache_rules:
            server.cached_prefixes.add(key)
    return replace(reply, usage=(total, reply.usage[1], size if hit else 0), cache_written=0 if hit else size)


def anthropic_event_payloads(reply: Reply, model: str) -> list[dict[str, Any]]:
    """The Messages API stream events (as JSON objects) that answer ``reply``."""
    out = reply.usage[1]
    start = {**_anthropic_message(reply, model), "content": [], "stop_reason": None}
    start["usage"] = {**start["usage"], "output_tokens": 1}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        for piece in _pieces(reply)
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": out},
        },
        {"type": "message_stop"},
    ]
    return events


def _anthropic_events(reply: Reply, model: str) -> list[str]:
    return [_sse(event["type"], event) for event in anthropic_event_payloads(reply, model)]


def _eventstream_frame(payload: bytes, headers: dict[str, str]) -> bytes:
    """One AWS event-stream message: prelude (lengths + CRC), string headers, payload, message CRC."""
    encoded = b"".join(
        len(name).to_bytes(1, "big") + name.encode() + b"\x07" + len(value).to_bytes(2, "big") + value.encode()
        for name, value in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def bedrock_frames(reply: Reply, model: str) -> list[bytes]:
    """Bedrock's invoke-with-response-stream body: each Anthropic event, base64 in a ``chunk`` event frame."""
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    return [
        _eventstream_frame(
            json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode()}).encode(), headers
        )
        for event in anthropic_event_payloads(reply, model)
    ]


def _path_model(path: str) -> str | None:
    from urllib.parse import unquote

    if path.endswith(BEDROCK) and "/model/" in path:
        return unquote(path[path.index("/model/") + len("/model/") : -len(BEDROCK)])
    if path.endswith(VERTEX_CLAUDE) and "/models/" in path:
        return unquote(path[path.rindex("/models/") + len("/models/") : -len(VERTEX_CLAUDE)])
    return None


def _chat_usage(reply: Reply) -> dict[str, Any]:
    inp, out, cached = reply.usage
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def _chat_completion(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _chat_usage(reply),
    }


def _chat_events(reply: Reply, model: str) -> list[str]:
    base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    events = [
        _sse(
            None,
            {
                **base,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}],
            },
        )
        for piece in _pieces(reply)
    ]
    events.append(_sse(None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    events.append(_sse(None, {**base, "choices": [], "usage": _chat_usage(reply)}))
    events.append(_sse(None, "[DONE]"))
    return events


def _response(reply: Reply, model: str) -> dict[str, Any]:
    inp, out, cached = reply.usage
    return {
        "id": "resp_scripted",
        "object": "response",
        "created_at": int(time.time()),
        "model": model,
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": inp,
            "output_tokens": out,
            "total_tokens": inp + out,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def stream_events(route: str, reply: Reply, model: str) -> list[str]:
    """The server-sent events the server streams for ``reply`` on ``route`` (to build broken streams from)."""
    return _anthropic_events(reply, model) if route == MESSAGES else _chat_events(reply, model)


def closed_port_url() -> str:
    """A loopback URL on which nothing listens: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def write_config(
    root: Any, models: dict[str, Any], ours: dict[str, Any] | None = None, global_settings: dict[str, Any] | None = None
) -> None:
    """Write ``root/.taskmaster/config.json`` with the given role blocks and ``taskmasterMcp`` section."""
    from pathlib import Path

    directory = Path(root) / ".taskmaster"
    directory.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {"models": models, "global": global_settings or {}}
    if ours is not None:
        document["taskmasterMcp"] = ours
    (directory / "config.json").write_text(json.dumps(document, indent=2))
