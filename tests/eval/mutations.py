"""The mutation suite of the prompt-level eval: named changes to the prompt builders, monkeypatched as a worse prompt
would be written; each must make at least one check of :mod:`prompt_eval` fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prompt_eval import Outcome, run_checks
from prompt_runs import COUNT

from taskmaster_mcp.ai.prompts import blocks, edit, expand, plan, research, review
from taskmaster_mcp.ai.prompts.blocks import Template


def _strip_count(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not COUNT.match(line.strip())).rstrip()


def _block_last(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}[^>]*>\n.*?\n</{tag}>", text, flags=re.DOTALL)
    if match is None:
        return text
    return (text[: match.start()] + text[match.end() :]).rstrip() + "\n\n" + match.group(0)


def drop_scope(mp: pytest.MonkeyPatch) -> None:
    for module in (plan, expand, edit):
        mp.setattr(module, "scope_block", lambda _scope: "")  # pyright: ignore[reportUnknownLambdaType]


def drop_count(mp: pytest.MonkeyPatch) -> None:
    parse, expansion = plan.parse_prd_prompt, expand.expand_prompt
    mp.setattr(plan, "parse_prd_prompt", lambda **k: _strip_count(parse(**k)))  # pyright: ignore
    mp.setattr(expand, "expand_prompt", lambda **k: _strip_count(expansion(**k)))  # pyright: ignore


def drop_neighbours(mp: pytest.MonkeyPatch) -> None:
    for module in (expand, edit):
        mp.setattr(module, "neighbour_block", lambda _b, _u: "")  # pyright: ignore[reportUnknownLambdaType]


def drop_framing(mp: pytest.MonkeyPatch) -> None:
    for module in (plan, expand, edit, review, research):
        for name, value in list(vars(module).items()):
            if isinstance(value, Template):
                mp.setattr(module, name, replace(value, system=value.system.replace(blocks.DATA_RULE, "")))


def document_last(mp: pytest.MonkeyPatch) -> None:
    documents, instructions = plan.parse_prd_documents, plan.parse_prd_prompt
    held: list[str] = []

    def docs(prd: str, **k: Any) -> str:
        text = documents(prd, **k)
        held[:] = [re.search(r"<prd>\n.*\n</prd>", text, flags=re.DOTALL).group(0)]  # type: ignore[union-attr]
        return text.replace(held[0], "")

    mp.setattr(plan, "parse_prd_documents", docs)
    mp.setattr(plan, "parse_prd_prompt", lambda **k: instructions(**k) + "\n\n" + held[0])  # pyright: ignore
    expansion, reviewing = expand.expand_prompt, review.review_prompt
    mp.setattr(expand, "expand_prompt", lambda **k: _block_last(expansion(**k), "task"))  # pyright: ignore
    mp.setattr(review, "review_prompt", lambda *a, **k: _block_last(reviewing(*a, **k), "diff"))  # pyright: ignore
    updating, adding = edit.update_task_prompt, plan.add_task_prompt
    mp.setattr(edit, "update_task_prompt", lambda *a, **k: _block_last(updating(*a, **k), "request"))  # pyright: ignore
    mp.setattr(plan, "add_task_prompt", lambda *a, **k: _block_last(adding(*a, **k), "request"))  # pyright: ignore


def unescape(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(blocks, "escape", lambda _name, text: text)  # pyright: ignore[reportUnknownLambdaType]


MUTATIONS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "drop scope": drop_scope,
    "drop the count": drop_count,
    "drop neighbours": drop_neighbours,
    "drop the framing": drop_framing,
    "document last": document_last,
    "unescape delimiters": unescape,
}


@contextmanager
def mutated(name: str) -> Iterator[None]:
    """The prompt builders with mutation ``name`` applied, restored afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        MUTATIONS[name](mp)
        yield


async def mutation_suite(tmp: Path) -> dict[str, list[Outcome]]:
    """For each mutation, the checks that failed with it applied (empty: it survived)."""
    caught: dict[str, list[Outcome]] = {}
    for number, name in enumerate(MUTATIONS):
        with mutated(name):
            outcomes, _ = await run_checks(tmp / f"mutation-{number}")
        caught[name] = [o for o in outcomes if not o.ok]
    return caught


def mutation_table(caught: dict[str, list[Outcome]]) -> str:
    """Each mutation, whether the checks caught it, and which checks failed."""
    lines = ["mutation".ljust(22) + "result    caught by"]
    for name, failed in caught.items():
        by = sorted({f"{o.check}@{o.case}" for o in failed})
        shown = ", ".join(by[:4]) + (f" (+{len(by) - 4})" if len(by) > 4 else "")
        lines.append(name.ljust(22) + ("caught    " if failed else "SURVIVED  ") + shown)
    return "\n".join(lines)
