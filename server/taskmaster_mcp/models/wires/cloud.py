"""Cloud providers: Claude on AWS Bedrock, Claude and Gemini on Google Vertex AI, with each cloud's credential chain.

Both are an optional extra (``pip install "taskmaster-mcp[bedrock]"`` / ``"taskmaster-mcp[vertex]"``) and are
imported only when a role using them is called.

- ``bedrock``: the ``anthropic`` SDK's Bedrock client (``AsyncAnthropicBedrock``), which signs each request with
  ``botocore`` (SigV4) and streams ``invoke-with-response-stream``. Credentials, first found wins:
  ``AWS_BEARER_TOKEN_BEDROCK`` (a Bedrock API key); ``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` (+
  ``AWS_SESSION_TOKEN``); ``AWS_PROFILE``; then boto3's own chain (``~/.aws/credentials``, ``~/.aws/config`` and SSO,
  container and instance roles). Region: ``AWS_REGION``, ``AWS_DEFAULT_REGION``, else the profile's region. The
  Messages API on Bedrock serves Anthropic models only, so another vendor's Bedrock model is refused by name.
  Task Master's ``global.bedrockBaseURL`` is not read (Task Master does not use it either: its default names the
  control plane, not the runtime endpoint); a role ``baseURL`` or ``BEDROCK_BASE_URL`` overrides the endpoint.
- ``vertex``: Google Cloud credentials from ``GOOGLE_APPLICATION_CREDENTIALS`` (a service-account or user JSON
  file), else Application Default Credentials (``gcloud auth application-default login``, or the metadata server
  on Google Cloud). Project: ``VERTEX_PROJECT_ID``, ``global.vertexProjectId``, ``GOOGLE_CLOUD_PROJECT``, else the
  credentials' project. Location: ``VERTEX_LOCATION``, ``global.vertexLocation``, else ``us-central1`` (Task
  Master's keys and default). Claude models (``claude-*``) go through the ``anthropic`` SDK's Vertex client;
  every other model (Gemini) through Vertex AI's OpenAI-compatible endpoint with the ``openai`` SDK, so the extra
  needs only ``google-auth`` rather than another model SDK. A fresh access token is minted (off the event loop)
  before a call whenever the last one has expired.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import warnings
from collections.abc import Mapping
from typing import Any, cast

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.wires.anthropic import AnthropicAdapter
from taskmaster_mcp.models.wires.base import ClientPool, ProviderSetup, anthropic_sdk
from taskmaster_mcp.models.wires.openai_chat import OpenAIChatAdapter

INSTALL = 'pip install "taskmaster-mcp[{extra}]"'
OTHER_VENDORS = re.compile(r"(^|[./])(deepseek|meta|mistral|amazon|cohere|ai21|openai|qwen|writer|twelvelabs)\.")
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_LOCATION = "us-central1"


def adapter(cache: ClientPool, provider: str, model: str, base_url: str | None, setup: ProviderSetup) -> Provider:
    """The adapter for a Bedrock or Vertex role, its client built once per cache."""
    if provider == "bedrock":
        return _bedrock(cache, model, base_url, setup.env)
    return _vertex(cache, model, base_url, setup)


def _bedrock(cache: ClientPool, model: str, base_url: str | None, env: Mapping[str, str]) -> Provider:
    if OTHER_VENDORS.search(model):
        raise ConfigError(
            f"bedrock model '{model}' is not a Claude model: taskmaster-mcp calls Bedrock through "
            "Anthropic's Messages API, which serves Anthropic models only. Choose a Claude model "
            "(e.g. us.anthropic.claude-sonnet-4-20250514-v1:0) with the models tool."
        )
    try:
        import boto3 as boto3_module  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        raise ConfigError("provider bedrock needs the AWS libraries: " + INSTALL.format(extra="bedrock")) from None
    boto3 = cast(Any, boto3_module)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    kwargs: dict[str, Any] = {"aws_region": region} if region else {}
    if env.get("AWS_BEARER_TOKEN_BEDROCK"):
        kwargs["api_key"] = env["AWS_BEARER_TOKEN_BEDROCK"]
    else:
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            kwargs.update(
                aws_access_key=env["AWS_ACCESS_KEY_ID"],
                aws_secret_key=env["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
            )
        elif env.get("AWS_PROFILE"):
            kwargs["aws_profile"] = env["AWS_PROFILE"]
        try:
            session = boto3.Session(
                profile_name=kwargs.get("aws_profile"),
                aws_access_key_id=kwargs.get("aws_access_key"),
                aws_secret_access_key=kwargs.get("aws_secret_key"),
                aws_session_token=kwargs.get("aws_session_token"),
            )
            found: Any = session.get_credentials()
        except Exception as exc:  # botocore's ProfileNotFound, a broken ~/.aws/config...
            raise ConfigError(f"provider bedrock could not read the AWS credentials: {exc}") from None
        if found is None:
            raise ConfigError(
                "provider bedrock found no AWS credentials: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or AWS_BEARER_TOKEN_BEDROCK) in the server's "
                "env, or sign in with `aws configure` / `aws sso login`."
            )
    who = kwargs.get("api_key") or kwargs.get("aws_access_key") or kwargs.get("aws_profile") or "chain"

    def build() -> Any:
        try:
            return anthropic_sdk().AsyncAnthropicBedrock(base_url=base_url, max_retries=0, timeout=120.0, **kwargs)
        except ValueError as exc:  # no region anywhere, or both a Bedrock API key and AWS keys
            raise ConfigError(f"provider bedrock: {exc} (set AWS_REGION in the server's env)") from None

    client = cache.shared(("bedrock", f"{base_url}|{region}", _fingerprint(str(who))), build)
    return AnthropicAdapter(client, "bedrock", model, kwargs.get("api_key") or kwargs.get("aws_secret_key"))


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class GoogleToken:
    """Google credentials and the access token they mint, refreshed (in a thread: it is blocking HTTP) on expiry."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = asyncio.Lock()

    async def get(self, model: str) -> str:
        """A valid access token; a refusal to mint one is a ProviderError that says how to sign in."""
        from google.auth import exceptions
        from google.auth.transport.requests import Request as AuthRequest

        async with self._lock:
            if not self.credentials.valid:
                try:
                    await asyncio.to_thread(self.credentials.refresh, AuthRequest())
                except exceptions.TransportError as exc:
                    raise ProviderError(
                        f"could not reach Google to refresh credentials: {exc}",
                        provider="vertex",
                        model=model,
                        retryable=True,
                    ) from None
                except exceptions.GoogleAuthError as exc:
                    raise ProviderError(
                        f"Google credentials were refused ({exc}); run `gcloud auth "
                        "application-default login` or point GOOGLE_APPLICATION_CREDENTIALS at a "
                        "service-account file",
                        provider="vertex",
                        model=model,
                    ) from None
            return str(self.credentials.token)


