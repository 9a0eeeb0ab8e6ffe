"""Prompts for ``research``: a free-text answer from the research role, grounded in the context the caller chose."""

from __future__ import annotations

from typing import Literal

from taskmaster_mcp.ai.prompts.blocks import DATA_RULE, Template, framed, task_context

DetailLevel = Literal["low", "medium", "high"]

_DETAIL: dict[str, str] = {
    "low": "Be brief: the direct answer and the one or two facts that matter most, in about 150 words.",
    "medium": "Give a focused answer of about 300 to 600 words: the recommendation, the reasons, the main "
    "alternatives and the pitfalls.",
    "high": "Give a thorough answer (up to about 1,500 words): options compared, trade-offs, versions, concrete "
    "code-level guidance, risks and how to test the result.",
}

_SYSTEM = f"""\
You are a research analyst supporting a software team. Answer the question with current, specific and checkable
information: name libraries, versions, APIs, standards and dates where they matter, and say when something is
uncertain or has changed recently. When project context is given (tasks, files, a directory tree, notes), tie the
answer to it: say which task or file each recommendation affects and what to change. Use Markdown headings and
bullet points. Do not invent files or APIs that the context does not show.

{DATA_RULE}"""


def research_system(detail: DetailLevel) -> str:
    """The system prompt for a detail level."""
    return f"{_SYSTEM}\n\n{_DETAIL[detail]}"


def research_prompt(query: str, sections: list[tuple[str, str]]) -> str:
    """The user prompt: each context section in its own tag, then the question."""
    parts = [framed("context", body, f' kind="{kind}"') for kind, body in sections if body.strip()]
    intro = "Project context:\n\n" + "\n\n".join(parts) + "\n\n" if parts else ""
    return f"{intro}Question:\n{query.strip()}"


RESEARCH = Template("research", 2, _SYSTEM, (research_system, *_DETAIL.values(), research_prompt, task_context))
