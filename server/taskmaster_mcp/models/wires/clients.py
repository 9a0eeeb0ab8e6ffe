"""The adapter for a provider: its registry row's wire, over a pooled SDK client (the one place that builds one).

The wires, one adapter per wire API, each a :class:`~taskmaster_mcp.models.providers.Provider`: ``anthropic.py``
(the Messages API, also Claude on Bedrock and Vertex), ``openai_chat.py`` (Chat Completions: OpenAI, every
OpenAI-compatible provider, Gemini on Vertex), ``sampling.py`` (the MCP client's model), ``cloud.py`` (Bedrock and
Vertex clients and credentials), ``agents.py`` (the CLI agents); ``base.py`` holds what the SDK wires share and
``schema.py`` the native schemas. Imports go one way: this module -> the wires -> ``base`` (an import-linter
contract); these modules are the only importers of vendor SDKs.

A client is pooled by (provider, base URL, key fingerprint), built with ``max_retries=0`` (the retries layer owns
retries) and closed with the router. The cloud clients (``cloud.py``) and the CLI agents (``agents.py``) are
imported only when a role uses them.
"""

from __future__ import annotations

from typing import Any

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.failures import map_error
from taskmaster_mcp.models.providers import Provider, Sampler
from taskmaster_mcp.models.registry import provider_wire
from taskmaster_mcp.models.wires.anthropic import AnthropicAdapter
from taskmaster_mcp.models.wires.base import ClientPool, ProviderSetup, anthropic_sdk, fingerprint
from taskmaster_mcp.models.wires.openai_chat import OpenAIChatAdapter
from taskmaster_mcp.models.wires.openai_chat import sends_temperature as openai_sends_temperature
from taskmaster_mcp.models.wires.sampling import SamplingAdapter

__all__ = ["ClientCache", "ProviderSetup", "sends_temperature"]


def sends_temperature(provider: str, model: str) -> bool:
    """Whether the wire sends the role's temperature: Chat Completions do (not to OpenAI's reasoning models); the
    anthropic SDK 2.x takes none, and sampling and the CLI agents have no such setting."""
    wire = provider_wire(provider)
    if wire == "vertex":
        return not model.startswith("claude")  # Gemini on Vertex goes through Chat Completions
    return wire == "openai" and openai_sends_temperature(provider, model)


class ClientCache(ClientPool):
    """SDK clients reused across calls, and the adapter of each provider over them."""

    def adapter(
        self,
        provider: str,
        model: str,
        base_url: str | None,
        key: str | None,
        sampler: Sampler | None = None,
        setup: ProviderSetup | None = None,
    ) -> Provider:
        """An adapter for ``provider``/``model``, building (once) the SDK client it needs."""
        wire = provider_wire(provider)
        if wire == "sampling":
            return SamplingAdapter(sampler)
        if wire in ("bedrock", "vertex"):
            from taskmaster_mcp.models.wires import cloud

            return cloud.adapter(self, provider, model, base_url, setup or ProviderSetup())
        if wire == "agent":
            from taskmaster_mcp.models.wires import agents

            return agents.adapter(provider, model, base_url, setup or ProviderSetup())
        if base_url is None:
            raise ConfigError(f"provider '{provider}' has no base URL; set baseURL in its role block.")
        client = self._client(provider, wire, base_url, key)
        if wire == "anthropic":
            return AnthropicAdapter(client, provider, model, key)
        return OpenAIChatAdapter(client, provider, model, key)

    def _client(self, provider: str, wire: str, base_url: str, key: str | None) -> Any:
        return self.shared((provider, base_url, fingerprint(key)), lambda: self._build(provider, wire, base_url, key))

    @staticmethod
    def _build(provider: str, wire: str, base_url: str, key: str | None) -> Any:
        if wire == "anthropic":
            return anthropic_sdk().AsyncAnthropic(api_key=key or "", base_url=base_url, max_retries=0, timeout=120.0)
        import openai

        headers = {"api-key": key} if provider == "azure" and key else None
        return openai.AsyncOpenAI(
            api_key=key or "not-needed", base_url=base_url, max_retries=0, timeout=120.0, default_headers=headers
        )

    async def list_models(self, provider: str, base_url: str, key: str | None) -> list[str]:
        """Model ids served by an OpenAI-compatible endpoint (``GET /models``), e.g. a local Ollama or LM Studio."""
        client = self._client(provider, "openai", base_url, key)
        try:
            page = await client.models.list()
            return sorted(m.id for m in page.data)
        except Exception as exc:
            raise map_error(exc, provider, "*", key) from exc
