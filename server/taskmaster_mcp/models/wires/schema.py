"""The JSON schema each wire accepts for native structured output, built with the SDK's own helper."""

from __future__ import annotations

from typing import Any


def native_schema(wire: str, schema: type[Any]) -> dict[str, Any]:
    """The JSON schema a wire API accepts for native structured output, built with the SDK's own helper."""
    if wire == "anthropic":
        import anthropic

        return anthropic.transform_schema(schema)
    import openai

    return dict(openai.pydantic_function_tool(schema)["function"].get("parameters") or {})
