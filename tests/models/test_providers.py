"""Provider adapters driven through the real SDKs against the scripted server: wire formats, usage, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provider_server import CHAT, MESSAGES, ProviderServer, Reply, closed_port_url, stream_events
from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.failures import map_error
from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.registry import resolve_base_url, resolve_key
from taskmaster_mcp.models.wires.clients import ClientCache
from taskmaster_mcp.models.wires.sampling import SamplingAdapter
from taskmaster_mcp.store.paths import Paths

REQUEST = Request(system="be brief", prompt="say hi", max_tokens=100, temperature=0.2, timeout=10)


async def test_anthropic_adapter_streams_text_and_reports_usage_with_cached_tokens(
    provider_server: ProviderServer,
) -> None:
    provider_server.script(MESSAGES, Reply(text="hello world", usage=(100, 20, 40), chunks=4))
    clients = ClientCache()
    adapter = clients.adapter("anthropic", "claude-sonnet-4-20250514", provider_server.url, "sk-test")
    seen: list[int] = []

    async def on_chunk(received: int) -> None:
        seen.append(received)

    completion = await adapter.complete(REQUEST, on_chunk)
    await clients.aclose()
    assert completion.text == "hello world"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (100, 20, 40)
    assert seen == sorted(seen) and seen[-1] == len("hello world") and len(seen) > 1
    request = provider_server.seen(MESSAGES)[0]
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["stream"] is True and request.body["system"] == "be brief"
    assert request.body["messages"] == [{"role": "user", "content": "say hi"}]


async def test_anthropic_native_structured_output_is_sent_as_output_config(provider_server: ProviderServer) -> None:
    clients = ClientCache()
    adapter = clients.adapter("anthropic", "claude-sonnet-4-5-20250929", provider_server.url, "sk-test")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    await adapter.complete(Request(system="s", prompt="p", max_tokens=10, json_schema=schema))
    await clients.aclose()
    body = provider_server.seen(MESSAGES)[0].body
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}


async def test_openai_adapter_streams_with_include_usage_and_reads_the_final_usage_chunk(
    provider_server: ProviderServer,
) -> None:
    provider_server.script(CHAT, Reply(text="abc def", usage=(50, 9, 30)))
    clients = ClientCache()
    adapter = clients.adapter("openai", "gpt-4o", provider_server.url + "/v1", "sk-openai")
    completion = await adapter.complete(REQUEST)
    await clients.aclose()
    assert completion.text == "abc def"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (50, 9, 30)
    request = provider_server.seen(CHAT)[0]
    assert request.headers["authorization"] == "Bearer sk-openai"
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.body["messages"][0] == {"role": "system", "content": "be brief"}
    assert request.body["max_completion_tokens"] == 100


async def test_openai_native_structured_output_is_sent_as_response_format(provider_server: ProviderServer) -> None:
    clients = ClientCache()
    adapter = clients.adapter("openai", "gpt-4.1", provider_server.url + "/v1", "sk-openai")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    await adapter.complete(Request(system="s", prompt="p", max_tokens=10, json_schema=schema, schema_name="Thing"))
    await clients.aclose()
    body = provider_server.seen(CHAT)[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Thing"
    assert body["response_format"]["json_schema"]["schema"] == schema


async def test_openrouter_goes_through_the_openai_adapter_at_the_env_base_url(provider_server: ProviderServer) -> None:
    env = {"OPENROUTER_BASE_URL": provider_server.url + "/v1", "OPENROUTER_API_KEY": "or-key"}
    url = resolve_base_url("openrouter", None, env, {})
    clients = ClientCache()
    completion = await clients.adapter("openrouter", "anthropic/claude-sonnet-4", url, "or-key").complete(REQUEST)
    await clients.aclose()
    assert completion.text == "ok"
    body = provider_server.seen(CHAT)[0].body
    assert body["model"] == "anthropic/claude-sonnet-4" and body["max_tokens"] == 100


async def test_ollama_needs_no_key_and_lists_its_models(provider_server: ProviderServer) -> None:
    url = resolve_base_url("ollama", None, {}, {"ollamaBaseURL": provider_server.url + "/api"})
    assert url is not None and url == provider_server.url + "/v1"
    assert resolve_key("ollama", {}, None).present
    clients = ClientCache()
    completion = await clients.adapter("ollama", "llama3.3", url, None).complete(REQUEST)
    listed = await clients.list_models("ollama", url, None)
    await clients.aclose()
    assert completion.text == "ok"
    assert listed == ["scripted-model-a", "scripted-model-b"]


def test_base_url_precedence_is_role_then_env_then_table_default() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:2/v1"}
    assert resolve_base_url("openai", "http://127.0.0.1:9/v1/", env, {}) == "http://127.0.0.1:9/v1"
    assert resolve_base_url("openai", None, env, {}) == "http://127.0.0.1:1/v1"
    assert resolve_base_url("openai", None, {}, {}) == "https://api.openai.com/v1"
    assert resolve_base_url("groq", None, {}, {}) == "https://api.groq.com/openai/v1"
    assert resolve_base_url("openai-compatible", None, env, {}) == "http://127.0.0.1:2/v1"
    # Task Master's anthropic URLs end in /v1; the SDK adds /v1/messages itself
    assert resolve_base_url("anthropic", "https://proxy.example/v1", {}, {}) == "https://proxy.example"


def test_openai_compatible_without_a_base_url_names_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"baseURL.*OPENAI_COMPATIBLE_BASE_URL"):
        resolve_base_url("openai-compatible", None, {}, {})
    with pytest.raises(ConfigError, match="AZURE_BASE_URL"):
        resolve_base_url("azure", None, {}, {})


def test_key_resolution_prefers_env_then_dotenv_and_treats_placeholders_as_missing(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv\nOPENAI_API_KEY=YOUR_OPENAI_API_KEY_HERE\n")
    assert resolve_key("anthropic", {"ANTHROPIC_API_KEY": "from-env"}, paths).value == "from-env"
    assert resolve_key("anthropic", {}, paths).source == ".env"
    assert resolve_key("anthropic", {"ANTHROPIC_API_KEY": "YOUR_ANTHROPIC_API_KEY_HERE"}, paths).value == "from-dotenv"
    missing = resolve_key("openai", {}, paths)
    assert not missing.present and missing.variable == "OPENAI_API_KEY"


@pytest.mark.parametrize(
    ("status", "error_type", "retryable"),
    [
        (529, "overloaded_error", True),
        (429, "rate_limit_error", True),
        (500, "api_error", True),
        (503, "api_error", True),
        (408, "timeout", True),
        (409, "conflict", True),
        (400, "invalid_request_error", False),
        (401, "authentication_error", False),
        (403, "permission_error", False),
        (404, "not_found_error", False),
    ],
)
async def test_http_errors_map_to_provider_errors_with_the_right_retry_decision(
    provider_server: ProviderServer, status: int, error_type: str, retryable: bool
) -> None:
    provider_server.script(MESSAGES, Reply(status=status, error_type=error_type, message="nope"))
    clients = ClientCache()
    adapter = clients.adapter("anthropic", "claude-x", provider_server.url, "sk-test")
    with pytest.raises(ProviderError) as raised:
        await adapter.complete(REQUEST)
    await clients.aclose()
    err = raised.value
    assert (err.status, err.retryable, err.provider, err.model) == (status, retryable, "anthropic", "claude-x")
    assert err.retry_after == (0.01 if retryable else None)
    assert len(provider_server.seen(MESSAGES)) == 1  # the SDK itself never retries


async def test_quota_exhausted_429_is_not_retryable(provider_server: ProviderServer) -> None:
    provider_server.script(
        CHAT, Reply(status=429, error_type="insufficient_quota", message="You exceeded your current quota")
    )
    clients = ClientCache()
    with pytest.raises(ProviderError) as raised:
        await clients.adapter("openai", "gpt-4o", provider_server.url + "/v1", "sk").complete(REQUEST)
    await clients.aclose()
    assert raised.value.status == 429 and not raised.value.retryable and "quota" in str(raised.value)


async def test_a_dropped_connection_is_a_retryable_error_without_status(provider_server: ProviderServer) -> None:
    provider_server.script(CHAT, Reply(drop=True))
    clients = ClientCache()
    with pytest.raises(ProviderError) as raised:
        await clients.adapter("openai", "gpt-4o", provider_server.url + "/v1", "sk").complete(REQUEST)
    await clients.aclose()
    assert raised.value.status is None and raised.value.retryable


ADAPTERS = [("anthropic", "claude-x", "", MESSAGES), ("openai", "gpt-4o", "/v1", CHAT)]


async def complete_once(server: ProviderServer, adapter: tuple[str, str, str, str], url: str | None = None) -> str:
    """Call one adapter; return the ProviderError it must raise, as (retryable, message) text for matching."""
    provider, model, suffix, _ = adapter
    clients = ClientCache()
    try:
        with pytest.raises(ProviderError) as raised:
            await clients.adapter(provider, model, (url or server.url) + suffix, "sk-test-key").complete(REQUEST)
    finally:
        await clients.aclose()
    assert raised.value.status is None
    return f"retryable={raised.value.retryable}: {raised.value}"


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["anthropic", "openai"])
async def test_a_stream_cut_off_mid_body_is_retryable_and_says_how_much_arrived(
    provider_server: ProviderServer, adapter: tuple[str, str, str, str]
) -> None:
    provider_server.script(adapter[3], Reply(text="abcdef", chunks=6, truncate=5))
    message = await complete_once(provider_server, adapter)
    assert message.startswith("retryable=True: stream cut off after ") and "characters" in message


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["anthropic", "openai"])
async def test_a_stream_that_ends_without_its_end_event_is_cut_off(
    provider_server: ProviderServer, adapter: tuple[str, str, str, str]
) -> None:
    events = stream_events(adapter[3], Reply(text="half"), adapter[1])
    provider_server.script(adapter[3], Reply(raw="".join(events[:-3])))  # the text, then a clean end of body
    message = await complete_once(provider_server, adapter)
    assert message.startswith("retryable=True: stream cut off after ") and "without its end event" in message


@pytest.mark.parametrize(
    "body",
    ["<html>Welcome to nginx</html>", '{"id": "x", "choices": []}', "data: nope\n\n"],
    ids=["html", "json-not-a-stream", "events-not-json"],
)
@pytest.mark.parametrize("adapter", ADAPTERS, ids=["anthropic", "openai"])
async def test_a_200_that_is_not_the_apis_event_stream_is_malformed_and_not_retried(
    provider_server: ProviderServer, adapter: tuple[str, str, str, str], body: str
) -> None:
    provider_server.script(adapter[3], Reply(raw=body))
    message = await complete_once(provider_server, adapter)
    assert message.startswith("retryable=False: malformed response") and "baseURL" in message


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["anthropic", "openai"])
async def test_a_refused_connection_is_retryable_and_names_the_transport_cause(
    provider_server: ProviderServer, adapter: tuple[str, str, str, str]
) -> None:
    message = await complete_once(provider_server, adapter, closed_port_url())
    assert message.startswith("retryable=True: connection failed: ")
    assert "Connection error." not in message  # the SDK's wrapper text says nothing; the cause beneath it does


async def test_on_chunk_hears_the_stream_open_before_any_text(provider_server: ProviderServer) -> None:
    clients = ClientCache()
    seen: list[int] = []

    async def on_chunk(received: int) -> None:
        seen.append(received)

    await clients.adapter("anthropic", "claude-x", provider_server.url, "sk").complete(REQUEST, on_chunk)
    await clients.aclose()
    assert seen[0] == 0 and seen[-1] == len("ok")


async def test_error_messages_never_contain_the_api_key(provider_server: ProviderServer) -> None:
    provider_server.script(CHAT, Reply(status=401, message="Incorrect API key provided: sk-secret-123"))
    clients = ClientCache()
    with pytest.raises(ProviderError) as raised:
        await clients.adapter("openai", "gpt-4o", provider_server.url + "/v1", "sk-secret-123").complete(REQUEST)
    await clients.aclose()
    assert "sk-secret-123" not in str(raised.value)


def test_sdk_clients_are_reused_per_provider_url_and_key() -> None:
    clients = ClientCache()
    first = clients.adapter("openai", "gpt-4o", "http://127.0.0.1:1/v1", "k1")
    again = clients.adapter("openai", "gpt-4.1", "http://127.0.0.1:1/v1", "k1")
    other = clients.adapter("openai", "gpt-4o", "http://127.0.0.1:1/v1", "k2")
    assert first.client is again.client  # type: ignore[attr-defined]
    assert first.client is not other.client  # type: ignore[attr-defined]
    assert first.client.max_retries == 0  # type: ignore[attr-defined]


async def test_sampling_adapter_calls_the_sampler_and_flattens_a_reask() -> None:
    calls: list[tuple[str, str, int]] = []

    async def sampler(system: str, prompt: str, max_tokens: int) -> tuple[str, str]:
        calls.append((system, prompt, max_tokens))
        return "sampled", "client-model"

    completion = await SamplingAdapter(sampler).complete(
        Request(system="sys", prompt="p", max_tokens=50, followup=("bad", "fix it"))
    )
    assert (completion.text, completion.model) == ("sampled", "client-model")
    assert calls[0][0] == "sys" and "bad" in calls[0][1] and "fix it" in calls[0][1] and calls[0][2] == 50


async def test_sampling_adapter_without_a_sampler_says_to_choose_another_provider() -> None:
    with pytest.raises(ConfigError, match="does not support sampling; choose another provider with the models tool"):
        await SamplingAdapter(None).complete(REQUEST)


async def test_scripted_server_speaks_the_responses_api(provider_server: ProviderServer) -> None:
    import openai

    provider_server.script("/responses", Reply(text="from responses"))
    async with openai.AsyncOpenAI(api_key="sk", base_url=provider_server.url + "/v1", max_retries=0) as client:
        response = await client.responses.create(model="gpt-4.1", input="hi")
    assert response.output_text == "from responses"


def test_map_error_passes_provider_errors_through_unchanged() -> None:
    err = ProviderError("x", provider="p", model="m", status=529, retryable=True)
    assert map_error(err, "q", "n") is err


def test_importing_the_router_does_not_import_the_provider_sdks() -> None:
    code = (
        "import sys, taskmaster_mcp.models.router, taskmaster_mcp.models.providers, taskmaster_mcp.models.ledger;"
        "print('anthropic' in sys.modules, 'openai' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "False"]
