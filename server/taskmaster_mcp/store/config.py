"""``.taskmaster/config.json``: model roles, global settings, our own section, and API key lookup.

The file is Task Master's. We read its ``models`` and ``global`` sections the way Task Master does (each role block
merged over defaults) and keep every other section byte-for-byte in meaning. Settings that only this server uses
live under one key, ``"taskmasterMcp"`` (see :data:`OUR_SECTION`), which Task Master ignores.

API keys are looked up in the server's environment first (an editor's ``env`` block lands there), then in
``<root>/.env``. They are never written anywhere by us.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.store.files import dumps, load_json, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.roots import is_unexpanded

Role = Literal["main", "research", "fallback"]
ROLES: tuple[Role, ...] = ("main", "research", "fallback")
OUR_SECTION = "taskmasterMcp"
EXTRA_ROLES = "roles"  # taskmasterMcp.roles: extra named roles (fast, strong, reviewer...), same fields as models.*

DEFAULT_MODELS: dict[str, dict[str, Any]] = {
    "main": {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514", "maxTokens": 64000, "temperature": 0.2},
    "research": {"provider": "perplexity", "modelId": "sonar", "maxTokens": 8700, "temperature": 0.1},
    "fallback": {
        "provider": "anthropic",
        "modelId": "claude-3-7-sonnet-20250219",
        "maxTokens": 120000,
        "temperature": 0.2,
    },
}

DEFAULT_GLOBAL: dict[str, Any] = {
    "logLevel": "info",
    "debug": False,
    "defaultNumTasks": 10,
    "defaultSubtasks": 5,
    "defaultPriority": "medium",
    "projectName": "Task Master",
    "ollamaBaseURL": "http://localhost:11434/api",
    "responseLanguage": "English",
    "defaultTag": "master",
}


@dataclass(frozen=True)
class RoleConfig:
    """One model role after merging the file's block over the defaults."""

    role: str  # one of ROLES, or an extra role named under taskmasterMcp.roles
    provider: str
    model_id: str
    max_tokens: int | None
    temperature: float | None
    base_url: str | None


@dataclass
class Config:
    """The parsed config file (``raw`` is kept whole so writes preserve every section)."""

    raw: dict[str, Any] = field(default_factory=lambda: {})
    source: Path | None = None
    parsed: dict[str, Any] = field(default_factory=lambda: {}, repr=False, compare=False)
    """Settings already validated from ``raw`` (store/settings.py), so each is parsed once per config read."""

    @property
    def global_settings(self) -> dict[str, Any]:
        """``global`` merged over Task Master's defaults."""
        merged = dict(DEFAULT_GLOBAL)
        section = self.raw.get("global")
        if isinstance(section, dict):
            merged.update(section)  # pyright: ignore[reportUnknownArgumentType]
        return merged

    @property
    def ours(self) -> dict[str, Any]:
        """This server's own settings section (empty when absent)."""
        section = self.raw.get(OUR_SECTION)
        return section if isinstance(section, dict) else {}  # pyright: ignore[reportUnknownVariableType]

    @property
    def extra_roles(self) -> dict[str, Any]:
        """``taskmasterMcp.roles``: extra named roles (empty when absent or not an object)."""
        section = self.ours.get(EXTRA_ROLES)
        return section if isinstance(section, dict) else {}  # pyright: ignore[reportUnknownVariableType]

    def role_names(self) -> tuple[str, ...]:
        """Task Master's roles, then the extra roles in file order (an extra role cannot shadow a Task Master one)."""
        return (*ROLES, *(name for name in self.extra_roles if name not in ROLES))

    def role(self, role: str) -> RoleConfig | None:
        """The merged role block; None for a fallback role without both provider and modelId.

        An extra role (``taskmasterMcp.roles.<name>``) has no defaults: it needs its own provider and modelId.
        An unknown role name raises ConfigError listing the roles that exist.
        """
        if role in ROLES:
            models = self.raw.get("models")
            where = f"models.{role}"
        elif role in self.extra_roles:
            models = self.extra_roles
            where = f"{OUR_SECTION}.{EXTRA_ROLES}.{role}"
        else:
            raise ConfigError(
                f"role '{role}' does not exist; roles are {', '.join(self.role_names())}. Add it "
                f"under {OUR_SECTION}.{EXTRA_ROLES} in .taskmaster/config.json or use one of those."
            )
        block: dict[str, Any] = {}
        if isinstance(models, dict):
            candidate = models.get(role)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(candidate, dict):
                block = candidate  # pyright: ignore[reportUnknownVariableType]
            elif role not in ROLES:
                raise ConfigError(f"{where} in config.json must be an object with 'provider' and 'modelId'.")
        if role == "fallback" and not (block.get("provider") and block.get("modelId")):
            return None
        merged = {**DEFAULT_MODELS.get(role, {}), **block}
        provider = merged.get("provider")
        model_id = merged.get("modelId")
        if not isinstance(provider, str) or not provider or not isinstance(model_id, str) or not model_id:
            raise ConfigError(
                f"{where} in config.json needs a non-empty string 'provider' and 'modelId'. "
                "Set them with the `models` tool (setMain / setResearch / setFallback / setRole)."
            )
        max_tokens = merged.get("maxTokens")
        temperature = merged.get("temperature")
        if max_tokens is not None and (
            not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens <= 0
        ):
            raise ConfigError(f"{where}.maxTokens must be a positive integer, got {max_tokens!r}.")
        if temperature is not None and (
            not isinstance(temperature, int | float) or isinstance(temperature, bool) or not 0 <= temperature <= 2
        ):
            raise ConfigError(f"{where}.temperature must be a number from 0 to 2, got {temperature!r}.")
        base_url = merged.get("baseURL")
        return RoleConfig(
            role=role,
            provider=provider.lower(),
            model_id=model_id,
            max_tokens=max_tokens,
            temperature=float(temperature) if temperature is not None else None,
            base_url=base_url if isinstance(base_url, str) and base_url else None,
        )


