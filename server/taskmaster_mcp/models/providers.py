"""Provider adapters: the only module that imports the ``anthropic`` and ``openai`` SDKs, and only on first use.

A provider is configuration, an adapter speaks one wire API:

- :class:`AnthropicAdapter`: the Messages API, always streamed (the SDK refuses long non-streamed requests).
- :class:`OpenAIChatAdapter`: Chat Completions, streamed with ``include_usage``. Every "OpenAI-compatible" provider
  (openrouter, ollama, lmstudio, groq, xai, google, perplexity, mistral, deepseek, azure, openai-compatible) is this
  adapter plus a row of :data:`ENDPOINTS`.
- :class:`SamplingAdapter`: provider ``mcp``, the MCP client's own model through a sampler callable.

Base URL precedence: the role's ``baseURL``, then env ``<PROVIDER>_BASE_URL`` (upper case, ``-`` -> ``_``), then
(ollama only) ``global.ollamaBaseURL``, then the table default. Task Master writes Anthropic URLs ending in ``/v1``
and Ollama URLs ending in ``/api``; both are normalised for the SDKs.

SDK clients are built with ``max_retries=0`` (the router owns retries) and cached by (provider, base URL, key
fingerprint). SDK exceptions become :class:`ProviderError` with ``status``, ``retryable`` and ``retry_after``.

Streams are checked, because the SDKs accept a 200 whose body is not an event stream as an empty answer:

- ``on_chunk`` is called on every streamed event (first with 0 characters when the stream opens), so the router
  can tell a request that has not answered yet from a stream that is making progress.
- A stream that ends without its end event (Anthropic ``message_stop``, an OpenAI ``finish_reason``) or is cut off
  mid-body is a retryable "stream cut off" error; one that never sent a well-formed event is a non-retryable
  "malformed response" (usually a ``baseURL`` pointing at something that is not that API).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from taskmaster_mcp.errors import ConfigError, ProviderError

ChunkFn = Callable[[int], Awaitable[None]]
Sampler = Callable[[str, str, int], Awaitable[tuple[str, str]]]

# provider -> (default base URL or None when the user must supply one, wire API)
ENDPOINTS: dict[str, tuple[str | None, str]] = {
    "anthropic": ("https://api.anthropic.com", "anthropic"),
    "openai": ("https://api.openai.com/v1", "openai"),
    "openrouter": ("https://openrouter.ai/api/v1", "openai"),
    "ollama": ("http://localhost:11434/v1", "openai"),
    "lmstudio": ("http://localhost:1234/v1", "openai"),
    "groq": ("https://api.groq.com/openai/v1", "openai"),
    "xai": ("https://api.x.ai/v1", "openai"),
    "google": ("https://generativelanguage.googleapis.com/v1beta/openai/", "openai"),
    "perplexity": ("https://api.perplexity.ai", "openai"),
    "mistral": ("https://api.mistral.ai/v1", "openai"),
    "deepseek": ("https://api.deepseek.com/v1", "openai"),
    "azure": (None, "openai"),
    "openai-compatible": (None, "openai"),
    "mcp": (None, "sampling"),
}
RETRYABLE_STATUS = frozenset({408, 409, 429, 529})
QUOTA_MARKERS = ("insufficient_quota", "quota_exceeded", "billing_hard_limit", "exceeded your current quota")


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


@dataclass(frozen=True)
class Completion:
    """A model's answer and token usage (``input_tokens`` includes cached tokens)."""

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0


class Provider(Protocol):
    """Anything that can answer a :class:`Request`; ``on_chunk`` is called on every streamed event with the number
    of characters received so far (0 for events that carry no text, such as the first)."""

    provider: str
    model: str
    streams: bool  # False: the answer arrives whole, so "no first byte yet" cannot be told from "still working"

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion: ...


def provider_wire(provider: str) -> str:
    """The wire API of a provider: ``anthropic``, ``openai`` (also unknown providers) or ``sampling``."""
    return ENDPOINTS.get(provider, (None, "openai"))[1]


