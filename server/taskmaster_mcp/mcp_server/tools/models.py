"""Model tools: ``models`` (Task Master's parameters, plus ``test``) and ``usage_report`` (the ledger)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project, state_of
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot

if TYPE_CHECKING:  # the model layer is imported on first use, not at server start
    from mcp.server.mcpserver import Context

    from taskmaster_mcp.models.optimize import Optimization
    from taskmaster_mcp.models.roles import ModelsResult, UsageResult
    from taskmaster_mcp.store.project import Project

ENDPOINT_LISTED = ("ollama", "lmstudio", "openrouter")


async def models(
    ctx: Context[Any, Any],
    setMain: str | None = None,
    setResearch: str | None = None,
    setFallback: str | None = None,
    provider: Annotated[str | None, Field(description="Provider of the model, e.g. zai (or a flag)")] = None,
    openrouter: bool = False,
    ollama: bool = False,
    lmstudio: bool = False,
    bedrock: bool = False,
    azure: bool = False,
    vertex: bool = False,
    openai_compatible: Annotated[bool, Field(alias="openai-compatible")] = False,
    claude_code: Annotated[bool, Field(alias="claude-code")] = False,
    gemini_cli: Annotated[bool, Field(alias="gemini-cli")] = False,
    codex_cli: Annotated[bool, Field(alias="codex-cli")] = False,
    grok_cli: Annotated[bool, Field(alias="grok-cli")] = False,
    baseURL: str | None = None,
    listAvailableModels: bool = False,
    test: Annotated[bool, Field(description="Ping each role's model")] = False,
    setRole: Annotated[str | None, Field(description="NAME=MODEL: set an extra role")] = None,
    optimize: Literal["speed", "quality", "cost"] | None = None,
    apply: Annotated[bool, Field(description="Apply the optimize proposal")] = False,
    projectRoot: ProjectRoot = None,
) -> ModelsResult:
    """Show/set the main, research, fallback and extra roles (with key status); list, test or optimize models."""
    from taskmaster_mcp.mcp_server.calls import sampler_for
    from taskmaster_mcp.models import roles as model_roles

    project = await open_project(ctx, projectRoot)
    env = state_of(ctx).env
    flags = (
        openrouter,
        ollama,
        lmstudio,
        bedrock,
        azure,
        vertex,
        openai_compatible,
        claude_code,
        gemini_cli,
        codex_cli,
        grok_cli,
    )
    hint = model_roles.provider_hint(dict(zip(model_roles.HINT_PROVIDERS, flags, strict=True)), provider)
    changed: list[str] = []
    for role, model_id in (("main", setMain), ("research", setResearch), ("fallback", setFallback)):
        if model_id is not None:
            project.store.require_initialized()
            changed.append(model_roles.set_role(project.paths, role, model_id, hint, baseURL))  # type: ignore[arg-type]
    if setRole is not None:
        name, _, model_id = setRole.partition("=")
        if not name.strip() or not model_id.strip():
            raise InvalidInput(f"setRole '{setRole}' needs NAME=MODEL, e.g. fast=claude-haiku-4-5-20251001.")
        project.store.require_initialized()
        changed.append(model_roles.set_role(project.paths, name.strip(), model_id.strip(), hint, baseURL))
    optimization = None
    if optimize is not None:
        optimization = _optimize(project, env, optimize, apply)
        changed += [f"{c.role} is now {c.after} ({c.reason})." for c in optimization.changes if optimization.applied]
    result = model_roles.ModelsResult(
        roles=model_roles.show_roles(project.paths, env), changed=changed or None, optimization=optimization
    )
    if listAvailableModels:
        if hint in ENDPOINT_LISTED:
            router = state_of(ctx).router_for(project)
            result.endpointModels = await router.list_endpoint_models(hint, baseURL)
        else:
            result.available = model_roles.catalogue_rows(hint, None)
    if test:
        result.tests = await state_of(ctx).router_for(project).test_roles(sampler_for(ctx))
    if any(view.key.startswith("MISSING") for view in result.roles):
        result.note = "A role cannot sign in (MISSING): AI tools fall back to the other roles, or fail if none can."
    return result


def _optimize(
    project: Project, env: Mapping[str, str], preset: Literal["speed", "quality", "cost"], apply: bool
) -> Optimization:
    from taskmaster_mcp.models import roles as model_roles
    from taskmaster_mcp.models.ledger import Ledger
    from taskmaster_mcp.models.optimize import propose

    by_model = Ledger(project.paths.root, env=env).report().by_model
    proposal, chosen = propose(project.config(), project.paths, env, preset, by_model)
    if apply and proposal.changes:
        project.store.require_initialized()
        for role, pick in chosen.items():
            model_roles.set_role(project.paths, role, pick.info.id, pick.info.provider, None)
        proposal.applied = True
    return proposal


async def usage_report(
    ctx: Context[Any, Any],
    period: Annotated[str | None, Field(description="last-week, last-month or YYYY-MM")] = None,
    since: Annotated[str | None, Field(description="YYYY-MM-DD")] = None,
    until: Annotated[str | None, Field(description="YYYY-MM-DD, inclusive")] = None,
    projectRoot: ProjectRoot = None,
) -> UsageResult:
    """AI calls, tokens, cost and shares, latency, errors, fallbacks by role/model/command/day; budgets."""
    from taskmaster_mcp.models.ledger import Ledger
    from taskmaster_mcp.models.roles import UsageResult
    from taskmaster_mcp.models.spend import add_shares, period_bounds, statuses
    from taskmaster_mcp.store.settings import cost_controls, settings_from_config

    project = await open_project(ctx, projectRoot)
    start, end = period_bounds(period, since, until)
    ledger = Ledger(project.paths.root, env=state_of(ctx).env)
    report = add_shares(ledger.report(start, end))
    config = project.config()
    budgets = statuses(ledger.entries(), settings_from_config(config).budgets, cost_controls(config))
    note = None if report.total.calls else "No AI calls recorded for this project in this period."
    return UsageResult(report=report, note=note, since=start, until=end, budgets=budgets or None)
