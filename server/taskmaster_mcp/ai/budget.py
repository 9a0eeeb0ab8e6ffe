"""Fitting text to a model: how much input a role's model can take, and cutting long text at natural breaks."""

from __future__ import annotations

import re

from taskmaster_mcp.ai.context import AIContext
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, policy_of
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import input_budget_tokens, settings_from_config

CHARS_PER_TOKEN = 4
DEFAULT_CONTEXT_TOKENS = 128_000


def input_budget_chars(
    ai: AIContext, role: str, reserve_tokens: int = 6_000, *, command: str | None = None, task: TaskFacts | None = None
) -> int:
    """Characters of input the role's model can take, leaving room for instructions and the answer.

    ``taskmasterMcp.inputBudgetTokens`` in config.json caps it (useful for small local models); otherwise it comes
    from the catalogue's context window and the role's output budget. With ``command`` (and ``task``), the role the
    routing policy starts that call on counts too and the smaller budget wins: a rule or a pin may send the call to
    a role with a smaller context window than the command's default role (see :func:`budget_chars`).
    """
    return budget_chars(ai.project.config(), role, reserve_tokens, command=command, task=task)


def budget_chars(
    config: Config, role: str, reserve_tokens: int = 6_000, *, command: str | None = None, task: TaskFacts | None = None
) -> int:
    """:func:`input_budget_chars` for ``config``: the smaller budget of ``role`` and the role ``command`` is routed to.

    Decision: size for the routed role as well as the default, not for the routed role alone, because the fallback
    chain of the routed role may still reach the default's model, and never for every role of the chain (a small
    fallback model would shrink every prompt). An escalation goes to a stronger role, assumed no smaller.
    """
    cap = input_budget_tokens(config)
    if cap is not None:
        return cap * CHARS_PER_TOKEN
    roles = [role]
    if command is not None:
        roles.append(
            choose(policy_of(config, settings_from_config(config)), command, role, task, config.role_names()).role
        )
    return min(_role_chars(config, name, reserve_tokens) for name in dict.fromkeys(roles))


def _role_chars(config: Config, role: str, reserve_tokens: int) -> int:
    rc = config.role(role)
    window = DEFAULT_CONTEXT_TOKENS
    if rc is not None:
        info = catalogue.lookup(rc.provider, rc.model_id)
        if info is not None and info.context_window:
            window = info.context_window
        output = rc.max_tokens or 8_192
        if info is not None and info.max_output_tokens:
            output = min(output, info.max_output_tokens)
    else:
        output = 8_192
    return max(4_000, (window - min(output, window // 2) - reserve_tokens) * CHARS_PER_TOKEN)


_HEADING = re.compile(r"^(#{1,3} .*|[A-Z][A-Za-z0-9 ,&/()-]{2,60}:?)\s*$", re.MULTILINE)


def split_sections(text: str, budget: int) -> list[str]:
    """Split text into parts of at most ``budget`` characters, cutting at headings, then paragraphs, then lines."""
    if len(text) <= budget:
        return [text]
    starts = sorted({0, *(m.start() for m in _HEADING.finditer(text))})
    sections = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True) if text[a:b].strip()]
    pieces: list[str] = []
    for section in sections:
        pieces.extend(_hard_split(section, budget))
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > budget:
            parts.append(current)
            current = ""
        current += piece
    if current.strip():
        parts.append(current)
    return parts


def _hard_split(section: str, budget: int) -> list[str]:
    if len(section) <= budget:
        return [section]
    for separator in ("\n\n", "\n"):
        chunks = section.split(separator)
        if all(len(c) <= budget for c in chunks):
            return [c + separator for c in chunks]
    return [section[i : i + budget] for i in range(0, len(section), budget)]
