"""Chat Completions over a pooled ``AsyncOpenAI`` client, streamed with ``include_usage``: OpenAI and every
"OpenAI-compatible" provider (a row of ``registry.py`` with wire ``openai``), and Gemini on Vertex.

OpenAI (and the compatible endpoints that cache) cache matching prompt prefixes by themselves: nothing is marked.
"""

from __future__ import annotations

from typing import Any, cast

from taskmaster_mcp.models.providers import ChunkFn, Completion, Request
from taskmaster_mcp.models.wires.base import Answer, SDKAdapter, messages


def sends_temperature(provider: str, model: str) -> bool:
    """False for OpenAI's reasoning models, which refuse a temperature."""
    return not (provider in ("openai", "azure") and model.startswith(("o1", "o3", "o4", "gpt-5")))


class OpenAIChatAdapter(SDKAdapter):
    """Chat Completions over a cached ``AsyncOpenAI`` client (OpenAI and every OpenAI-compatible endpoint)."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Stream one completion with usage on the last chunk; ``response_format`` json_schema when requested."""
        conversation = [{"role": "system", "content": request.system}, *messages(request)]
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": conversation,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": request.timeout,
        }
        if self.provider in ("openai", "azure"):
            kwargs["max_completion_tokens"] = request.max_tokens
        else:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None and sends_temperature(self.provider, self.model):
            kwargs["temperature"] = request.temperature
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema, "strict": True},
            }
        answer = await self._drain(lambda: self.client.chat.completions.create(**kwargs), _read_chat, on_chunk)
        return Completion("".join(answer.parts), answer.model, answer.input_tokens, answer.output_tokens, answer.cached)


def _read_chat(chunk: Any, answer: Answer) -> None:
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
