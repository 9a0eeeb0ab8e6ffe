"""Provider rules the model layer follows (issue 19 §2): what a wire sends shapes the response-cache key, ..."""

from __future__ import annotations

from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.response_cache import request_key
from taskmaster_mcp.models.wires.clients import sends_temperature


def key(provider: str, model: str, temperature: float) -> str:
    ask = Request("system", "prompt", 1000, temperature=temperature)
    return request_key(provider, model, None, ask, None, False, sends_temperature(provider, model))


def test_a_temperature_the_wire_does_not_send_is_not_in_the_cache_key() -> None:
    assert key("anthropic", "claude-sonnet-4-5", 0.2) == key("anthropic", "claude-sonnet-4-5", 0.9)
    assert key("bedrock", "anthropic.claude-sonnet-4-5", 0.2) == key("bedrock", "anthropic.claude-sonnet-4-5", 0.9)
    assert key("claude-code", "sonnet", 0.2) == key("claude-code", "sonnet", 0.9)
    assert key("openai", "o3", 0.2) == key("openai", "o3", 0.9)  # reasoning models take no temperature


def test_a_temperature_the_wire_sends_is_in_the_cache_key() -> None:
    assert key("openai", "gpt-4o", 0.2) != key("openai", "gpt-4o", 0.9)
    assert key("ollama", "llama3.3", 0.2) != key("ollama", "llama3.3", 0.9)
    assert key("vertex", "gemini-2.5-flash", 0.2) != key("vertex", "gemini-2.5-flash", 0.9)
