"""The ``models`` command's core: show the roles with their credential status, set a role's model, list models.

Setting a role follows Task Master: ``setMain``/``setResearch``/``setFallback`` take a model id; the provider comes
from a provider hint when one is given (the flags of the registry's ``HINT_PROVIDERS``, or ``provider`` naming any known
provider), else from the catalogue (an id found under exactly one provider). An unknown provider is refused with the
list of known ones. Custom ids need a hint, and their cost is recorded as unknown, never zero. Only the role's
``provider``, ``modelId``, ``maxTokens`` (from the catalogue) and ``baseURL`` change; every other key and section
of config.json is preserved. As in Task Master, a role's ``baseURL`` is kept while its provider stays the same and
dropped when the provider changes (it named the old provider's endpoint); azure and openai-compatible need one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.credentials import credential_status
from taskmaster_mcp.models.ledger import LedgerReport
from taskmaster_mcp.models.optimize import Optimization
from taskmaster_mcp.models.registry import BY_NAME, row
from taskmaster_mcp.models.registry import HINT_PROVIDERS as HINT_PROVIDERS
from taskmaster_mcp.models.router import RoleTestResult
from taskmaster_mcp.models.spend import BudgetStatus
from taskmaster_mcp.store.config import EXTRA_ROLES, OUR_SECTION, ROLES, load_config, update_config
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.secrets import safe_url

KNOWN_PROVIDERS = tuple(sorted({*BY_NAME, *catalogue.providers()}))
EXTRA_ROLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


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


def provider_hint(flags: Mapping[str, bool], provider: str | None) -> str | None:
    """The one provider hint among ``flags`` (named as in ``HINT_PROVIDERS``) and ``provider``; refuse two."""
    chosen = [name for name, on in flags.items() if on]
    if provider:
        chosen.append(provider.strip().lower())
    unknown = [name for name in chosen if name not in KNOWN_PROVIDERS]
    if unknown:
        raise InvalidInput(f"Unknown provider '{unknown[0]}'. Use one of: {', '.join(KNOWN_PROVIDERS)}.")
    if len(set(chosen)) > 1:
        raise InvalidInput(f"Give one provider hint, not {', '.join(chosen)}.")
    return chosen[0] if chosen else None


def show_roles(paths: Paths, env: Mapping[str, str]) -> list[RoleView]:
    """Every role with its merged settings, key status and catalogue facts."""
    config = load_config(paths)
    views: list[RoleView] = []
    statuses: dict[str, str] = {}
    for role in config.role_names():  # Task Master's roles, then the extra roles of taskmasterMcp.roles
        try:
            rc = config.role(role)
        except ConfigError as exc:
            views.append(RoleView(role=role, key="unknown", error=str(exc)))
            continue
        if rc is None:
            views.append(RoleView(role=role, key="not configured (optional); set it with setFallback"))
            continue
        info = catalogue.lookup(rc.provider, rc.model_id)
        views.append(
            RoleView(
                role=role,
                provider=rc.provider,
                modelId=rc.model_id,
                maxTokens=rc.max_tokens,
                temperature=rc.temperature,
                baseURL=safe_url(rc.base_url),  # user:password@ is never shown
                key=statuses.get(rc.provider)
                or statuses.setdefault(rc.provider, credential_status(rc.provider, env, paths, config.raw).text),
                costPer1M={"input": info.input_price, "output": info.output_price} if info else None,
                contextWindow=info.context_window if info else None,
            )
        )
    return views


def resolve_provider(model_id: str, hint: str | None) -> str:
    """The provider of ``model_id``: the hint, else the catalogue; ambiguous or unknown ids need a hint."""
    if hint:
        if hint not in KNOWN_PROVIDERS:
            raise InvalidInput(f"Unknown provider '{hint}'. Use one of: {', '.join(KNOWN_PROVIDERS)}.")
        return hint
    owners = [m.provider for m in catalogue.models() if m.id == model_id]
    owners = list(dict.fromkeys(owners))
    direct = [o for o in owners if not row(o).reseller]
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


def _kept_base_url(paths: Paths, role: str, provider: str) -> str | None:
    """The role's current baseURL when it is already on ``provider`` (else that URL named another endpoint)."""
    current = load_config(paths)
    try:
        rc = current.role(role)
    except ConfigError:
        return None
    kept = rc.base_url if rc is not None and rc.provider == provider else None
    if kept is None and provider == "azure":
        configured = current.global_settings.get("azureBaseURL")
        return configured if isinstance(configured, str) and configured else None
    return kept


