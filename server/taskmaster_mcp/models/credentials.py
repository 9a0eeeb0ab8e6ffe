"""How each provider signs in, and whether this machine has it: the credential status shown by ``models`` and
``doctor``. It names the real mechanism of each provider and never asks for a variable that does not exist.

- API-key providers: the key variable of the provider's row in ``registry.py``, from the server's env or ``.env``.
- CLI agents (``claude-code``, ``codex-cli``, ``gemini-cli``, ``grok-cli``) sign in with the user's own CLI login
  and plan; what is checked is the CLI (and, for Claude Code, the SDK extra) and the login files the CLI keeps.
- ``bedrock``: the AWS credential chain; ``vertex``: Google credentials (a JSON file or gcloud's ADC).

Nothing here calls a provider or imports an SDK, so a status is cheap. ``ready`` is True when what a call needs
was found, False when something is certainly missing (with ``fix`` saying how to get it), and None when the
sign-in lives where we cannot look (a macOS Keychain, an instance role): only a call (``models`` with ``test``,
``doctor --ping``) can tell.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.models.registry import AGENTS, resolve_key
from taskmaster_mcp.store.config import is_placeholder, load_config, read_dotenv
from taskmaster_mcp.store.paths import Paths

# Variables the cloud providers and CLI agents read, also taken from <project>/.env when the env lacks them.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_BEARER_TOKEN_BEDROCK",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "VERTEX_PROJECT_ID",
    "VERTEX_LOCATION",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "OPENAI_CODEX_API_KEY",
    "GEMINI_API_KEY",
    "GROK_CLI_API_KEY",
)
EXTRA = 'pip install "taskmaster-mcp[{}]"'


def module_spec(name: str) -> ModuleSpec | None:
    """``find_spec(name)``, or None when the module cannot be found: for a dotted name such as ``google.auth``,
    ``find_spec`` imports the parent and raises when the parent itself is absent (the base install has no
    ``google``). An optional extra must never break a status."""
    try:
        return find_spec(name)
    except (ImportError, ValueError):
        return None


@dataclass(frozen=True)
class CredentialStatus:
    """What a provider signs in with, as found here; ``text`` never contains a secret."""

    provider: str
    ready: bool | None
    text: str
    fix: str | None = None


def provider_env(env: Mapping[str, str], paths: Paths | None) -> dict[str, str]:
    """``env`` plus the :data:`CREDENTIAL_VARIABLES` that only ``<project>/.env`` sets (the env wins)."""
    merged = dict(env)
    if paths is not None:
        for name, value in read_dotenv(paths.env_file).items():
            if name in CREDENTIAL_VARIABLES and not merged.get(name) and not is_placeholder(value):
                merged[name] = value
    return merged


def _section(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = config.get(name)
    return cast(Mapping[str, Any], section) if isinstance(section, Mapping) else {}


def agent_command(provider: str, env: Mapping[str, str], config: Mapping[str, Any]) -> str | None:
    """The agent's executable: Task Master's path setting when it names a file, else the command on env's PATH."""
    spec = AGENTS[provider]
    if spec.path_setting is not None:
        configured = _section(config, spec.path_setting[0]).get(spec.path_setting[1])
        if isinstance(configured, str) and configured and Path(configured).expanduser().is_file():
            return str(Path(configured).expanduser())
    return shutil.which(spec.command, path=env.get("PATH") or None)


def bundled_claude() -> str | None:
    """The Claude Code CLI inside the installed ``claude-agent-sdk`` wheel, if this platform's wheel has one."""
    spec = module_spec("claude_agent_sdk")
    if spec is None or spec.origin is None:
        return None
    found = Path(spec.origin).parent / "_bundled" / "claude"
    return str(found) if found.is_file() else None


def credential_status(
    provider: str, env: Mapping[str, str], paths: Paths | None, config: Mapping[str, Any] | None = None
) -> CredentialStatus:
    """How ``provider`` signs in here. ``config`` is config.json as read (read from ``paths`` when omitted)."""
    if config is None:
        try:
            config = load_config(paths).raw if paths is not None else {}
        except Exception:  # a broken config.json is reported elsewhere; the status needs only a few keys
            config = {}
    env = provider_env(env, paths)
    home = Path(env.get("HOME") or Path.home())
    if provider in AGENTS:
        return _agent(provider, env, config, home)
    if provider == "bedrock":
        return _bedrock(env, home)
    if provider == "vertex":
        return _vertex(env, config, home)
    return _key(provider, env, paths)


def _key(provider: str, env: Mapping[str, str], paths: Paths | None) -> CredentialStatus:
    status = resolve_key(provider, env, paths)
    if status.source == "not-needed":
        return CredentialStatus(provider, True, "not needed")
    if status.source == "missing":
        fix = f"set {status.variable} in your editor's MCP env block or in .env"
        return CredentialStatus(provider, False, f"MISSING: {fix}", fix)
    where = "the environment" if status.source == "env" else ".env"
    return CredentialStatus(provider, True, f"{status.variable} set (from {where})")


