"""Each layer of the model stack (models/layers/) against a fake Model: one concern per layer, no network."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from taskmaster_mcp.errors import InvalidModelOutput, ProviderError
from taskmaster_mcp.models.attempts import CircuitBreaker
from taskmaster_mcp.models.concurrency import AdaptiveLimiter, SlotTimeout
from taskmaster_mcp.models.layers.base import Turn
from taskmaster_mcp.models.layers.limit import Limited
from taskmaster_mcp.models.layers.metering import Metered
from taskmaster_mcp.models.layers.recording import Recorded
from taskmaster_mcp.models.layers.response_cache import Cached
from taskmaster_mcp.models.layers.retries import Bounded, Breaking, Retrying
from taskmaster_mcp.models.layers.validation import Parsed, Validated
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.providers import ChunkFn, Completion, Request
from taskmaster_mcp.models.recording import Recorder, load
from taskmaster_mcp.models.response_cache import ResponseCache
from taskmaster_mcp.models.spend import SpendGuard
from taskmaster_mcp.models.structured import SchemaCache
from taskmaster_mcp.models.usage import CallState
from taskmaster_mcp.store.config import RoleConfig
from taskmaster_mcp.store.settings import CacheSettings, RouterSettings

Answer = Completion | BaseException


class Fake:
    """A Model that answers from a script and keeps every request it was sent."""

    provider = "fake"
    model = "fake-1"
    streams = True

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if on_chunk is not None:
            await on_chunk(len(answer.text))
        return answer


class Plan(BaseModel):
    title: str
    steps: int


def ok(text: str, tokens: tuple[int, int] = (100, 10)) -> Completion:
    return Completion(text, "fake-1", input_tokens=tokens[0], output_tokens=tokens[1])


def overload(status: int = 529) -> ProviderError:
    return ProviderError("overloaded", provider="fake", model="fake-1", status=status, retryable=True)


def run_state(**settings: Any) -> CallState:
    merged = replace(RouterSettings(base_delay=0.0, max_delay=0.0), **settings)
    return CallState("expand_task", merged, time.monotonic() + 30.0, None, prompt_version="expand@1")


def turn() -> Turn:
    rc = RoleConfig("main", "fake", "fake-1", 1000, None, None)
    return Turn("main", rc, None, None, fallback=False, ends=time.monotonic() + 30.0)


def request(output: type[BaseModel] | None = None) -> Request:
    return Request("system", "prompt", 1000, output=output)


async def test_parsed_validates_into_value_and_text_passes_through() -> None:
    model = Parsed(Fake(ok('Here: {"title": "x", "steps": 2}'), ok("plain")))
    first = await model.complete(request(Plan))
    assert first.value == Plan(title="x", steps=2)
    second = await model.complete(request())
    assert second.value == "plain"


async def test_validated_reasks_once_with_the_errors_then_gives_up() -> None:
    fake = Fake(ok('{"title": "x"}'), ok('{"title": "x", "steps": 3}'))
    answer = await Validated(Parsed(fake), SchemaCache(), None).complete(request(Plan))
    assert answer.value == Plan(title="x", steps=3)
    assert fake.requests[0].followup is None and "JSON Schema" in fake.requests[0].system
    followup = fake.requests[1].followup
    assert followup is not None and followup[0] == '{"title": "x"}' and "steps" in followup[1]
    twice = Fake(ok("{}"), ok("{}"))
    with pytest.raises(InvalidModelOutput, match="invalid output twice"):
        await Validated(Parsed(twice), SchemaCache(), None).complete(request(Plan))
    assert len(twice.requests) == 2


async def test_retrying_retries_retryable_errors_and_not_the_others() -> None:
    fake = Fake(overload(503), overload(503), ok("done"))
    answer = await Retrying(fake, run_state(), turn()).complete(request())
    assert answer.text == "done" and len(fake.requests) == 3
    bad = ProviderError("bad request", provider="fake", model="fake-1", status=400)
    refused = Fake(bad, ok("never"))
    with pytest.raises(ProviderError, match="bad request"):
        await Retrying(refused, run_state(), turn()).complete(request())
    assert len(refused.requests) == 1
    tired = Fake(overload(503), overload(503), overload(503))
    with pytest.raises(ProviderError, match=r"\(3 attempts\)"):
        await Retrying(tired, run_state(retries_per_role=2), turn()).complete(request())


async def test_breaking_counts_failures_but_not_a_slot_timeout() -> None:
    breaker = CircuitBreaker()
    settings = RouterSettings(breaker_failures=2)
    failing = Breaking(Fake(overload(), overload()), breaker)
    for _ in range(2):
        with pytest.raises(ProviderError):
            await failing.complete(request())
    assert breaker.open_reason("fake", "fake-1", settings) is not None
    breaker.success("fake", "fake-1")
    for _ in range(3):
        with pytest.raises(SlotTimeout):
            await Breaking(Fake(SlotTimeout("no slot", provider="fake", model="fake-1")), breaker).complete(request())
    assert breaker.open_reason("fake", "fake-1", settings) is None


async def test_limited_retries_an_overload_of_our_own_concurrency_for_free() -> None:
    limiter = AdaptiveLimiter(limit=4.0, maximum=8)
    held = await limiter.acquire(time.monotonic() + 5, "fake", "fake-1")  # another request of ours in flight
    fake = Fake(overload(429), ok("after slowing down"))
    answer = await Limited(fake, limiter, run_state(), turn()).complete(request())
    held.succeeded()
    assert answer.text == "after slowing down" and len(fake.requests) == 2
    assert limiter.decreases == 1 and limiter.in_flight == 0


async def test_limited_grows_the_limit_on_an_answer_and_frees_the_slot() -> None:
    limiter = AdaptiveLimiter(limit=2.0, maximum=8)
    answer = await Limited(Fake(ok("fine")), limiter, run_state(), turn()).complete(request())
    assert answer.text == "fine" and limiter.in_flight == 0 and limiter.capacity == 3 and limiter.good == 1


async def test_metered_prices_counts_and_logs_every_request(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, base_dir=tmp_path / "data", env={})
    run, role = run_state(), turn()
    script = Fake(ok('{"title": 1}'), overload(), ok('{"title": "t", "steps": 1}'))
    model = Metered(Parsed(script), run, role, ledger, SpendGuard(ledger))
    with pytest.raises(Exception, match="title"):
        await model.complete(request(Plan))
    with pytest.raises(ProviderError):
        await model.complete(request(Plan))
    await model.complete(request(Plan))
    outcomes = [e.outcome for e in ledger.entries()]
    assert outcomes[0] == "invalid_output" and outcomes[2] == "ok" and outcomes[1] not in ("ok", "invalid_output")
    assert run.tokens[:2] == [200, 20]  # the invalid answer was billed too
    assert all(e.command == "expand_task" and e.prompt == "expand@1" for e in ledger.entries())


async def test_cached_answers_a_repeat_without_asking_and_fresh_skips(tmp_path: Path) -> None:
    responses, settings = ResponseCache(tmp_path / "responses"), CacheSettings()
    hits: list[float] = []

    def build(fake: Fake, fresh: bool = False) -> Cached:
        return Cached(Parsed(fake), responses, settings, lambda r: "k" + r.prompt, fresh=fresh, on_hit=hits.append)

    first = Fake(ok('{"title": "a", "steps": 1}'))
    await build(first).complete(request(Plan))
    again = Fake()
    hit = await build(again).complete(request(Plan))
    assert hit.value == Plan(title="a", steps=1) and hit.saved_at is not None and not again.requests and hits
    fresh = Fake(ok('{"title": "b", "steps": 2}'))
    answer = await build(fresh, fresh=True).complete(request(Plan))
    assert answer.value == Plan(title="b", steps=2) and len(fresh.requests) == 1
    off = Fake(ok("text"))
    await Cached(Parsed(off), responses, CacheSettings(enabled=False), lambda r: "k").complete(request())
    assert len(off.requests) == 1


async def test_recorded_saves_the_validated_answer(tmp_path: Path) -> None:
    model = Recorded(Parsed(Fake(ok('{"title": "r", "steps": 4}'))), Recorder(tmp_path), run_state(), turn())
    await model.complete(request(Plan))
    (saved,) = load(tmp_path)
    assert saved.answer == {"title": "r", "steps": 4} and saved.schema == "Plan" and saved.role == "main"


async def test_bounded_times_out_a_request_that_never_answers() -> None:
    class Hung(Fake):
        async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
            self.requests.append(request)
            import asyncio

            await asyncio.sleep(10)
            raise AssertionError("not reached")

    hung = Hung()
    with pytest.raises(ProviderError, match="no response within") as caught:
        await Bounded(hung, run_state(first_byte_seconds=0.05), turn()).complete(request())
    assert caught.value.retryable and hung.requests[0].timeout > 0


async def test_warmed_sends_the_first_request_of_a_marked_prefix_alone() -> None:
    import asyncio

    from taskmaster_mcp.models.layers.prompt_cache import Warmed

    log: list[str] = []

    class Slow(Fake):
        async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
            log.append(f"start {request.prompt[-1]}")
            await asyncio.sleep(0.05)
            log.append(f"end {request.prompt[-1]}")
            return ok("done")

    gates: dict[str, asyncio.Event] = {}
    model = Warmed(Slow(), gates, "fake/fake-1", time.monotonic() + 5)
    shared = "P" * 100
    asks = [Request("s", shared + str(n), 10, cache_prefix=100) for n in range(3)]
    await asyncio.gather(*(model.complete(ask) for ask in asks))
    assert log[:2] == ["start 0", "end 0"] and sorted(log[2:]) == ["end 1", "end 2", "start 1", "start 2"]
    log.clear()
    unmarked = [Request("s", shared + str(n), 10) for n in range(2)]
    await asyncio.gather(*(model.complete(ask) for ask in unmarked))
    assert log[:2] == ["start 0", "start 1"]  # nothing marked: nothing waits
