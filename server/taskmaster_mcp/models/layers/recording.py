"""The recording layer: with ``TASKMASTER_MCP_RECORD`` set, each answered request and its validated answer is
saved for offline replay (``models/recording.py``), an answer from the response cache included."""

from __future__ import annotations

from pydantic import BaseModel

from taskmaster_mcp.models.layers.base import Turn, Wrapper
from taskmaster_mcp.models.providers import ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.recording import Recorder, Recording
from taskmaster_mcp.models.usage import CallState


class Recorded(Wrapper):
    """Each answer saved with the request that got it."""

    def __init__(self, inner: Provider, recorder: Recorder, run: CallState, turn: Turn) -> None:
        super().__init__(inner)
        self.recorder, self.run, self.turn = recorder, run, turn

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        completion = await self.inner.complete(request, on_chunk)
        value = completion.value
        self.recorder.save(
            Recording(
                self.run.prompt_version,
                self.run.command,
                self.turn.role,
                self.turn.config.provider,
                self.turn.config.model_id,
                "" if request.output is None else request.output.__name__,
                request.system,
                request.prompt,
                value.model_dump(mode="json") if isinstance(value, BaseModel) else value,
            )
        )
        return completion
