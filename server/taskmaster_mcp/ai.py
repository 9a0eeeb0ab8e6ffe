"""Shared pieces of the AI commands: the usage block, the research step, and fitting text to a model's budget.

The AI commands themselves live in ``ai_*.py`` modules. Each follows the same shape: read what it needs from the
store, build a prompt from :mod:`taskmaster_mcp.prompts`, ask the router for a validated object, then change the
store in one atomic mutation. Nothing is written before the model's answer has been validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from . import catalogue
from .config import Role
from .llm import ModelRouter, ProgressFn, Sampler, Usage
from .prompts import VERSION
from .router_settings import input_budget_tokens
from .workspace import Project

CHARS_PER_TOKEN = 4
DEFAULT_CONTEXT_TOKENS = 128_000


@dataclass
class AIContext:
    """Everything an AI command needs, as plain values and callables (built by :mod:`taskmaster_mcp.aicontext`)."""

    project: Project
    router: ModelRouter
    sampler: Sampler | None
    progress: ProgressFn


class UsageSummary(BaseModel):
    """The ``usage`` block of every AI tool result: which models answered and what it cost."""

    calls: int
    models: list[str]
    inputTokens: int
    outputTokens: int
    cachedTokens: int
    costUsd: float | None
    latencyMs: float
    fallbacks: list[str] | None = None
    promptVersion: str = VERSION


def summarize(usages: Iterable[Usage]) -> UsageSummary:
    """Merge the Usage of every router call of one tool call (cost is None if any part's price is unknown)."""
    items = list(usages)
    cost: float | None = 0.0
    for usage in items:
        cost = None if cost is None or usage.cost_usd is None else cost + usage.cost_usd
    fallbacks = [note for usage in items for note in usage.fallbacks]
    return UsageSummary(
        calls=len(items),
        models=list(dict.fromkeys(f"{u.role} {u.provider}/{u.model}" for u in items)),
        inputTokens=sum(u.input_tokens for u in items),
        outputTokens=sum(u.output_tokens for u in items),
        cachedTokens=sum(u.cached_tokens for u in items),
        costUsd=None if cost is None else round(cost, 6),
        latencyMs=round(sum(u.latency_ms for u in items), 1),
        fallbacks=fallbacks or None,
    )


RESEARCH_SYSTEM = ("You are a research assistant with access to current information. Answer with concise, factual "
                   "bullet points. Name versions and dates where they matter. No preamble.")


async def research_step(ai: AIContext, command: str, question: str) -> tuple[str, Usage]:
    """Ask the research role for plain-text findings that a main-role call will use.

    Research models (Perplexity and the like) are good at fresh facts and poor at structured output, so they are
    asked for text only; the main role turns it into validated structure.
    """
    return await ai.router.generate_text(command=f"{command}:research", role="research", system=RESEARCH_SYSTEM,
                                         prompt=question, progress=ai.progress, sampler=ai.sampler)


def input_budget_chars(ai: AIContext, role: Role, reserve_tokens: int = 6_000) -> int:
    """Characters of input the role's model can take, leaving room for instructions and the answer.

    ``taskmasterMcp.inputBudgetTokens`` in config.json caps it (useful for small local models); otherwise it comes
    from the catalogue's context window and the role's output budget.
    """
    config = ai.project.config()
    cap = input_budget_tokens(config)
    if cap is not None:
        return cap * CHARS_PER_TOKEN
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
    return [section[i:i + budget] for i in range(0, len(section), budget)]


def task_line(task: dict[str, Any]) -> str:
    """``7: Title [status]`` for listing existing tasks in a prompt."""
    return f"{task.get('id')}: {task.get('title', '')} [{task.get('status', 'pending')}]"


def renumber(model_ids: list[int], model_deps: list[list[int]], start: int,
             known: frozenset[int] = frozenset()) -> tuple[list[int], list[list[int]], int]:
    """Assign our ids to items the model numbered itself, and keep only dependencies on real, earlier items.

    Item ``n`` (in answer order) gets id ``start + n``. A dependency naming one of the model's own ids follows it
    to our id; one naming an id in ``known`` (existing items) is kept as is; anything else, anything not earlier
    than the item itself, and repeats are dropped. Returns (our ids, dependencies per item, how many were dropped).
    """
    mapping: dict[int, int] = {}
    for offset, model_id in enumerate(model_ids):
        mapping.setdefault(model_id, start + offset)
    ids = [start + offset for offset in range(len(model_ids))]
    kept: list[list[int]] = []
    dropped = 0
    for new_id, wanted in zip(ids, model_deps, strict=True):
        deps: list[int] = []
        for dep in wanted:
            target = mapping.get(dep, dep if dep in known else None)
            if target is None or target >= new_id or target in deps:
                dropped += 1
                continue
            deps.append(target)
        kept.append(deps)
    return ids, kept, dropped