def resolve_base_url(
    provider: str, role_base_url: str | None, env: Mapping[str, str], global_settings: Mapping[str, Any]
) -> str | None:
    """Apply the documented base URL precedence; raise ConfigError when a provider needs one and has none."""
    variable = provider.upper().replace("-", "_") + "_BASE_URL"
    url = role_base_url or env.get(variable) or None
    if url is None and provider == "ollama":
        configured = global_settings.get("ollamaBaseURL")
        url = configured if isinstance(configured, str) and configured else None
    url = url or ENDPOINTS.get(provider, (None, "openai"))[0]
    if url is None:
        if provider == "mcp":
            return None
        raise ConfigError(
            f"provider '{provider}' needs a base URL: set \"baseURL\" in the role's block of "
            f".taskmaster/config.json (models tool, baseURL argument) or {variable} in the server's env."
        )
    url = url.rstrip("/")
    if provider == "anthropic" and url.endswith("/v1"):
        url = url[: -len("/v1")]  # the SDK appends /v1/messages itself
    if provider == "ollama" and url.endswith("/api"):
        url = url[: -len("/api")] + "/v1"
    return url


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            continue
    return None


def _reason(status: int, detail: str) -> str:
    names = {400: "bad request", 401: "authentication failed", 403: "permission denied", 404: "model not found",
             408: "request timeout", 409: "conflict", 413: "request too large", 429: "rate limited",
             529: "overloaded"}
    name = names.get(status, "server error" if status >= 500 else "error")
    return f"{name} ({status}): {detail}" if detail else f"{name} ({status})"


def _deepest(exc: BaseException) -> str:
    # The SDKs wrap transport errors ("Connection error."); the innermost one says what happened ("refused").
    chain: list[BaseException] = [exc]
    while (inner := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 8:
        chain.append(inner)
    texts = [str(e).strip() for e in reversed(chain)]
    return next((t for t in texts if t and not t.isdigit()), str(exc))


def map_error(exc: BaseException, provider: str, model: str, secret: str | None = None,
              received: int = 0) -> ProviderError:
    """Translate an SDK or transport exception into a ProviderError with the right retry decision.

    ``received`` is how many characters the stream had delivered: a transport failure after that is a cut-off
    stream, reported as such.
    """
    if isinstance(exc, ProviderError):
        return exc
    status: int | None = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:
        return _http_error(exc, status, response, provider, model, secret)
    name = type(exc).__name__
    if "Timeout" in name:
        return ProviderError("request timed out", provider=provider, model=model, retryable=True)
    if "Connection" in name or "Protocol" in name or "ReadError" in name or "Network" in name:
        what = f"stream cut off after {received} characters" if received else "connection failed"
        cause = _redact(_deepest(exc), secret)[:200]
        return ProviderError(f"{what}: {cause}", provider=provider, model=model, retryable=True)
    detail = _redact(str(exc), secret)[:200]
    if isinstance(exc, ValueError | TypeError | AttributeError | KeyError):  # the SDK could not parse an event
        return ProviderError(f"malformed response ({name}: {detail}); check that the role's baseURL serves the "
                             f"{provider} API", provider=provider, model=model, retryable=False)
    return ProviderError(f"unexpected {name}: {detail}", provider=provider, model=model, retryable=False)


def _http_error(exc: BaseException, status: int, response: Any, provider: str, model: str,
                secret: str | None) -> ProviderError:
    body = getattr(exc, "body", None)
    detail = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    inner: Any = cast(dict[str, Any], body).get("error", body) if isinstance(body, dict) else None
    message = str(cast(dict[str, Any], inner).get("message") or "") if isinstance(inner, dict) else ""
    message = message or str(getattr(exc, "message", "") or detail)
    quota = status == 429 and any(marker in (detail + message).lower() for marker in QUOTA_MARKERS)
    retryable = not quota and (status in RETRYABLE_STATUS or status >= 500)
    reason = _reason(status, _redact(message, secret)[:300])
    if quota:
        reason = f"quota exhausted (429): {_redact(message, secret)[:300]}; add credit or switch provider"
    return ProviderError(reason, provider=provider, model=model, status=status, retryable=retryable,
                         retry_after=_retry_after(response.headers) if retryable else None)


def _messages(request: Request) -> list[dict[str, str]]:
    messages = [{"role": "user", "content": request.prompt}]
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

    async def _drain(self, create: Callable[[], Awaitable[Any]], read: Callable[[Any, _Answer], None],
                     on_chunk: ChunkFn | None) -> _Answer:
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
                "check that the role's baseURL points at that API", provider=self.provider, model=self.model)
        if not answer.finished:
            raise ProviderError(f"stream cut off after {answer.received} characters: it ended without its end "
                                "event", provider=self.provider, model=self.model, retryable=True)
        return answer


