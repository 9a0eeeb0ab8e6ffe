"""The ``models`` command's core: show the roles with key status, set a role's model, list what is available.

Setting a role follows Task Master: ``setMain``/``setResearch``/``setFallback`` take a model id; the provider comes
from a provider hint when one is given (``ollama``, ``openrouter``...), else from the catalogue (an id found under
exactly one provider). Custom ids need a hint, and their cost is recorded as unknown, never zero. Only the role's
``provider``, ``modelId`` (and ``maxTokens`` from the catalogue, ``baseURL`` when given) change; every other key and
section of config.json is preserved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.ledger import LedgerReport
from taskmaster_mcp.models.router import RoleTestResult
from taskmaster_mcp.store.config import KEY_VARIABLES, ROLES, Role, load_config, resolve_key, update_config
from taskmaster_mcp.store.paths import Paths

RESELLERS = frozenset({"openrouter", "azure", "ollama", "lmstudio", "openai-compatible"})
KNOWN_PROVIDERS = tuple(sorted({*KEY_VARIABLES, *catalogue.providers()}))


class RoleView(BaseModel):
    """One role as shown to the agent: model, limits, price, and where its key comes from (never the key)."""

    role: str
    provider: str | None = None
    modelId: str | None = None
    maxTokens: int | None = None
    temperature: float | None = None
    baseURL: str | None = None
    key: str
    costPer1M: dict[str, float | None] | None = None
    contextWindow: int | None = None
    error: str | None = None


def _key_text(provider: str, env: Mapping[str, str], paths: Paths) -> str:
    status = resolve_key(provider, env, paths)
    if status.source == "not-needed":
        return "not needed"
    if status.source == "missing":
        return f"MISSING: set {status.variable} in your editor's MCP env block or in .env"
    return f"{status.variable} set (from {'the environment' if status.source == 'env' else '.env'})"


def show_roles(paths: Paths, env: Mapping[str, str]) -> list[RoleView]:
    """Every role with its merged settings, key status and catalogue facts."""
    config = load_config(paths)
    views: list[RoleView] = []
    for role in ROLES:
        try:
            rc = config.role(role)
        except ConfigError as exc:
            views.append(RoleView(role=role, key="unknown", error=str(exc)))
            continue
        if rc is None:
            views.append(RoleView(role=role, key="not configured (optional); set it with setFallback"))
            continue
        info = catalogue.lookup(rc.provider, rc.model_id)
        views.append(RoleView(
            role=role, provider=rc.provider, modelId=rc.model_id, maxTokens=rc.max_tokens,
            temperature=rc.temperature, baseURL=rc.base_url, key=_key_text(rc.provider, env, paths),
            costPer1M={"input": info.input_price, "output": info.output_price} if info else None,
            contextWindow=info.context_window if info else None,
        ))
    return views


def resolve_provider(model_id: str, hint: str | None) -> str:
    """The provider of ``model_id``: the hint, else the catalogue; ambiguous or unknown ids need a hint."""
    if hint:
        if hint not in KNOWN_PROVIDERS:
            raise InvalidInput(f"Unknown provider '{hint}'. Use one of: {', '.join(KNOWN_PROVIDERS)}.")
        return hint
    owners = [m.provider for m in catalogue.models() if m.id == model_id]
    owners = list(dict.fromkeys(owners))
    direct = [o for o in owners if o not in RESELLERS]
    if len(owners) > 1 and len(direct) == 1:
        return direct[0]  # "gpt-4o" means OpenAI's own API unless a hint says azure or openrouter
    if len(owners) == 1:
        return owners[0]
    if len(owners) > 1:
        raise InvalidInput(f"Model '{model_id}' is offered by {', '.join(owners)}; pass provider to choose.")
    raise InvalidInput(
        f"Model '{model_id}' is not in the catalogue. For a custom or local model pass provider (e.g. ollama, "
        "openrouter, openai-compatible with baseURL); its cost will be recorded as unknown. "
        "listAvailableModels shows the catalogue."
    )


def set_role(paths: Paths, role: Role, model_id: str, provider_hint: str | None, base_url: str | None) -> str:
    """Point ``role`` at a model; return a one-line description of the change."""
    if not model_id.strip():
        raise InvalidInput(f"The model id for {role} is empty. Pass a model id such as claude-sonnet-4-20250514.")
    provider = resolve_provider(model_id.strip(), provider_hint)
    if provider == "openai-compatible" and not base_url:
        raise InvalidInput("provider openai-compatible needs baseURL (e.g. http://localhost:8000/v1).")
    info = catalogue.lookup(provider, model_id)
    if info is not None and info.allowed_roles and role not in info.allowed_roles:
        raise InvalidInput(f"{provider}/{model_id} is not suited to the {role} role (catalogue roles: "
                           f"{', '.join(info.allowed_roles)}). Pick another model for {role}.")

    def change(raw: dict[str, Any]) -> None:
        models: object = raw.setdefault("models", {})
        if not isinstance(models, dict):
            raise ConfigError("config.json 'models' is not an object; fix or delete it, then retry.")
        by_role = cast("dict[str, Any]", models)  # a JSON object: string keys, any values
        found: object = by_role.setdefault(role, {})
        if not isinstance(found, dict):
            found = by_role[role] = {}
        block = cast("dict[str, Any]", found)  # the same dict, still inside raw
        block["provider"] = provider
        block["modelId"] = model_id
        if info is not None and info.max_output_tokens:
            block["maxTokens"] = info.max_output_tokens
        if base_url is not None:
            block["baseURL"] = base_url

    update_config(paths, change)
    price = "unknown cost" if info is None or not info.priced else \
        f"${info.input_price}/${info.output_price} per 1M tokens in/out"
    return f"{role} is now {provider}/{model_id} ({price})."


def catalogue_rows(provider: str | None, role: str | None) -> list[dict[str, Any]]:
    """The shipped catalogue as compact rows, optionally filtered."""
    rows: list[dict[str, Any]] = []
    for m in catalogue.models(provider, role):
        row: dict[str, Any] = {"provider": m.provider, "id": m.id, "roles": list(m.allowed_roles)}
        if m.input_price is not None or m.output_price is not None:
            row["costPer1M"] = [m.input_price, m.output_price]
        if m.context_window:
            row["context"] = m.context_window
        rows.append(row)
    return rows


class ModelsResult(BaseModel):
    """Roles with key status; what changed; what is available; test results."""

    roles: list[RoleView]
    changed: list[str] | None = None
    available: list[dict[str, Any]] | None = None
    endpointModels: list[str] | None = None
    tests: list[RoleTestResult] | None = None
    note: str | None = None


class UsageResult(BaseModel):
    """Ledger totals and breakdowns (latency percentiles, error and fallback rates, cost)."""

    report: LedgerReport
    note: str | None = None
