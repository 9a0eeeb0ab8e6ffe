"""Native structured output wherever the endpoint has it: the request body carries the JSON schema for the endpoints
the catalogue marks (Ollama 0.5+, LM Studio, per model on OpenRouter and Groq) and not for the others, which get the
schema in the system prompt instead. Real OpenAI SDK against the scripted server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from provider_server import CHAT, ProviderServer, Reply, write_config
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.store.paths import Paths

ENV = {
    "OPENROUTER_API_KEY": "sk-or-test",
    "GROQ_API_KEY": "gsk-test",
    "OPENAI_COMPATIBLE_API_KEY": "sk-local-test",
    "MISTRAL_API_KEY": "mistral-test",
}


class Steps(BaseModel):
    title: str
    steps: list[str]


def _system(body: dict[str, Any]) -> str:
    return next(str(m["content"]) for m in body["messages"] if m["role"] == "system")


async def _ask(tmp_path: Path, server: ProviderServer, provider: str, model: str) -> dict[str, Any]:
    write_config(
        tmp_path,
        {"main": {"provider": provider, "modelId": model, "maxTokens": 500, "baseURL": server.url + "/v1"}},
        {"cache": {"enabled": False}, "retries": {"perRole": 0}},
    )
    server.script(CHAT, Reply(text=json.dumps({"title": "Plan", "steps": ["a", "b"]})))
    router = ModelRouter(Paths(tmp_path), ENV, data_dir=tmp_path / "data")
    try:
        value, _ = await router.generate_object(command="c", role="main", system="Plan.", prompt="p", schema=Steps)
    finally:
        await router.aclose()
    assert value == Steps(title="Plan", steps=["a", "b"])
    [request] = server.seen(CHAT)
    return request.body


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("ollama", "qwen3:32b"),
        ("lmstudio", "qwen/qwen3-coder-30b"),
        ("openrouter", "openai/gpt-4o"),
        ("openrouter", "google/gemini-2.5-pro"),
        ("groq", "openai/gpt-oss-120b"),
    ],
)
async def test_endpoints_with_native_structured_output_get_the_schema_in_response_format(
    tmp_path: Path, provider_server: ProviderServer, provider: str, model: str
) -> None:
    body = await _ask(tmp_path, provider_server, provider, model)
    form = body["response_format"]
    assert form["type"] == "json_schema"
    assert form["json_schema"]["name"] == "Steps"
    assert set(form["json_schema"]["schema"]["properties"]) == {"title", "steps"}


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("groq", "llama-3.3-70b-versatile"),
        ("openrouter", "meta-llama/llama-3.3-70b-instruct"),
        ("openai-compatible", "my-local-model"),
        ("mistral", "mistral-large-latest"),
    ],
)
async def test_endpoints_without_it_get_the_schema_in_the_system_prompt_only(
    tmp_path: Path, provider_server: ProviderServer, provider: str, model: str
) -> None:
    body = await _ask(tmp_path, provider_server, provider, model)
    assert "response_format" not in body
    assert '"steps"' in _system(body) and "JSON Schema" in _system(body)


async def test_local_servers_also_get_the_schema_in_the_prompt_for_versions_that_ignore_response_format(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    body = await _ask(tmp_path, provider_server, "ollama", "llama3.3")
    assert "response_format" in body and '"steps"' in _system(body)


async def test_hosted_native_endpoints_do_not_repeat_the_schema_in_the_prompt(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    body = await _ask(tmp_path, provider_server, "openrouter", "openai/gpt-4o")
    assert "JSON Schema" not in _system(body)


def test_the_catalogue_marks_every_ollama_and_lmstudio_model_native_and_groq_only_where_strict_mode_exists() -> None:
    for provider in ("ollama", "lmstudio"):
        assert all(m.supports_structured_output for m in catalogue.models(provider))
    groq = {m.id: m.supports_structured_output for m in catalogue.models("groq")}
    assert groq["openai/gpt-oss-120b"] and not groq["llama-3.3-70b-versatile"]