def _where(name: str, env: Mapping[str, str]) -> str | None:
    value = env.get(name)
    return f"{name} set" if value and not is_placeholder(value) else None


def _agent(provider: str, env: Mapping[str, str], config: Mapping[str, Any], home: Path) -> CredentialStatus:
    spec = AGENTS[provider]
    if provider == "claude-code" and module_spec("claude_agent_sdk") is None:
        fix = EXTRA.format("claude-code")
        return CredentialStatus(provider, False, f"MISSING: the Claude Agent SDK: {fix}", fix)
    command = agent_command(provider, env, config) or (bundled_claude() if provider == "claude-code" else None)
    if command is None:
        return CredentialStatus(provider, False, f"MISSING: the `{spec.command}` CLI: {spec.install}", spec.install)
    found: str | None
    if provider == "claude-code":
        config_dir = Path(env.get("CLAUDE_CONFIG_DIR") or home / ".claude")
        found = _where("CLAUDE_CODE_OAUTH_TOKEN", env) or (
            "signed in (claude login)" if (config_dir / ".credentials.json").is_file() else None
        )
    elif provider == "codex-cli":
        codex_home = Path(env.get("CODEX_HOME") or home / ".codex")
        found = _where("OPENAI_CODEX_API_KEY", env) or (
            "signed in (codex login)" if (codex_home / "auth.json").is_file() else None
        )
    elif provider == "gemini-cli":
        found = _where("GEMINI_API_KEY", env) or (
            "signed in with Google" if (home / ".gemini" / "oauth_creds.json").is_file() else None
        )
    else:
        found = _where("GROK_CLI_API_KEY", env) or _grok_settings_key(home)
    subject = f"`{spec.command}` at {command}"
    if found is not None:
        return CredentialStatus(provider, True, f"{subject}, {found}")
    if provider == "grok-cli":
        return CredentialStatus(provider, False, f"MISSING: {spec.sign_in} ({subject})", spec.sign_in)
    return CredentialStatus(
        provider, None, f"{subject}; sign-in not found where we can look: {spec.sign_in}", spec.sign_in
    )


def _grok_settings_key(home: Path) -> str | None:
    try:
        settings = json.loads((home / ".grok" / "user-settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = isinstance(settings, dict) and bool(cast(dict[str, Any], settings).get("apiKey"))
    return "apiKey in ~/.grok/user-settings.json" if found else None


def _bedrock(env: Mapping[str, str], home: Path) -> CredentialStatus:
    if module_spec("boto3") is None:
        fix = EXTRA.format("bedrock")
        return CredentialStatus("bedrock", False, f"MISSING: the AWS libraries: {fix}", fix)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    place = f"region {region}" if region else "region from the AWS profile (set AWS_REGION if it has none)"
    files = [
        Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"),
        Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config"),
    ]
    found = (
        _where("AWS_BEARER_TOKEN_BEDROCK", env)
        or (
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set"
            if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")
            else None
        )
        or (f"AWS profile {env['AWS_PROFILE']}" if env.get("AWS_PROFILE") else None)
        or ("AWS shared config (~/.aws)" if any(f.is_file() for f in files) else None)
    )
    if found is not None:
        return CredentialStatus("bedrock", True, f"{found}, {place}")
    fix = (
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or AWS_BEARER_TOKEN_BEDROCK) in the "
        "server's env, or run `aws configure` / `aws sso login`"
    )
    return CredentialStatus(
        "bedrock",
        None,
        f"no AWS credentials in the env or ~/.aws (an instance or container role is found only by a call): {fix}",
        fix,
    )


def _vertex(env: Mapping[str, str], config: Mapping[str, Any], home: Path) -> CredentialStatus:
    if module_spec("google.auth") is None:
        fix = EXTRA.format("vertex")
        return CredentialStatus("vertex", False, f"MISSING: google-auth: {fix}", fix)
    configured = _section(config, "global").get("vertexProjectId")
    project = (
        env.get("VERTEX_PROJECT_ID")
        or (configured if isinstance(configured, str) else None)
        or env.get("GOOGLE_CLOUD_PROJECT")
    )
    place = f"project {project}" if project else "project from the credentials (set VERTEX_PROJECT_ID if none)"
    file = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if file:
        if not Path(file).is_file():
            fix = "point GOOGLE_APPLICATION_CREDENTIALS at an existing JSON key file"
            return CredentialStatus(
                "vertex", False, f"MISSING: GOOGLE_APPLICATION_CREDENTIALS names {file}, which does not exist", fix
            )
        return CredentialStatus("vertex", True, f"GOOGLE_APPLICATION_CREDENTIALS file, {place}")
    adc = Path(env.get("CLOUDSDK_CONFIG") or home / ".config" / "gcloud") / "application_default_credentials.json"
    if adc.is_file():
        return CredentialStatus("vertex", True, f"gcloud application-default credentials, {place}")
    fix = (
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account "
        "JSON file in the server's env"
    )
    return CredentialStatus(
        "vertex", None, f"no Google credentials found (on Google Cloud the metadata server is used): {fix}", fix
    )