class _VertexAdapter:
    """An SDK adapter whose client gets a fresh Google access token before each call."""

    def __init__(self, inner: AnthropicAdapter | OpenAIChatAdapter, token: GoogleToken, option: str) -> None:
        self._inner, self._base, self._token, self._option = inner, inner.client, token, option
        self.provider, self.model, self.streams = "vertex", inner.model, True

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Mint (or reuse) the token, then call the wrapped adapter with it."""
        token = await self._token.get(self.model)
        self._inner.client = self._base.with_options(**{self._option: token})
        return await self._inner.complete(request, on_chunk)


def _vertex(cache: ClientPool, model: str, base_url: str | None, setup: ProviderSetup) -> Provider:
    try:
        import google.auth as google_auth_module
        from google.auth import exceptions as google_exceptions
    except ImportError:
        raise ConfigError("provider vertex needs google-auth: " + INSTALL.format(extra="vertex")) from None
    google_auth, refused = cast(Any, google_auth_module), cast(Any, google_exceptions).DefaultCredentialsError
    env, settings = setup.env, setup.config.get("global")
    glob: Mapping[str, Any] = settings if isinstance(settings, Mapping) else {}  # pyright: ignore[reportUnknownVariableType]
    file = env.get("GOOGLE_APPLICATION_CREDENTIALS") or ""

    def load() -> tuple[GoogleToken, str | None]:
        try:
            credentials, project = _credentials_file(file) if file else google_auth.default(scopes=[SCOPE])
        except refused as exc:
            raise ConfigError(
                f"provider vertex found no Google credentials ({exc}). Run `gcloud auth "
                "application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a "
                "service-account JSON file in the server's env."
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"provider vertex could not read GOOGLE_APPLICATION_CREDENTIALS ({file}): {exc}"
            ) from None
        return GoogleToken(credentials), project if isinstance(project, str) else None

    token, found_project = cache.shared(("vertex-credentials", file, ""), load)
    project = (
        env.get("VERTEX_PROJECT_ID")
        or _text(glob.get("vertexProjectId"))
        or env.get("GOOGLE_CLOUD_PROJECT")
        or found_project
    )
    if not project:
        raise ConfigError(
            "provider vertex needs a Google Cloud project: set VERTEX_PROJECT_ID in the server's env "
            "or global.vertexProjectId in .taskmaster/config.json."
        )
    location = env.get("VERTEX_LOCATION") or _text(glob.get("vertexLocation")) or DEFAULT_LOCATION
    if model.startswith("claude"):
        client = cache.shared(
            ("vertex-claude", f"{base_url}|{project}|{location}", ""),
            lambda: anthropic_sdk().AsyncAnthropicVertex(
                region=location,
                project_id=project,
                access_token="pending",
                base_url=base_url,
                max_retries=0,
                timeout=120.0,
            ),
        )
        return _VertexAdapter(AnthropicAdapter(client, "vertex", model), token, "access_token")
    host = (
        f"https://{location}-aiplatform.googleapis.com/v1"
        if location != "global"
        else "https://aiplatform.googleapis.com/v1"
    )
    url = f"{(base_url or host).rstrip('/')}/projects/{project}/locations/{location}/endpoints/openapi"

    def build_openai() -> Any:
        import openai

        return openai.AsyncOpenAI(api_key="pending", base_url=url, max_retries=0, timeout=120.0)

    client = cache.shared(("vertex-openai", url, ""), build_openai)
    wire_model = model if "/" in model else f"google/{model}"  # the endpoint names models publisher/model
    return _VertexAdapter(OpenAIChatAdapter(client, "vertex", wire_model), token, "api_key")


def _credentials_file(file: str) -> tuple[Any, str | None]:
    """Credentials from the JSON file the user named: a service account or gcloud's user credentials, read by
    their own loaders; any other type (workload identity federation...) by google-auth's generic loader."""
    with open(file, encoding="utf-8") as handle:
        loaded: Any = json.load(handle)
    info = cast(dict[str, Any], loaded) if isinstance(loaded, dict) else {}
    kind = info.get("type")
    if kind == "service_account":
        from google.oauth2 import service_account

        accounts: Any = service_account.Credentials
        return accounts.from_service_account_info(info, scopes=[SCOPE]), info.get("project_id")
    if kind == "authorized_user":
        from google.oauth2 import credentials

        users: Any = credentials.Credentials
        return users.from_authorized_user_info(info, scopes=[SCOPE]), info.get("quota_project_id")
    import google.auth

    with warnings.catch_warnings():  # it warns about files from untrusted sources; the user named this one
        warnings.simplefilter("ignore", DeprecationWarning)
        return cast(Any, google.auth).load_credentials_from_file(file, scopes=[SCOPE])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
