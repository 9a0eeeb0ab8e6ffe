"""The Anthropic Messages API over a pooled ``AsyncAnthropic`` client, always streamed (the SDK refuses long
non-streamed requests). Also Claude on Bedrock and Vertex, through the SDK's clients for those clouds (``cloud.py``).

The stable prefix of the prompt is marked for Anthropic's prompt cache (``prompt_cache.py``). The anthropic SDK
2.x takes no ``temperature``: the role's temperature is not sent (:data:`SENDS_TEMPERATURE`).
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.models.prompt_cache import mark_prefix
from taskmaster_mcp.models.providers import ChunkFn, Completion, Request
from taskmaster_mcp.models.wires.base import Answer, SDKAdapter, messages

SENDS_TEMPERATURE = False


class AnthropicAdapter(SDKAdapter):
    """The Anthropic Messages API over a cached ``AsyncAnthropic`` client."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Stream one message; structured output goes through ``output_config.format`` when requested."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": mark_prefix(messages(request), request.cache_prefix),
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


def _read_anthropic(event: Any, answer: Answer) -> None:
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
