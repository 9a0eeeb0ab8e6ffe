"""Provider adapters over the ``anthropic`` and ``openai`` SDKs, imported only on first use.

The provider modules of this package are the only importers of vendor SDKs: this one and ``clients.py``
(``anthropic``, ``openai``), ``cloud.py`` (Claude on AWS Bedrock and Google Vertex AI, Gemini on Vertex: the same
two SDKs plus ``botocore`` and ``google-auth``) and ``agents.py`` (the CLI agents: ``claude-agent-sdk`` and
subprocesses). A provider is configuration, an adapter speaks one wire API:

- :class:`AnthropicAdapter`: the Messages API, always streamed (the SDK refuses long non-streamed requests). Also
  Claude on Bedrock and Vertex, through the SDK's clients for those clouds.
- :class:`OpenAIChatAdapter`: Chat Completions, streamed with ``include_usage``. Every "OpenAI-compatible" provider
  (openrouter, ollama, lmstudio, groq, xai, google, perplexity, mistral, deepseek, zai, zai-coding, azure,
  openai-compatible) is this adapter plus a row of the provider registry (``registry.py``); so is Gemini on Vertex.
- :class:`SamplingAdapter`: provider ``mcp``, the MCP client's own model through a sampler callable.
- The CLI agents (claude-code, codex-cli, gemini-cli, grok-cli) in ``agents.py``.

Base URL precedence and each provider's endpoint are the registry's (``registry.py``).

SDK clients are built with ``max_retries=0`` (the router owns retries) and cached by (provider, base URL, key
fingerprint) in ``clients.py``. SDK exceptions become :class:`ProviderError` with ``status``, ``retryable`` and
``retry_after`` (``failures.py``).

Streams are checked, because the SDKs accept a 200 whose body is not an event stream as an empty answer:

- ``on_chunk`` is called on every streamed event (first with 0 characters when the stream opens), so the router
  can tell a request that has not answered yet from a stream that is making progress.
- A stream that ends without its end event (Anthropic ``message_stop``, an OpenAI ``finish_reason``) or is cut off
  mid-body is a retryable "stream cut off" error; one that never sent a well-formed event is a non-retryable
  "malformed response" (usually a ``baseURL`` pointing at something that is not that API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.failures import map_error
from taskmaster_mcp.models.prompt_cache import mark_prefix

ChunkFn = Callable[[int], Awaitable[None]]
Sampler = Callable[[str, str, int], Awaitable[tuple[str, str]]]

Billing = Literal["tokens", "subscription", "unknown"]


@dataclass(frozen=True)
class Request:
    """One model call. ``followup`` is (previous answer, correction) for a re-ask on the same model."""

    system: str
    prompt: str
    max_tokens: int
    temperature: float | None = None
    json_schema: dict[str, Any] | None = None  # native structured output; None = plain text
    schema_name: str = "result"
    followup: tuple[str, str] | None = None
    timeout: float = 120.0
    cache_prefix: int = 0  # leading characters of ``prompt`` shared by many calls: marked for caching (prompt_cache)


@dataclass(frozen=True)
class Completion:
    """A model's answer and token usage (``input_tokens`` includes cached tokens).

    ``billing`` says how the call is paid for: ``tokens`` (the catalogue's price per token), ``subscription`` (a
    flat-rate plan behind a CLI agent: costs 0 per call) or ``unknown`` (billed at rates we do not know: cost null).
    """

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    billing: Billing = "tokens"
    cache_write_tokens: int = 0  # of input_tokens, written to the provider's prompt cache (Anthropic bills 1.25x)


class Provider(Protocol):
    """Anything that can answer a :class:`Request`; ``on_chunk`` is called on every streamed event with the number
    of characters received so far (0 for events that carry no text, such as the first)."""

    provider: str
    model: str
    streams: bool  # False: the answer arrives whole, so "no first byte yet" cannot be told from "still working"

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion: ...


def _messages(request: Request) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": request.prompt}]
    if request.followup is not None:
        previous, correction = request.followup
        messages += [{"role": "assistant", "content": previous}, {"role": "user", "content": correction}]
    return messages


@dataclass
class _Answer:
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


class _SDKAdapter:
    """An adapter over one cached SDK client; ``secret`` is the key, kept only to redact it from error text."""

    streams = True

    def __init__(self, client: Any, provider: str, model: str, secret: str | None = None) -> None:
        self.client = client
        self.provider = provider
        self.model = model
        self._secret = secret

    async def _drain(
        self, create: Callable[[], Awaitable[Any]], read: Callable[[Any, _Answer], None], on_chunk: ChunkFn | None
    ) -> _Answer:
        """Open the stream, feed every event to ``read``, and check that it ended the way its API ends."""
        answer = _Answer(self.model)
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


class AnthropicAdapter(_SDKAdapter):
    """The Anthropic Messages API over a cached ``AsyncAnthropic`` client."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Stream one message; structured output goes through ``output_config.format`` when requested."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": mark_prefix(_messages(request), request.cache_prefix),
            "stream": True,
            "timeout": request.timeout,
        }
        # anthropic 2.x has no ``temperature`` parameter any more: the role's temperature is not sent.
        if request.json_schema is not None:
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": request.json_schema}}
        answer = await self._drain(lambda: self.client.messages.create(**kwargs), _read_anthropic, on_chunk)
        return Completion(
            "".join(answer.parts),
            answer.model,
            answer.input_tokens + answer.cached,
            answer.output_tokens,
            answer.cached,
            cache_write_tokens=answer.written,
        )


