"""The validation layers: structured output asked for, parsed, and re-asked once when the answer is wrong.

:class:`Validated` (outside the retries) turns ``Request.output`` into the ask the model supports (a native JSON
schema where the catalogue says so, else the schema in the prompt: ``structured.SchemaCache``) and, when the answer
does not validate, asks the same model once more with the errors; a second invalid answer is
:class:`InvalidModelOutput` (that role's failure). :class:`Parsed` (inside metering, so an invalid answer is billed
and logged as ``invalid_output``) validates each answer with ``structured.read_answer``: the one seam where answer
extraction and normalisation plug in. A text request (no ``output``) is passed through with its text as value.
"""

from __future__ import annotations

from dataclasses import replace

from taskmaster_mcp.errors import InvalidModelOutput
from taskmaster_mcp.models.catalogue import ModelInfo
from taskmaster_mcp.models.layers.base import Wrapper
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.structured import Invalid, SchemaCache, correction, read_answer, validation_summary


class InvalidAnswer(Invalid):
    """An answer that failed validation, with the completion it came in (its tokens were billed)."""

    def __init__(self, first: Invalid, completion: Completion) -> None:
        super().__init__(first.text, first.error)
        self.completion = completion


class Parsed(Wrapper):
    """Each answer validated against ``request.output`` (the value goes in ``Completion.value``)."""

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        completion = await self.inner.complete(request, on_chunk)
        if request.output is None:
            return replace(completion, value=completion.text)
        try:  # the answer reader (models/answers.py) mends benign habits and says what it mended
            answer = read_answer(request.output, completion.text)
            return replace(completion, value=answer.value, notes=answer.notes)
        except Invalid as first:
            raise InvalidAnswer(first, completion) from None


class Validated(Wrapper):
    """Ask for ``request.output`` the way the model supports, and re-ask once on an invalid answer."""

    def __init__(self, inner: Provider, schemas: SchemaCache, info: ModelInfo | None) -> None:
        super().__init__(inner)
        self.schemas, self.info = schemas, info

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        if request.output is None:
            return await self.inner.complete(request, on_chunk)
        asked = self.schemas.ask(request, self.provider, self.info, request.output)
        try:
            return await self.inner.complete(asked, on_chunk)
        except Invalid as first:
            try:
                return await self.inner.complete(replace(asked, followup=(first.text, correction(first))), on_chunk)
            except Invalid as second:
                raise InvalidModelOutput(f"invalid output twice: {validation_summary(second.error)[:400]}") from None