def load_config(paths: Paths) -> Config:
    """Read config.json (or the legacy ``.taskmasterconfig``); a missing file gives the defaults."""
    for candidate in (paths.config_file, paths.legacy_config_file):
        if candidate.is_file():
            data, _ = load_json(candidate)
            if not isinstance(data, dict):
                raise ConfigError(f"{candidate} must hold a JSON object; fix or delete it.")
            return Config(raw=data, source=candidate)  # pyright: ignore[reportUnknownArgumentType]
    return Config()


class ConfigSource:
    """config.json of one project, re-read only when the file changed on disk (the one way config is read)."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._cached: tuple[tuple[int, int] | None, Config] | None = None

    def get(self) -> Config:
        """The current config (defaults when there is no file); a broken file raises ConfigError every time."""
        try:
            st = self.paths.config_file.stat()
            signature: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            signature = None
        if self._cached is None or self._cached[0] != signature:
            self._cached = (signature, load_config(self.paths))
        return self._cached[1]


def update_config(paths: Paths, change: Callable[[dict[str, Any]], None]) -> Config:
    """Apply ``change`` to a copy of the raw config under the project lock and write config.json atomically.

    If ``change`` raises, nothing is written. Sections we do not own are carried over untouched.
    """
    with project_lock(paths.taskmaster):
        current = load_config(paths)
        raw = copy.deepcopy(current.raw)
        change(raw)
        trailing = False
        if current.source == paths.config_file:
            trailing = paths.config_file.read_bytes().endswith(b"\n")
        write_atomic(paths.config_file, dumps(raw, trailing_newline=trailing), sweep=True)
        return Config(raw=raw, source=paths.config_file)


def default_config_document(project_name: str) -> dict[str, Any]:
    """The config.json that ``init`` writes for a new project."""
    return {
        "models": copy.deepcopy(DEFAULT_MODELS),
        "global": {**DEFAULT_GLOBAL, "projectName": project_name},
    }


def is_placeholder(value: str) -> bool:
    """True for values such as ``YOUR_ANTHROPIC_API_KEY_HERE`` (or an unexpanded template) that count as missing."""
    upper = value.strip().upper()
    return (
        not upper
        or upper.startswith("YOUR_")
        or upper.endswith("_HERE")
        or upper in {"CHANGEME", "XXX", "..."}
        or is_unexpanded(value)
    )


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=VALUE`` lines, optional ``export``, quotes stripped, ``#`` comments."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError, PermissionError):
        return values
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values
