"""Counts hold: one ask for a list of ``wanted`` items, re-asked once when the answer is off.

The exact count is already in the schema the caller passes (``minItems``/``maxItems``: native wires enforce it; on
the others the schema is in the prompt). Validation accepts any count, so an answer more than 20% off
(:func:`taskmaster_mcp.ai.quality.count_within`) is asked again once: the same stable prefix, byte for byte (the
provider's prompt cache serves it), then the same instructions with the previous answer's items shown and what to
merge or split (:func:`taskmaster_mcp.ai.prompts.plan.recount_prompt`). The answer closer to the count is kept,
and a note says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from taskmaster_mcp.ai.context import AIContext, ask
from taskmaster_mcp.ai.prompts.blocks import Template
from taskmaster_mcp.ai.prompts.plan import recount_prompt
from taskmaster_mcp.ai.quality import count_within
from taskmaster_mcp.models.router import Usage
from taskmaster_mcp.models.routing.rules import TaskFacts

M = TypeVar("M", bound=BaseModel)


async def ask_counted(
    ai: AIContext,
    template: Template,
    prompt: str,
    schema: type[M],
    *,
    items: Callable[[M], list[str]],
    wanted: int,
    what: str,
    where: str,
    command: str,
    usages: list[Usage],
    notes: list[str],
    prefix: str = "",
    task: TaskFacts | None = None,
) -> tuple[M, Usage]:
    """Ask for ``schema``; when ``wanted`` > 0 and the answer's ``items`` (``id title`` lines) miss it, ask once
    more and keep the closer answer (noted in ``notes``, prefixed by ``where``). Returns the kept answer and the
    usage of the call that made it."""
    answer, usage = await ask(ai, template, prompt, schema, command=command, prefix=prefix, task=task)
    usages.append(usage)
    shown = items(answer)
    if wanted <= 0 or count_within(len(shown), wanted):
        return answer, usage
    await ai.progress(0, None, f"{len(shown)} {what}, not {wanted}; asking again")
    again, second = await ask(
        ai, template, recount_prompt(prompt, shown, wanted, what), schema, command=command, prefix=prefix, task=task
    )
    usages.append(second)
    got = len(items(again))
    closer = abs(got - wanted) <= abs(len(shown) - wanted)
    notes.append(
        f"{where}{len(shown)} {what} where {wanted} were asked for; asked again once and got {got} (kept the "
        f"{'second' if closer else 'first'} answer)."
    )
    return (again, second) if closer else (answer, usage)
