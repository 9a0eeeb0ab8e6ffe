"""A structured answer found in what a model wrote, as real models write it (:func:`read_answer`).

Models asked for "only a JSON object" often write more: a ``<think>`` block first (qwen3 and deepseek-r1 on Ollama,
Task Master #818), a fenced block (claude-code #1174, Gemini #750), a sentence before it (#1223) or after it, and
any of these with braces of their own. So the answer is not "first ``{`` to last ``}``" but the first JSON value
that validates:

1. Reasoning is skipped: ``<think>...</think>`` (also ``<thinking>``, ``<reasoning>``) blocks, and everything up to
   a closing ``</think>`` whose opening tag the server's chat template already removed.
2. Every ``{`` is a candidate start, in order. Each is read with a string-aware balanced scan: ``json``'s own
   decoder (a value and where it ends), and when that fails, a brace match that skips strings, retried without
   trailing commas (``[1, 2,]``) and ``//`` or ``/* */`` comments. Braces in prose or inside strings therefore
   never cut an answer short.
3. Each candidate is mended against the schema (``normalise.py``: enum case, numbers and ids as strings, ``null``
   for optional text, extra keys, advisory bounds) and validated with pydantic; the first that validates is the
   answer, with the mends as notes. A value nested in a wrapper (``{"result": {...}}``) is a later candidate of its
   own. A bare list where the schema wants an object with one list (``[...]`` for ``{"tasks": [...]}``) is wrapped.
4. When none validates, :class:`Invalid` carries the errors of the closest candidate (fewest errors, then longest),
   which the router sends back in its one re-ask. Real errors (a missing title, a priority outside the enum, a
   truncated answer, no JSON at all) end here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from taskmaster_mcp.models.normalise import Json, Mender

T = TypeVar("T", bound=BaseModel)

MAX_CANDIDATES = 64  # parsed JSON values tried per answer
SCAN_BUDGET = 400_000  # tokens the lenient brace scan may visit per answer (a truncated answer must stay cheap)

_THINK = re.compile(r"<(think|thinking|reasoning)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_CLOSE = re.compile(r"</(?:think|thinking|reasoning)\s*>", re.IGNORECASE)
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_TOKENS = re.compile(_STRING + r"|[{}\[\]]")
_LENIENT = re.compile(f"({_STRING})" + r"|,(\s*[}\]])|//[^\n]*|/\*.*?\*/", re.DOTALL)  # strings kept


class Invalid(Exception):
    """An answer that failed schema validation (internal: triggers the one re-ask)."""

    def __init__(self, text: str, error: ValidationError) -> None:
        super().__init__(str(error))
        self.text = text
        self.error = error


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A validated answer and what was mended to make it fit (empty when it fitted as written)."""

    value: T
    notes: tuple[str, ...] = ()


def visible(text: str) -> str:
    """``text`` without the model's reasoning blocks."""
    text = _THINK.sub(" ", text)
    closes = list(_CLOSE.finditer(text))
    return text[closes[-1].end() :] if closes else text


def _balanced(text: str, start: int, budget: list[int]) -> int | None:
    """Where the value opened at ``start`` closes, matching brackets outside strings; None if it never does."""
    depth = 0
    for token in _TOKENS.finditer(text, start):
        budget[0] -= 1
        if budget[0] < 0:
            return None
        mark = token.group()
        if mark in "{[":
            depth += 1
        elif mark in "}]":
            depth -= 1
            if depth == 0:
                return token.end()
    return None


def candidates(text: str, opener: str = "{") -> Iterator[tuple[int, int, Any]]:
    """Every JSON value in ``text`` that starts with ``opener``, in order: (start, end, value)."""
    decoder = json.JSONDecoder(strict=False)  # raw newlines inside strings: a habit, not an error
    budget = [SCAN_BUDGET]
    found = 0
    start = text.find(opener)
    while start >= 0 and found < MAX_CANDIDATES:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            end = _balanced(text, start, budget)
            value = None
            if end is not None:
                try:
                    value = json.loads(
                        _LENIENT.sub(lambda m: m.group(1) or m.group(2) or "", text[start:end]), strict=False
                    )
                except ValueError:
                    end = None
        if end is not None:
            found += 1
            yield start, end, value
        start = text.find(opener, start + 1)


@cache
def _shape(schema: type[BaseModel]) -> Json:
    return schema.model_json_schema()


def _list_property(shape: Json) -> str | None:
    """The one required list property of an object schema (``tasks``, ``subtasks``), if it has exactly one."""
    properties = cast(dict[str, Json], shape.get("properties") or {})
    lists = [n for n in cast(list[str], shape.get("required") or []) if properties.get(n, {}).get("type") == "array"]
    return lists[0] if len(lists) == 1 and len(shape.get("required") or []) == 1 else None


def _attempts(body: str, shape: Json) -> Iterator[tuple[int, Any, list[str]]]:
    """(span length, value, notes so far) for each candidate: objects first, then bare lists to wrap."""
    for start, end, value in candidates(body, "{"):
        yield end - start, value, []
    wrap = _list_property(shape)
    if wrap is None:
        return
    covered = -1
    for start, end, value in candidates(body, "["):
        if start < covered:
            continue  # a list inside a list already tried
        covered = end
        yield end - start, {wrap: value}, [f"{wrap}: a bare list read as the value of {wrap}"]


def read_answer(schema: type[T], text: str) -> Answer[T]:
    """The first JSON value in ``text`` that fits ``schema`` once mended; raise :class:`Invalid` if none does."""
    shape = _shape(schema)
    body = visible(text)
    best: tuple[tuple[int, int], ValidationError] | None = None
    for size, value, notes in _attempts(body, shape):
        mender = Mender(shape)
        mended = mender.mend(value)
        try:
            return Answer(schema.model_validate(mended), tuple(notes + mender.notes))
        except ValidationError as error:
            rank = (error.error_count(), -size)
            if best is None or rank < best[0]:
                best = (rank, error)
    if best is not None:
        raise Invalid(text, best[1])
    try:  # no JSON value at all: pydantic's own message says so
        return Answer(schema.model_validate_json(body.strip()))
    except ValidationError as error:
        raise Invalid(text, error) from None


def first_json(text: str) -> str:
    """The text of the first JSON object in ``text`` (reasoning skipped), or ``text`` stripped when there is none."""
    body = visible(text)
    for start, end, _ in candidates(body):
        return body[start:end]
    return body.strip()
