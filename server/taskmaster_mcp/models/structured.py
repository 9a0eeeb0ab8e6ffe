"""Structured output: how a request asks for a JSON object, and how the answer is checked and re-asked once.

A model the catalogue marks ``supports_structured_output`` gets the schema natively (Anthropic ``output_config``,
OpenAI ``response_format``), built with the SDK's own helper; every other model (and sampling, and the CLI agents)
is asked for a bare JSON object matching the schema at the end of the system prompt: the schema is the same for
every call of a command, so it belongs to the stable prefix that providers cache (``prompt_cache.py``), not after the
per-call part of the user prompt. Either way the answer is validated with
pydantic; a failure is re-asked once on the same model with the validation errors (:func:`correction`).

The answer is read as real models write it (``answers.py``: reasoning blocks, prose, fences, the first JSON value
that validates) and its benign deviations are mended and noted (``normalise.py``), so only real errors cost a
re-ask. Local servers (ollama, lmstudio) that the catalogue marks native get the schema both ways: a server older
than the feature (Ollama before 0.5) ignores ``response_format``, and the prompt still says what to answer.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from taskmaster_mcp.models.answers import Answer, Invalid, first_json, read_answer
from taskmaster_mcp.models.catalogue import ModelInfo
from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.registry import provider_wire
from taskmaster_mcp.models.wires.schema import native_schema

__all__ = ["Answer", "Invalid", "SchemaCache", "correction", "extract_json", "parse", "read_answer"]

NATIVE_WIRES = frozenset({"anthropic", "openai"})
SCHEMA_IN_PROMPT_TOO = frozenset({"ollama", "lmstudio"})  # native only from some server version on


def extract_json(text: str) -> str:
    """The first JSON object in a model's answer (reasoning, prose and fences skipped; see ``answers.py``)."""
    return first_json(text)


def validation_summary(err: ValidationError) -> str:
    """The validation errors as short lines (path: message), at most 20."""
    lines = [f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()[:20]]
    return "\n".join(lines)


class SchemaCache:
    """Native schemas per (wire, model class): building one imports the SDK and walks the model, so once each."""

    def __init__(self) -> None:
        self._schemas: dict[tuple[str, type[BaseModel]], dict[str, Any]] = {}

    @staticmethod
    def native(provider: str, info: ModelInfo | None) -> bool:
        """True when the model is asked for structured output natively (no SDK import needed to tell)."""
        return info is not None and info.supports_structured_output and provider_wire(provider) in NATIVE_WIRES

    def ask(self, request: Request, provider: str, info: ModelInfo | None, schema: type[BaseModel]) -> Request:
        """``request`` asking for an object of ``schema``: natively when the model supports it, else in the prompt."""
        wire = provider_wire(provider)
        if self.native(provider, info):
            if (wire, schema) not in self._schemas:
                self._schemas[(wire, schema)] = native_schema(wire, schema)
            request = replace(request, json_schema=self._schemas[(wire, schema)], schema_name=schema.__name__)
            if provider not in SCHEMA_IN_PROMPT_TOO:
                return request
        shape = json.dumps(schema.model_json_schema(), separators=(",", ":"))
        return replace(
            request,
            system=f"{request.system}\n\nRespond with only a JSON object (no prose, no code "
            f"fences) that matches this JSON Schema:\n{shape}",
        )


def parse(schema: type[BaseModel], text: str) -> Any:
    """The answer validated against ``schema`` (mended, notes dropped); raise :class:`Invalid` when none fits."""
    return read_answer(schema, text).value


def correction(first: Invalid) -> str:
    """The follow-up message of the one re-ask."""
    return (
        f"That answer is not valid against the schema:\n{validation_summary(first.error)}\n"
        "Reply again with only the corrected JSON object."
    )
