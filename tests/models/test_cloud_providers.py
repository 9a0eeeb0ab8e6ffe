"""Claude on AWS Bedrock and Claude/Gemini on Google Vertex AI, through the real SDKs against the scripted server.

Bedrock: the anthropic SDK's Bedrock client signs with botocore (SigV4) and streams AWS event-stream frames from
``invoke-with-response-stream``. Vertex: google-auth mints a token at the scripted OAuth endpoint (the credentials
file names it as ``token_uri``), then the anthropic SDK's Vertex client (Claude) or the openai SDK at Vertex AI's
OpenAI-compatible endpoint (Gemini) call with it. Both need their extra; CI installs them (``.[dev]``).
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

import pytest

from provider_server import BEDROCK, CHAT, TOKEN, VERTEX_CLAUDE, ProviderServer, Reply, write_config
from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.models.wires.clients import ClientCache, ProviderSetup
from taskmaster_mcp.store.paths import Paths

REQUEST = Request(system="be brief", prompt="say hi", max_tokens=100, temperature=0.2, timeout=10)
CLAUDE_ON_BEDROCK = "us.anthropic.claude-sonnet-4-20250514-v1:0"
AWS = {"AWS_ACCESS_KEY_ID": "AKIDSCRIPTED", "AWS_SECRET_ACCESS_KEY": "aws-secret-scripted", "AWS_REGION": "us-east-1"}

needs_bedrock = pytest.mark.skipif(
    find_spec("boto3") is None,
    reason='the bedrock extra is not installed: pip install -e ".[bedrock]" (CI installs it with .[dev])',
)
needs_vertex = pytest.mark.skipif(
    find_spec("google") is None or find_spec("google.auth") is None,
    reason='the vertex extra is not installed: pip install -e ".[vertex]" (CI installs it with .[dev])',
)


@needs_bedrock
async def test_bedrock_streams_claude_from_the_invoke_route_signed_with_sigv4(provider_server: ProviderServer) -> None:
    provider_server.script(BEDROCK, Reply(text="hello from bedrock", usage=(30, 5, 10), chunks=3))
    clients = ClientCache()
    adapter = clients.adapter("bedrock", CLAUDE_ON_BEDROCK, provider_server.url, None, setup=ProviderSetup(env=AWS))
    completion = await adapter.complete(REQUEST)
    await clients.aclose()
    assert completion.text == "hello from bedrock"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (30, 5, 10)
    request = provider_server.seen(BEDROCK)[0]
    assert request.path == f"/model/{CLAUDE_ON_BEDROCK}/invoke-with-response-stream"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDSCRIPTED/")
    assert "/us-east-1/bedrock/aws4_request" in request.headers["authorization"]
    assert "anthropic_version" in request.body and "model" not in request.body
    assert request.body["messages"] == [{"role": "user", "content": "say hi"}]


@needs_bedrock
@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (403, False), (400, False)])
async def test_bedrock_http_errors_are_classified_for_fallback(
    provider_server: ProviderServer, status: int, retryable: bool
) -> None:
    provider_server.script(BEDROCK, Reply(status=status, message="scripted bedrock failure"))
    clients = ClientCache()
    adapter = clients.adapter("bedrock", CLAUDE_ON_BEDROCK, provider_server.url, None, setup=ProviderSetup(env=AWS))
    with pytest.raises(ProviderError) as raised:
        await adapter.complete(REQUEST)
    await clients.aclose()
    assert (raised.value.status, raised.value.retryable, raised.value.provider) == (status, retryable, "bedrock")
    assert "aws-secret-scripted" not in str(raised.value)


@needs_bedrock
def test_bedrock_refuses_a_model_of_another_vendor_by_name() -> None:
    with pytest.raises(ConfigError, match="not a Claude model"):
        ClientCache().adapter("bedrock", "us.deepseek.r1-v1:0", None, None, setup=ProviderSetup(env=AWS))


@needs_bedrock
def test_bedrock_with_a_profile_that_does_not_exist_says_what_it_could_not_read() -> None:
    env = {"AWS_PROFILE": "taskmaster-mcp-no-such-profile", "AWS_REGION": "us-east-1"}
    with pytest.raises(ConfigError, match="could not read the AWS credentials"):
        ClientCache().adapter("bedrock", CLAUDE_ON_BEDROCK, None, None, setup=ProviderSetup(env=env))


@needs_bedrock
async def test_a_bedrock_role_answers_through_the_router_and_is_priced_from_the_catalogue(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(BEDROCK, Reply(text="routed", usage=(1_000_000, 0, 0)))
    write_config(
        tmp_path, {"main": {"provider": "bedrock", "modelId": CLAUDE_ON_BEDROCK, "baseURL": provider_server.url}}, {}
    )
    router = ModelRouter(Paths(tmp_path), AWS, data_dir=tmp_path / "ledger")
    text, usage = await router.generate_text(command="research", role="main", system="s", prompt="p")
    await router.aclose()
    assert text == "routed" and usage.provider == "bedrock"
    assert usage.cost_usd == pytest.approx(3.0, abs=0.001)  # the catalogue's $3 per 1M input tokens


def credentials_file(tmp_path: Path, server: ProviderServer) -> Path:
    """A service-account key file (a fresh RSA key) whose ``token_uri`` is the scripted server's token endpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "from-key-file",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "tm@from-key-file.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": server.url + TOKEN,
            }
        )
    )
    return path


