"""The provider registry: one row per provider, the only place provider facts live.

A row says which wire API the provider speaks (``wires/``), its default base URL, Task Master's ``global.*`` key
for that URL, the API key variable, how it signs in, and the flags the ``models`` tool needs (a reseller of other
makers' models, a provider hint flag, a provider that needs a base URL). Adding a provider that speaks an existing
wire is one row here (and its models in the catalogue, ``data/supported-models.json``).

Base URL precedence: the role's ``baseURL``, then env ``<PROVIDER>_BASE_URL`` (upper case, ``-`` -> ``_``), then
the row's ``global.*`` key (Task Master's ``ollamaBaseURL`` / ``azureBaseURL``), then the row's default. Task Master
writes Anthropic URLs ending in ``/v1``, Ollama URLs ending in ``/api`` and Azure URLs ending in ``/openai``; all
are normalised for the SDKs. Wires that locate themselves (sampling, Bedrock, Vertex, the CLI agents) need no base
URL; one given is used as an override (tests point them at a scripted server).

API keys: the server's env, then ``<root>/.env``; placeholders count as missing (:func:`resolve_key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.store.config import is_placeholder, read_dotenv
from taskmaster_mcp.store.paths import Paths

Wire = Literal["anthropic", "openai", "sampling", "bedrock", "vertex", "agent"]
SignIn = Literal["key", "local", "client", "cloud", "agent"]
SELF_LOCATED_WIRES: frozenset[str] = frozenset({"sampling", "bedrock", "vertex", "agent"})


@dataclass(frozen=True)
class AgentSpec:
    """A CLI agent: its command, how to install it and sign in, and Task Master's setting for its path."""

    command: str
    install: str
    sign_in: str
    path_setting: tuple[str, str] | None = None  # (config.json section, key)


@dataclass(frozen=True)
class ProviderRow:
    """Everything the server knows about one provider (its models are in the catalogue)."""

    name: str
    wire: Wire
    base_url: str | None = None  # the default endpoint; None: the user gives one, or the wire locates itself
    key_variable: str | None = None  # the API key variable; None for providers that sign in another way
    sign_in: SignIn = "key"  # key; local (a server on this machine); client (the MCP client); cloud; agent
    global_key: str | None = None  # Task Master's global.* key holding this provider's base URL
    reseller: bool = False  # serves other makers' models: a model id it shares means the maker's own API
    hint: int = 0  # position among the provider hint flags of the models tool and CLI (0: not a hint)
    needs_base_url: bool = False  # the models tool refuses to set it without a baseURL
    agent: AgentSpec | None = field(default=None, repr=False)  # the CLI agent behind it

    @property
    def self_located(self) -> bool:
        """The wire finds its own endpoint (an SDK's cloud client, a CLI, the MCP client)."""
        return self.wire in SELF_LOCATED_WIRES


