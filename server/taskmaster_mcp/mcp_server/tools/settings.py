"""Project settings tools with Task Master's names: ``rules`` (add or remove editors' rule profiles) and
``response-language`` (the language AI answers are written in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.mcp_server.calls import open_project, project_folder, state_of
from taskmaster_mcp.mcp_server.tools.params import ProjectRoot
from taskmaster_mcp.setup.editors import RULE_PROFILES

if TYPE_CHECKING:  # registration evaluates the annotation; a call in process needs no SDK
    from mcp.server.mcpserver import Context

# Published with Task Master's 14 names; checked by our code (which also takes claude-code and claude-desktop), so a
# wrong name gets our message listing the valid ones.
ProfileList = Annotated[list[str], Field(json_schema_extra={"items": {"type": "string", "enum": list(RULE_PROFILES)}})]
MAX_LANGUAGE = 40


class RulesReport(BaseModel):
    """Per profile: the MCP config and rules file touched, and what changed."""

    action: str
    profiles: list[dict[str, Any]]


class LanguageReport(BaseModel):
    """config.json ``global.responseLanguage``."""

    responseLanguage: str
    changed: bool


async def rules(
    ctx: Context[Any, Any],
    action: Literal["add", "remove"],
    profiles: ProfileList,
    force: Annotated[bool, Field(description="Remove even the last profile")] = False,
    projectRoot: ProjectRoot = None,
) -> RulesReport:
    """Add/remove editor rule profiles (agent rules file + MCP config entry)."""
    from taskmaster_mcp.setup.skeleton import remove_editors, setup_editors

    if not profiles:
        raise InvalidInput(f"profiles is empty. Name at least one of: {', '.join(RULE_PROFILES)}.")
    root = await project_folder(ctx, projectRoot, creating=True)  # rules need no .taskmaster/
    env = state_of(ctx).env
    if action == "add":
        done = setup_editors(root, profiles, env=env, strict=True)
    else:
        done = remove_editors(root, profiles, env=env, force=force)
    return RulesReport(action=action, profiles=done)


async def response_language(
    ctx: Context[Any, Any],
    language: Annotated[str | None, Field(description="Omit to read")] = None,
    projectRoot: ProjectRoot = None,
) -> LanguageReport:
    """Get or set the language AI tools answer in."""
    from taskmaster_mcp.store.config import update_config

    project = await open_project(ctx, projectRoot)
    current = str(project.config().global_settings.get("responseLanguage") or "English")
    if language is None:
        return LanguageReport(responseLanguage=current, changed=False)
    wanted = language.strip()
    # The value goes into every AI system prompt: a language name, not instructions.
    if not wanted or len(wanted) > MAX_LANGUAGE or not wanted.isprintable():
        raise InvalidInput(
            f"language must be a language name of 1-{MAX_LANGUAGE} characters on one line, e.g. "
            "English, 中文 or español."
        )
    project.store.require_initialized()
    if not project.paths.config_file.is_file() and not project.paths.legacy_config_file.is_file():
        raise InvalidInput(f"No .taskmaster/config.json in {project.paths.root}. Call initialize_project first.")
    if wanted == current:
        return LanguageReport(responseLanguage=wanted, changed=False)

    def change(document: dict[str, Any]) -> None:
        found: object = document.setdefault("global", {})
        if not isinstance(found, dict):
            raise InvalidInput("config.json 'global' is not an object; fix it by hand, then set the language again.")
        found["responseLanguage"] = wanted

    update_config(project.paths, change)
    return LanguageReport(responseLanguage=wanted, changed=True)
