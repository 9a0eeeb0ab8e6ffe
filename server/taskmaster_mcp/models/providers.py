"""The ``Model`` protocol of the model layer: a :class:`Request` in, a :class:`Completion` out.

Everything that answers requests is a :class:`Provider` (pydantic-ai calls it a ``Model``): the wire adapters of
``wires/`` (one per wire API), each layer of ``layers/`` (a wrapper around another Provider that adds one concern:
the response cache, validation, retries, the concurrency limit, metering, recording) and the fallback chain of
``routing/`` (a Provider over the role stacks). The router (``router.py``) only chooses the route and composes them.

Streams: ``on_chunk`` is called on every streamed event with the number of characters received so far (first with
0 when the stream opens), so a request that has not answered yet can be told from a stream making progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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
    output: type[Any] | None = None  # a pydantic model the answer must validate against (layers/validation.py)
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
    notes: tuple[str, ...] = ()  # what was mended to make a structured answer fit its schema (models/answers.py)
    value: Any = None  # the answer validated against Request.output (set by layers/validation.py), else None
    saved_at: str | None = None  # an answer from the response cache: when it was stored (no request was sent)


class Provider(Protocol):
    """Anything that can answer a :class:`Request`; ``on_chunk`` is called on every streamed event with the number
    of characters received so far (0 for events that carry no text, such as the first)."""

    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def streams(self) -> bool:
        """False: the answer arrives whole, so "no first byte yet" cannot be told from "still working"."""
        ...

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion: ...