ROWS: tuple[ProviderRow, ...] = (
    ProviderRow("anthropic", "anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY"),
    ProviderRow("openai", "openai", "https://api.openai.com/v1", "OPENAI_API_KEY"),
    ProviderRow("openrouter", "openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", reseller=True, hint=1),
    ProviderRow("ollama", "openai", "http://localhost:11434/v1", None, "local", "ollamaBaseURL", reseller=True, hint=2),
    ProviderRow("lmstudio", "openai", "http://localhost:1234/v1", None, "local", reseller=True, hint=3),
    ProviderRow("groq", "openai", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    ProviderRow("xai", "openai", "https://api.x.ai/v1", "XAI_API_KEY"),
    ProviderRow("google", "openai", "https://generativelanguage.googleapis.com/v1beta/openai/", "GOOGLE_API_KEY"),
    ProviderRow("perplexity", "openai", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"),
    ProviderRow("mistral", "openai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    ProviderRow("deepseek", "openai", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    ProviderRow("zai", "openai", "https://api.z.ai/api/paas/v4", "ZAI_API_KEY"),
    ProviderRow("zai-coding", "openai", "https://api.z.ai/api/coding/paas/v4", "ZAI_API_KEY", reseller=True),
    ProviderRow(
        "azure",
        "openai",
        None,
        "AZURE_OPENAI_API_KEY",
        global_key="azureBaseURL",
        reseller=True,
        hint=5,
        needs_base_url=True,
    ),
    ProviderRow(
        "openai-compatible", "openai", None, "OPENAI_COMPATIBLE_API_KEY", reseller=True, hint=7, needs_base_url=True
    ),
    ProviderRow("mcp", "sampling", sign_in="client"),
    ProviderRow("bedrock", "bedrock", sign_in="cloud", reseller=True, hint=4),
    ProviderRow("vertex", "vertex", sign_in="cloud", reseller=True, hint=6),
    ProviderRow(
        "claude-code",
        "agent",
        sign_in="agent",
        reseller=True,
        hint=8,
        agent=AgentSpec(
            "claude",
            "npm install -g @anthropic-ai/claude-code",
            "run `claude` once and sign in with /login (or run `claude setup-token` and set CLAUDE_CODE_OAUTH_TOKEN)",
            ("claudeCode", "pathToClaudeCodeExecutable"),
        ),
    ),
    ProviderRow(
        "codex-cli",
        "agent",
        sign_in="agent",
        reseller=True,
        hint=10,
        agent=AgentSpec(
            "codex",
            "npm install -g @openai/codex",
            "run `codex login` (ChatGPT plan) or set OPENAI_CODEX_API_KEY",
            ("codexCli", "codexPath"),
        ),
    ),
    ProviderRow(
        "gemini-cli",
        "agent",
        sign_in="agent",
        reseller=True,
        hint=9,
        agent=AgentSpec(
            "gemini",
            "npm install -g @google/gemini-cli",
            "run `gemini` once and choose Login with Google, or set GEMINI_API_KEY",
        ),
    ),
    ProviderRow(
        "grok-cli",
        "agent",
        sign_in="agent",
        reseller=True,
        hint=11,
        agent=AgentSpec(
            "grok",
            "npm install -g @vibe-kit/grok-cli",
            "set GROK_CLI_API_KEY (an xAI API key) or apiKey in ~/.grok/user-settings.json",
        ),
    ),
)
BY_NAME: dict[str, ProviderRow] = {row.name: row for row in ROWS}
# Provider hints as boolean flags, named as the providers are: Task Master's `models` tool takes openrouter, ollama,
# bedrock, azure, vertex and openai-compatible; its CLI also --lmstudio, --claude-code, --gemini-cli, --codex-cli.
HINT_PROVIDERS: tuple[str, ...] = tuple(row.name for row in sorted(ROWS, key=lambda r: r.hint) if row.hint)
AGENTS: dict[str, AgentSpec] = {row.name: row.agent for row in ROWS if row.agent is not None}


def row(provider: str) -> ProviderRow:
    """The provider's row; an unknown provider is taken as an OpenAI-compatible API with ``<NAME>_API_KEY``."""
    found = BY_NAME.get(provider)
    if found is not None:
        return found
    return ProviderRow(provider, "openai", key_variable=f"{provider.upper().replace('-', '_')}_API_KEY")


def provider_wire(provider: str) -> Wire:
    """The wire API of a provider: ``anthropic``, ``openai`` (also unknown providers), ``sampling``, ``bedrock``,
    ``vertex`` or ``agent`` (a CLI agent)."""
    return row(provider).wire


def key_variable(provider: str) -> str | None:
    """The API key variable of ``provider`` (None when it signs in another way)."""
    return row(provider).key_variable


def key_variables() -> list[str]:
    """Every API key variable, once each, in registry order (for ``.env.example``)."""
    return list(dict.fromkeys(r.key_variable for r in ROWS if r.key_variable))


@dataclass(frozen=True)
class KeyStatus:
    """Where a provider's API key was found (the value is never shown)."""

    provider: str
    variable: str | None
    source: Literal["env", ".env", "not-needed", "missing"]
    value: str | None = field(default=None, repr=False)

    @property
    def present(self) -> bool:
        return self.source in ("env", ".env", "not-needed")


def resolve_key(provider: str, env: Mapping[str, str], paths: Paths | None) -> KeyStatus:
    """Look up a provider's API key: the server environment, then ``<root>/.env``; placeholders count as missing."""
    variable = key_variable(provider)
    if variable is None:
        return KeyStatus(provider, None, "not-needed")
    value = env.get(variable)
    if value is not None and not is_placeholder(value):
        return KeyStatus(provider, variable, "env", value)
    if paths is not None:
        value = read_dotenv(paths.env_file).get(variable)
        if value is not None and not is_placeholder(value):
            return KeyStatus(provider, variable, ".env", value)
    return KeyStatus(provider, variable, "missing")


def resolve_base_url(
    provider: str, role_base_url: str | None, env: Mapping[str, str], global_settings: Mapping[str, Any]
) -> str | None:
    """Apply the documented base URL precedence; raise ConfigError when a provider needs one and has none."""
    found = row(provider)
    variable = provider.upper().replace("-", "_") + "_BASE_URL"
    url = role_base_url or env.get(variable) or None
    if url is None and found.global_key is not None:
        configured = global_settings.get(found.global_key)
        url = configured if isinstance(configured, str) and configured else None
    url = url or found.base_url
    if url is None:
        if found.self_located:
            return None
        where = f", global.{found.global_key}" if found.global_key else ""
        raise ConfigError(
            f"provider '{provider}' needs a base URL: set \"baseURL\" in the role's block of "
            f".taskmaster/config.json (models tool, baseURL argument){where} or {variable} in the server's env."
        )
    url = url.rstrip("/")
    if provider == "anthropic" and url.endswith("/v1"):
        url = url[: -len("/v1")]  # the SDK appends /v1/messages itself
    if provider == "ollama" and url.endswith("/api"):
        url = url[: -len("/api")] + "/v1"
    if provider == "azure" and url.endswith("/openai"):
        url += "/v1"  # Task Master's Azure URLs end in /openai; the OpenAI SDK speaks Azure's v1 API below it
    return url