class AnthropicAdapter(_SDKAdapter):
    """The Anthropic Messages API over a cached ``AsyncAnthropic`` client."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Stream one message; structured output goes through ``output_config.format`` when requested."""
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": request.max_tokens, "system": request.system,
                                  "messages": _messages(request), "stream": True, "timeout": request.timeout}
        # anthropic 2.x has no ``temperature`` parameter any more: the role's temperature is not sent.
        if request.json_schema is not None:
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": request.json_schema}}
        answer = await self._drain(lambda: self.client.messages.create(**kwargs), _read_anthropic, on_chunk)
        return Completion("".join(answer.parts), answer.model, answer.input_tokens + answer.cached,
                          answer.output_tokens, answer.cached)


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
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True,
                                  "stream_options": {"include_usage": True}, "timeout": request.timeout}
        reasoning = self.provider in ("openai", "azure") and self.model.startswith(("o1", "o3", "o4", "gpt-5"))
        if self.provider in ("openai", "azure"):
            kwargs["max_completion_tokens"] = request.max_tokens
        else:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None and not reasoning:
            kwargs["temperature"] = request.temperature
        if request.json_schema is not None:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name, "schema": request.json_schema, "strict": True}}
        answer = await self._drain(lambda: self.client.chat.completions.create(**kwargs), _read_chat, on_chunk)
        return Completion("".join(answer.parts), answer.model, answer.input_tokens, answer.output_tokens,
                          answer.cached)


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


class ClientCache:
    """SDK clients reused across calls, keyed by (provider, base URL, key fingerprint)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}

    def adapter(self, provider: str, model: str, base_url: str | None, key: str | None,
                sampler: Sampler | None = None) -> Provider:
        """An adapter for ``provider``/``model``, building (once) the SDK client it needs."""
        wire = provider_wire(provider)
        if wire == "sampling":
            return SamplingAdapter(sampler)
        if base_url is None:
            raise ConfigError(f"provider '{provider}' has no base URL; set baseURL in its role block.")
        client = self._client(provider, wire, base_url, key)
        if wire == "anthropic":
            return AnthropicAdapter(client, provider, model, key)
        return OpenAIChatAdapter(client, provider, model, key)

    def _client(self, provider: str, wire: str, base_url: str, key: str | None) -> Any:
        fingerprint = hashlib.sha256((key or "").encode()).hexdigest()[:16]
        cache_key = (provider, base_url, fingerprint)
        client = self._clients.get(cache_key)
        if client is None:
            client = self._build(provider, wire, base_url, key)
            self._clients[cache_key] = client
        return client

    @staticmethod
    def _build(provider: str, wire: str, base_url: str, key: str | None) -> Any:
        if wire == "anthropic":
            import anthropic

            # The SDK warns on every call to a model it lists as deprecated; Task Master's default models are on
            # that list, and a warning per call is noise (and an exception under pytest's filterwarnings=error).
            warnings.filterwarnings("ignore", message=r"The model '.*' is deprecated", category=DeprecationWarning)
            return anthropic.AsyncAnthropic(api_key=key or "", base_url=base_url, max_retries=0, timeout=120.0)
        import openai

        headers = {"api-key": key} if provider == "azure" and key else None
        return openai.AsyncOpenAI(api_key=key or "not-needed", base_url=base_url, max_retries=0, timeout=120.0,
                                  default_headers=headers)

    async def list_models(self, provider: str, base_url: str, key: str | None) -> list[str]:
        """Model ids served by an OpenAI-compatible endpoint (``GET /models``), e.g. a local Ollama or LM Studio."""
        client = self._client(provider, "openai", base_url, key)
        try:
            page = await client.models.list()
            return sorted(m.id for m in page.data)
        except Exception as exc:
            raise map_error(exc, provider, "*", key) from exc

    async def aclose(self) -> None:
        """Close every cached client's connection pool."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()
