"""Provider ``mcp``: the MCP client's own model, through the server layer's sampler (the answer arrives whole)."""

from __future__ import annotations

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.providers import ChunkFn, Completion, Request, Sampler


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
