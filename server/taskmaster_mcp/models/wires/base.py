"""What the SDK wires share: the client pool, the conversation as messages, and a checked stream.

SDK clients are built with ``max_retries=0`` (the retries layer owns retries) and pooled by (provider, base URL,
key fingerprint); the pool closes them with the router. SDK exceptions become :class:`ProviderError` with
``status``, ``retryable`` and ``retry_after`` (``failures.py``).

Streams are checked, because the SDKs accept a 200 whose body is not an event stream as an empty answer: a stream
that ends without its end event (Anthropic ``message_stop``, an OpenAI ``finish_reason``) or is cut off mid-body is a
retryable "stream cut off" error; one that never sent a well-formed event is a non-retryable "malformed response"
(usually a ``baseURL`` pointing at something that is not that API).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.models.failures import map_error
from taskmaster_mcp.models.providers import ChunkFn, Request


@dataclass(frozen=True)
class ProviderSetup:
    """What a provider may need beyond a base URL and a key: the server's env (AWS and Google credentials, the PATH
    a CLI agent is found on), config.json as read (``global``, ``claudeCode``, ``codexCli``...) and the project
    folder (where a CLI agent runs)."""

    env: Mapping[str, str] = field(default_factory=lambda: {})
    config: Mapping[str, Any] = field(default_factory=lambda: {})
    cwd: str | None = None


def anthropic_sdk() -> Any:
    """The ``anthropic`` module, imported on first use, with its per-call deprecation warning silenced."""
    import anthropic

    # The SDK warns on every call to a model it lists as deprecated; Task Master's default models are on that list,
    # and a warning per call is noise (and an exception under pytest's filterwarnings=error).
    warnings.filterwarnings("ignore", message=r"The model '.*' is deprecated", category=DeprecationWarning)
    return anthropic


def fingerprint(key: str | None) -> str:
    """A short hash of a key: clients are pooled per key without keeping the key in the pool's index."""
    return hashlib.sha256((key or "").encode()).hexdigest()[:16]


class ClientPool:
    """SDK clients reused across calls, by a key the wire chooses (provider, endpoint, credential fingerprint)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}

    def shared(self, key: tuple[str, str, str], build: Callable[[], Any]) -> Any:
        """The client cached under ``key``, built by ``build`` the first time; closed by :meth:`aclose` when it has
        a ``close`` coroutine."""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = build()
        return client

    async def aclose(self) -> None:
        """Close every cached client's connection pool."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if close is not None:
                await close()


def messages(request: Request) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": request.prompt}]
    if request.followup is not None:
        previous, correction = request.followup
        messages += [{"role": "assistant", "content": previous}, {"role": "user", "content": correction}]
    return messages


@dataclass
class Answer:
    """What one stream has delivered so far, and whether it opened and finished properly."""

    model: str
    parts: list[str] = field(default_factory=lambda: [])
    received: int = 0
    opened: bool = False  # a well-formed first event arrived
    finished: bool = False  # the end event arrived
    input_tokens: int = 0
    output_tokens: int = 0
    cached: int = 0
    written: int = 0  # tokens written to the prompt cache

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.received += len(text)


class SDKAdapter:
    """An adapter over one cached SDK client; ``secret`` is the key, kept only to redact it from error text."""

    streams = True

    def __init__(self, client: Any, provider: str, model: str, secret: str | None = None) -> None:
        self.client = client
        self.provider = provider
        self.model = model
        self._secret = secret

    async def _drain(
        self, create: Callable[[], Awaitable[Any]], read: Callable[[Any, Answer], None], on_chunk: ChunkFn | None
    ) -> Answer:
        """Open the stream, feed every event to ``read``, and check that it ended the way its API ends."""
        answer = Answer(self.model)
        content_type = "?"
        try:
            stream = await create()
            content_type = str(getattr(getattr(stream, "response", None), "headers", {}).get("content-type", "?"))
            try:
                async for event in stream:
                    read(event, answer)
                    if on_chunk is not None:
                        await on_chunk(answer.received)
            finally:
                await stream.close()
        except Exception as exc:
            raise map_error(exc, self.provider, self.model, self._secret, answer.received) from exc
        if not answer.opened:
            raise ProviderError(
                f"malformed response: not an event stream of the {self.provider} API (content-type {content_type}); "
                "check that the role's baseURL points at that API",
                provider=self.provider,
                model=self.model,
            )
        if not answer.finished:
            raise ProviderError(
                f"stream cut off after {answer.received} characters: it ended without its end event",
                provider=self.provider,
                model=self.model,
                retryable=True,
            )
        return answer
