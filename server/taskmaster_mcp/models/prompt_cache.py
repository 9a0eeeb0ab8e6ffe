"""Provider prompt caching: the stable prefix of a prompt is marked for Anthropic and priced as the providers bill it.

expand_all sends one request per task, and most of each prompt is the same: the system prompt and the project
context (the codebase block, the user's instructions). The prompt builders put those first and hand their length
to the router as ``Request.cache_prefix`` (``ai.context.ask(..., prefix=...)``); the per-task part comes after.

Decisions:

- Anthropic caches only what a request marks. The prefix becomes its own text block carrying
  ``cache_control: {"type": "ephemeral"}`` (a 5-minute cache, refreshed on each read); the breakpoint caches the
  system prompt with it, since a cached prefix covers everything before the marked block. Nothing is marked when a
  call has no stable prefix, so a one-off call never pays the write premium. A prefix shorter than the model's
  minimum (1,024 tokens on most Claude models) is simply not cached by Anthropic: no error, no premium; that is the
  provider's concern, so it is not second-guessed here.
- OpenAI (and the OpenAI-compatible endpoints that cache) cache matching prefixes of 1,024+ tokens by themselves:
  the prompt is sent as one string whose first bytes are the same prefix, so nothing is marked.
- Prices: cache reads at the catalogue's ``cached_input`` price (Anthropic lists 0.1x input, OpenAI 0.5x or 0.25x
  per model); a model without one is billed its input price (never an undercount). Anthropic bills cache writes
  at 1.25x the input price: :data:`CACHE_WRITE_PREMIUM` of the input price is added per written token
  (``Completion.cache_write_tokens``, counted inside ``input_tokens`` like reads).
"""

from __future__ import annotations

from typing import Any

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
CACHE_WRITE_PREMIUM = 0.25  # Anthropic: a cache write costs 1.25x the input price


def mark_prefix(messages: list[dict[str, Any]], prefix: int) -> list[dict[str, Any]]:
    """``messages`` with the first ``prefix`` characters of the first user message as a block marked for caching.

    The block boundary does not change the text: the model reads the two blocks as one message.
    """
    if not messages or prefix <= 0:
        return messages
    first = messages[0]
    text = first.get("content")
    if not isinstance(text, str) or prefix >= len(text):
        return messages
    blocks = [
        {"type": "text", "text": text[:prefix], "cache_control": EPHEMERAL},
        {"type": "text", "text": text[prefix:]},
    ]
    return [{**first, "content": blocks}, *messages[1:]]


def write_premium(input_price: float | None, cache_write_tokens: int) -> float:
    """The USD added to a call's cost for tokens written to Anthropic's prompt cache (0 without a price)."""
    if input_price is None or cache_write_tokens <= 0:
        return 0.0
    return cache_write_tokens * input_price * CACHE_WRITE_PREMIUM / 1_000_000
