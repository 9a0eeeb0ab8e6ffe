"""The SDK clients behind the adapters, built once and reused: the one place that constructs a client.

A client is cached by (provider, base URL, key fingerprint), built with ``max_retries=0`` (the router owns retries)
and closed with the router. :meth:`ClientCache.adapter` picks the adapter for a provider's wire API: the SDK
adapters of ``providers.py``, the cloud clients of ``cloud.py``, the CLI agents of ``agents.py`` (those two are
imported only when a role uses them).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.failures import map_error
from taskmaster_mcp.models.providers import (
    AnthropicAdapter,
    OpenAIChatAdapter,
    Provider,
    Sampler,
    SamplingAdapter,
)
from taskmaster_mcp.models.registry import provider_wire


@dataclass(frozen=True)
class ProviderSetup:
    """What a provider may need beyond a base URL and a key: the server's env (AWS and Google credentials, the PATH
    a CLI agent is found on), config.json as read (``global``, ``claudeCode``, ``codexCli``...) and the project
    folder (where a CLI agent runs)."""

    env: Mapping[str, str] = field(default_factory=lambda: {})
    config: Mapping[str, Any] = field(default_factory=lambda: {})
    cwd: str | None = None


def anthropic_sdk() -> Any:
    """The ``anthropic`` module, imported on first use, with its per-call deprecation warning silenced."""
    import anthropic

    # The SDK warns on every call to a model it lists as deprecated; Task Master's default models are on that list,
    # and a warning per call is noise (and an exception under pytest's filterwarnings=error).
    warnings.filterwarnings("ignore", message=r"The model '.*' is deprecated", category=DeprecationWarning)
    return anthropic


class ClientCache:
    """SDK clients reused across calls, keyed by (provider, base URL, key fingerprint)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}

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
            from taskmaster_mcp.models import cloud

            return cloud.adapter(self, provider, model, base_url, setup or ProviderSetup())
        if wire == "agent":
            from taskmaster_mcp.models import agents

            return agents.adapter(provider, model, base_url, setup or ProviderSetup())
        if base_url is None:
            raise ConfigError(f"provider '{provider}' has no base URL; set baseURL in its role block.")
        client = self._client(provider, wire, base_url, key)
        if wire == "anthropic":
            return AnthropicAdapter(client, provider, model, key)
        return OpenAIChatAdapter(client, provider, model, key)

    def shared(self, key: tuple[str, str, str], build: Callable[[], Any]) -> Any:
        """The client cached under ``key``, built by ``build`` the first time; closed by :meth:`aclose` when it has
        a ``close`` coroutine."""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = build()
        return client

    def _client(self, provider: str, wire: str, base_url: str, key: str | None) -> Any:
        fingerprint = hashlib.sha256((key or "").encode()).hexdigest()[:16]
        return self.shared((provider, base_url, fingerprint), lambda: self._build(provider, wire, base_url, key))

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

    async def aclose(self) -> None:
        """Close every cached client's connection pool."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if close is not None:
                await close()
