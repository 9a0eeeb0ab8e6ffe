"""The fallback chain: a Provider over the role stacks of one call (pydantic-ai's ``FallbackModel``).

The roles are tried in order until one answers. A role is skipped, with the reason in the result, when it is the
same model as a role tried above, when its circuit is open (``policy.CircuitBreaker``), or when the call's deadline
has passed (not the model's fault: no circuit failure). A broken role (ConfigError), a missing key, a provider
error after the role's retries, and invalid output after the re-ask move on to the next role at once. With an
escalation open (``escalation.Climb``), invalid output on the first role makes the stronger role the next one
tried. Every role given up is a note in ``fallbacks``; the answer says which role gave it (:attr:`answered`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from taskmaster_mcp.errors import (
    AllProvidersFailed,
    BudgetExceeded,
    ConfigError,
    InvalidModelOutput,
    ProviderError,
    TaskmasterError,
)
from taskmaster_mcp.models.layers.base import Turn
from taskmaster_mcp.models.layers.stack import Parts, for_role
from taskmaster_mcp.models.providers import ChunkFn, Completion, Request, Sampler
from taskmaster_mcp.models.routing.escalation import Climb, escalate_next
from taskmaster_mcp.models.usage import CallState, Usage
from taskmaster_mcp.store.config import Config


def tag(err: TaskmasterError, provider: str, model: str) -> TaskmasterError:
    """``err`` naming provider and model (AllProvidersFailed names them for each failure)."""
    if not isinstance(err, ProviderError) and err.origin is None:
        err.origin = (provider, model)
    return err


@dataclass
class Answered:
    """The role that answered, and the notes of the roles given up before it."""

    turn: Turn
    notes: list[str]
    escalated: str | None


class FallbackChain:
    """The roles of ``roles`` as one Provider; ``escalation`` marks every role of it as an escalation."""

    streams = True

    def __init__(
        self,
        parts: Parts,
        run: CallState,
        config: Config,
        roles: tuple[str, ...],
        sampler: Sampler | None,
        climb: Climb | None = None,
        escalation: str = "",
    ) -> None:
        self.parts, self.run, self.config, self.roles = parts, run, config, roles
        self.sampler, self.climb, self.escalation = sampler, climb, escalation
        self.answered: Answered | None = None

    @property
    def provider(self) -> str:
        return "chain"

    @property
    def model(self) -> str:
        return " > ".join(self.roles)

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        run, climb, parts = self.run, self.climb, self.parts
        failures: list[tuple[str, TaskmasterError]] = []
        notes: list[str] = []
        tried: dict[tuple[str, str, str | None], str] = {}  # provider, model, base URL -> the role that tried it
        queue = list(self.roles)
        escalated: dict[str, str] = dict.fromkeys(self.roles, self.escalation) if self.escalation else {}
        for position, name in enumerate(queue):  # escalate_next may reorder the roles after ``position``
            try:
                rc = self.config.role(name)
            except ConfigError as err:
                failures.append((name, err))
                notes.append(f"{name}: {err}")
                continue
            if rc is None:
                continue
            label = f"{name} {rc.provider}/{rc.model_id}"
            identity = (rc.provider, rc.model_id, rc.base_url)
            skip = (
                f"same model as the {tried[identity]} role, tried above"
                if identity in tried
                else parts.breaker.open_reason(rc.provider, rc.model_id, run.settings)
            )
            if skip is None and run.expired():  # not the model's fault: no circuit failure
                skip = f"the call's deadline (timeouts.totalSeconds = {run.settings.total_seconds:g}s) had passed"
            if skip is not None:
                failures.append((name, ProviderError(f"skipped: {skip}", provider=rc.provider, model=rc.model_id)))
                notes.append(f"{label}: skipped ({skip})")
                continue
            tried[identity] = name
            try:
                turn = parts.turn(run, self.config, rc, self.sampler, fallback=bool(failures))
                turn.escalation = escalated.get(name, "")
                stack = parts.stack(run, turn, parts.wire(self.config, turn, self.sampler))
                await run.say(0, f"asking {label}")
                completion = await stack.complete(for_role(request, turn), on_chunk)
            except BudgetExceeded:
                raise  # a budget holds for every role: trying the next one would be refused too
            except (ProviderError, InvalidModelOutput, ConfigError) as err:
                failures.append((name, tag(err, rc.provider, rc.model_id)))
                notes.append(f"{label}: {err}")
                if climb is not None and position == 0 and isinstance(err, InvalidModelOutput):
                    escalate_next(queue, position, climb.to)
                    escalated[climb.to] = climb.invalid_reason()
                await run.say(0, f"{label} failed; trying the next role")
                continue
            self.answered = Answered(turn, notes, escalated.get(name) or None)
            return completion
        raise AllProvidersFailed(failures)

    async def ask(self, request: Request) -> tuple[Any, Usage]:
        """The answer's value and the usage of the whole call so far (every answer's tokens and cost)."""
        completion = await self.complete(request)
        answered, run = self.answered, self.run
        if answered is None:  # pragma: no cover - complete() returns only once a role answered
            raise AllProvidersFailed([])
        return completion.value, Usage(
            role=answered.turn.role,
            provider=answered.turn.config.provider,
            model=completion.model,
            input_tokens=run.tokens[0],
            output_tokens=run.tokens[1],
            cached_tokens=run.tokens[2],
            cost_usd=None if run.cost is None else round(run.cost, 6),
            latency_ms=round((time.perf_counter() - run.started) * 1000, 1),
            fallbacks=answered.notes,
            escalated=answered.escalated,
            cache_saved_at=completion.saved_at,
            normalised=list(completion.notes),
        )