def vertex_setup(tmp_path: Path, server: ProviderServer, **extra: str) -> ProviderSetup:
    env = {
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials_file(tmp_path, server)),
        "VERTEX_PROJECT_ID": "proj-1",
        "VERTEX_LOCATION": "us-east5",
        **extra,
    }
    return ProviderSetup(env=env)


@needs_vertex
async def test_vertex_claude_streams_from_stream_raw_predict_with_a_minted_token(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(VERTEX_CLAUDE, Reply(text="hello from vertex", usage=(20, 4, 0)))
    clients = ClientCache()
    setup = vertex_setup(tmp_path, provider_server)
    first = await clients.adapter(
        "vertex", "claude-sonnet-4@20250514", provider_server.url + "/v1", None, setup=setup
    ).complete(REQUEST)
    second = await clients.adapter(
        "vertex", "claude-sonnet-4@20250514", provider_server.url + "/v1", None, setup=setup
    ).complete(REQUEST)
    await clients.aclose()
    assert first.text == "hello from vertex" and second.text == "ok"
    assert (first.input_tokens, first.output_tokens) == (20, 4)
    calls = provider_server.seen(VERTEX_CLAUDE)
    assert calls[0].path == (
        "/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict"
    )
    assert calls[0].headers["authorization"] == "Bearer ya29.scripted-1"
    assert "anthropic_version" in calls[0].body and "model" not in calls[0].body
    assert len(provider_server.seen(TOKEN)) == 1  # the token is reused until it expires


@needs_vertex
async def test_vertex_gemini_goes_through_the_openai_compatible_endpoint(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(CHAT, Reply(text="gemini says hi", usage=(11, 3, 0)))
    clients = ClientCache()
    adapter = clients.adapter(
        "vertex", "gemini-2.5-pro", provider_server.url + "/v1", None, setup=vertex_setup(tmp_path, provider_server)
    )
    completion = await adapter.complete(REQUEST)
    await clients.aclose()
    assert completion.text == "gemini says hi" and completion.input_tokens == 11
    request = provider_server.seen(CHAT)[0]
    assert request.path == "/v1/projects/proj-1/locations/us-east5/endpoints/openapi/chat/completions"
    assert request.body["model"] == "google/gemini-2.5-pro"
    assert request.headers["authorization"] == "Bearer ya29.scripted-1"


@needs_vertex
async def test_vertex_credentials_refused_by_google_name_the_sign_in_fix(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    provider_server.script(TOKEN, Reply(status=400, error_type="invalid_grant", message="Token has been revoked"))
    clients = ClientCache()
    adapter = clients.adapter(
        "vertex", "gemini-2.5-pro", provider_server.url + "/v1", None, setup=vertex_setup(tmp_path, provider_server)
    )
    with pytest.raises(ProviderError) as raised:
        await adapter.complete(REQUEST)
    await clients.aclose()
    assert not raised.value.retryable and "gcloud auth application-default login" in str(raised.value)
    assert provider_server.seen(CHAT) == []


@needs_vertex
def test_vertex_takes_the_project_of_the_key_file_when_nothing_names_one(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    setup = ProviderSetup(env={"GOOGLE_APPLICATION_CREDENTIALS": str(credentials_file(tmp_path, provider_server))})
    adapter = ClientCache().adapter("vertex", "gemini-2.5-pro", None, None, setup=setup)
    assert "/projects/from-key-file/locations/us-central1/" in str(adapter._inner.client.base_url)  # type: ignore[attr-defined]


@needs_vertex
def test_vertex_with_a_missing_key_file_says_which_variable_names_it(tmp_path: Path) -> None:
    setup = ProviderSetup(env={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "nope.json")})
    with pytest.raises(ConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        ClientCache().adapter("vertex", "gemini-2.5-pro", None, None, setup=setup)


@needs_vertex
def test_vertex_reads_task_masters_global_project_and_location(tmp_path: Path, provider_server: ProviderServer) -> None:
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(credentials_file(tmp_path, provider_server))}
    settings = {"global": {"vertexProjectId": "from-config", "vertexLocation": "europe-west4"}}
    setup = ProviderSetup(env=env, config=settings)
    adapter = ClientCache().adapter("vertex", "gemini-2.5-flash", None, None, setup=setup)
    inner: Any = cast(Any, adapter)._inner
    assert str(inner.client.base_url) == (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/from-config/"
        "locations/europe-west4/endpoints/openapi/"
    )