def set_role(paths: Paths, role: str, model_id: str, provider_hint: str | None, base_url: str | None) -> str:
    """Point ``role`` at a model; return a one-line description of the change.

    A Task Master role is written to ``models.<role>``; any other name is an extra role, written to (and created
    in) ``taskmasterMcp.roles.<name>`` with the same fields. Catalogue role limits apply to Task Master's roles only.
    """
    if role not in ROLES and not EXTRA_ROLE_NAME.fullmatch(role):
        shown = role if len(role) <= 40 else role[:37] + "..."
        raise InvalidInput(
            f"Role name '{shown}' is not valid: use a letter, then letters, digits, - or _ "
            "(at most 32), e.g. fast or strong."
        )
    if not model_id.strip():
        raise InvalidInput(f"The model id for {role} is empty. Pass a model id such as claude-sonnet-4-20250514.")
    provider = resolve_provider(model_id.strip(), provider_hint)
    kept = None if base_url else _kept_base_url(paths, role, provider)
    if row(provider).needs_base_url and not (base_url or kept):
        example = "https://YOUR-RESOURCE.openai.azure.com/openai" if provider == "azure" else "http://localhost:8000/v1"
        raise InvalidInput(f"provider {provider} needs baseURL (e.g. {example}).")
    info = catalogue.lookup(provider, model_id)
    if info is not None and info.allowed_roles and role in ROLES and role not in info.allowed_roles:
        raise InvalidInput(
            f"{provider}/{model_id} is not suited to the {role} role (catalogue roles: "
            f"{', '.join(info.allowed_roles)}). Pick another model for {role}."
        )

    def change(raw: dict[str, Any]) -> None:
        if role in ROLES:
            models: object = raw.setdefault("models", {})
        else:
            ours: object = raw.setdefault(OUR_SECTION, {})
            if not isinstance(ours, dict):
                raise ConfigError(f"config.json '{OUR_SECTION}' is not an object; fix or delete it, then retry.")
            models = cast("dict[str, Any]", ours).setdefault(EXTRA_ROLES, {})
        if not isinstance(models, dict):
            where = "models" if role in ROLES else f"{OUR_SECTION}.{EXTRA_ROLES}"
            raise ConfigError(f"config.json '{where}' is not an object; fix or delete it, then retry.")
        by_role = cast("dict[str, Any]", models)  # a JSON object: string keys, any values
        found: object = by_role.setdefault(role, {})
        if not isinstance(found, dict):
            found = by_role[role] = {}
        block = cast("dict[str, Any]", found)  # the same dict, still inside raw
        block["provider"] = provider
        block["modelId"] = model_id
        if info is not None and info.max_output_tokens:
            block["maxTokens"] = info.max_output_tokens
        if base_url or kept:
            block["baseURL"] = base_url or kept
        elif "baseURL" in block:
            dropped.append(str(block.pop("baseURL")))

    dropped: list[str] = []
    update_config(paths, change)
    price = (
        "unknown cost"
        if info is None or not info.priced
        else f"${info.input_price}/${info.output_price} per 1M tokens in/out"
    )
    note = f"; its old baseURL {safe_url(dropped[0])} was for another provider and is removed" if dropped else ""
    return f"{role} is now {provider}/{model_id} ({price}){note}."


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
    optimization: Optimization | None = None
    note: str | None = None


class UsageResult(BaseModel):
    """Ledger totals and breakdowns (latency percentiles, error and fallback rates, cost, shares) over
    ``since``..``until``, and each budget's status over its current day or month."""

    report: LedgerReport
    note: str | None = None
    since: str | None = None
    until: str | None = None
    budgets: list[BudgetStatus] | None = None