def _read_anthropic(event: Any, answer: _Answer) -> None:
    kind = getattr(event, "type", None)
    if kind == "content_block_delta" and event.delta.type == "text_delta":
        answer.add(event.delta.text)
    elif kind == "message_start":
        answer.opened = True
        answer.model = event.message.model or answer.model
        usage = event.message.usage
        answer.input_tokens = (usage.input_tokens or 0) + (usage.cache_creation_input_tokens or 0)
        answer.cached = usage.cache_read_input_tokens or 0
        answer.written = usage.cache_creation_input_tokens or 0
        answer.output_tokens = usage.output_tokens or 0
    elif kind == "message_delta":
        answer.output_tokens = max(answer.output_tokens, event.usage.output_tokens or 0)
    elif kind == "message_stop":
        answer.finished = True


class OpenAIChatAdapter(_SDKAdapter):
    """Chat Completions over a cached ``AsyncOpenAI`` client (OpenAI and every OpenAI-compatible endpoint)."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Stream one completion with usage on the last chunk; ``response_format`` json_schema when requested."""
        messages = [{"role": "system", "content": request.system}, *_messages(request)]
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": request.timeout,
        }
        reasoning = self.provider in ("openai", "azure") and self.model.startswith(("o1", "o3", "o4", "gpt-5"))
        if self.provider in ("openai", "azure"):
            kwargs["max_completion_tokens"] = request.max_tokens
        else:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None and not reasoning:
            kwargs["temperature"] = request.temperature
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema, "strict": True},
            }
        answer = await self._drain(lambda: self.client.chat.completions.create(**kwargs), _read_chat, on_chunk)
        return Completion("".join(answer.parts), answer.model, answer.input_tokens, answer.output_tokens, answer.cached)


def _read_chat(chunk: Any, answer: _Answer) -> None:
    choices = getattr(chunk, "choices", None)
    if not isinstance(choices, list):
        return  # not a chat.completion.chunk: if nothing else arrives, the stream is reported as malformed
    answer.opened = True
    answer.model = chunk.model or answer.model
    for choice in cast(list[Any], choices):
        text = choice.delta.content if choice.delta is not None else None
        if text:
            answer.add(text)
        answer.finished = answer.finished or choice.finish_reason is not None
    usage = chunk.usage
    if usage is not None:
        answer.input_tokens, answer.output_tokens = usage.prompt_tokens or 0, usage.completion_tokens or 0
        details = getattr(usage, "prompt_tokens_details", None)
        answer.cached = (getattr(details, "cached_tokens", 0) or 0) if details is not None else 0


class SamplingAdapter:
    """Provider ``mcp``: ask the MCP client's own model through the server layer's sampler."""

    streams = False

    def __init__(self, sampler: Sampler | None, model: str = "mcp-sampling") -> None:
        self.provider = "mcp"
        self.model = model
        self._sampler = sampler

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """One sampling request; the conversation is flattened because sampling takes a single prompt here."""
        if self._sampler is None:
            raise ConfigError(
                "the MCP client does not support sampling; choose another provider with the models tool "
                "(setMain / setFallback), e.g. anthropic with ANTHROPIC_API_KEY in the server's env."
            )
        prompt = request.prompt
        if request.followup is not None:
            previous, correction = request.followup
            prompt = f"{prompt}\n\nYour previous answer was:\n{previous}\n\n{correction}"
        try:
            text, model = await self._sampler(request.system, prompt, request.max_tokens)
        except (ConfigError, ProviderError):
            raise
        except Exception as exc:
            raise ProviderError(f"sampling failed: {exc}", provider="mcp", model=self.model) from exc
        if on_chunk is not None:
            await on_chunk(len(text))
        return Completion(text, model or self.model)


def native_schema(wire: str, schema: type[Any]) -> dict[str, Any]:
    """The JSON schema a wire API accepts for native structured output, built with the SDK's own helper."""
    if wire == "anthropic":
        import anthropic

        return anthropic.transform_schema(schema)
    import openai

    return dict(openai.pydantic_function_tool(schema)["function"].get("parameters") or {})
