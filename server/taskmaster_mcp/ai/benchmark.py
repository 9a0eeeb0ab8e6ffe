"""benchmark_models: run each candidate model on the same sample work and compare them side by side.

Decisions:

- Candidates are the configured roles named (default: main and fallback), or model ids (provider from the
  catalogue, as ``models`` resolves it; the provider's base URL and key come from the env). The same model reached
  the same way is run once. Each candidate runs alone: a router whose only role is the candidate (no fallback, so
  a failure is the candidate's), sharing the server's ledger, budgets and adaptive limiters. Its config drops
  ``commandRoles``, ``routing`` and ``escalation`` (a rule or an escalation would score another model's answers as
  the candidate's; no task is passed, so no pin applies), and every request is ``fresh`` (never answered from the
  response cache). Any configured role, extra roles included, can be a candidate.
- Sample work: the project's PRD through the parse_prd prompt, and ``tasks`` open tasks (first in plan order)
  through the expand_task prompt, built by the same prompt builders as the real commands; without a PRD or open
  tasks, a small built-in sample stands in (the result says which). The project's code is left out of the
  prompts: it is the same for every candidate and would only make the benchmark dearer. Counts are asked for
  exactly, so the count check means something. Nothing is written to tasks.json: answers are scored and dropped.
- Measures per candidate: answers valid on the first try (share of runs), re-asks (runs that needed the one
  re-ask after invalid output), failures, latency p50/p95 per run (the time of its requests, re-asks and retries
  included, from the ledger entries: the first request's SDK import and waits for a slot would otherwise skew
  whichever candidate happened to go first), tokens and cost of every
  request (from the ledger entries the run wrote), and the deterministic checks of
  :mod:`taskmaster_mcp.ai.benchmark_checks`. Ranking: :func:`~taskmaster_mcp.ai.benchmark_checks.rank_key`.
- Cost is estimated before any request: prompt characters / 3 as input tokens (generous: English runs at about 4)
  plus an output allowance per kind of run, doubled for a possible re-ask, at catalogue prices. It refuses to
  start when the estimate exceeds ``max_usd``, and when ``max_usd`` is missing while any candidate may cost money
  (a non-zero or unknown price; local models, MCP sampling and subscription CLI agents cost nothing).
- The report (``store/benchmarks.py``) is written only after every run has finished; a refusal writes nothing.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.ai.benchmark_checks import (
    failed_scores,
    mean_checks,
    percentile,
    prd_sections,
    rank_key,
    score_items,
)
from taskmaster_mcp.ai.benchmark_sample import SAMPLE_PRD, SAMPLE_PRD_TASKS, SAMPLE_TASKS
from taskmaster_mcp.ai.budget import split_sections
from taskmaster_mcp.ai.context import AIContext, ask
from taskmaster_mcp.ai.expand import OPEN_STATUSES, default_subtasks, job_prompt, make_job
from taskmaster_mcp.ai.expand import reason_text as short
from taskmaster_mcp.ai.plan import default_num_tasks
from taskmaster_mcp.ai.prompts import expand, plan
from taskmaster_mcp.ai.prompts.blocks import Template
from taskmaster_mcp.errors import InvalidInput, TaskmasterError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.ledger import Entry, Ledger
from taskmaster_mcp.models.roles import resolve_provider
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.store.benchmarks import write_benchmark_report
from taskmaster_mcp.store.config import OUR_SECTION, Config
from taskmaster_mcp.tasks.document import TaskFile
from taskmaster_mcp.tasks.model import Ref, TagIndex, key, subtasks_of

COMMAND = "benchmark_models"
SUBTASKS = 4
MAX_PRD_CHARS = 40_000
CHARS_PER_TOKEN_ESTIMATE = 3
OUTPUT_TOKENS = {"parse_prd": 4_000, "expand_task": 2_000}
FREE_PROVIDERS = frozenset({"ollama", "lmstudio", "mcp"})
_RUN: ContextVar[str] = ContextVar("benchmark_run", default="")


class LatencyMs(BaseModel):
    """Latency per run in milliseconds."""

    p50: float
    p95: float


class CandidateResult(BaseModel):
    """One candidate's figures (the report's ``candidates`` entries)."""

    role: str | None
    provider: str
    modelId: str
    runs: int
    validFirstTry: float
    reasks: int
    failures: int
    latencyMs: LatencyMs
    inputTokens: int
    outputTokens: int
    costUsd: float | None
    quality: float
    checks: dict[str, float]
    errors: list[str] | None = None


class BenchmarkResult(BaseModel):
    """What benchmark_models measured, and where the report is."""

    generatedAt: str
    project: str
    tasks: int
    sample: str
    estimatedUsd: float | None
    candidates: list[CandidateResult]
    ranking: list[str]
    reportPath: str
    message: str


@dataclass(frozen=True)
class Candidate:
    """A model to benchmark: the role it came from (if any) and its role block."""

    role: str | None
    block: dict[str, Any]

    @property
    def provider(self) -> str:
        return str(self.block["provider"])

    @property
    def model_id(self) -> str:
        return str(self.block["modelId"])


@dataclass(frozen=True)
class Sample:
    """One piece of sample work: a prompt, its schema and what its answer is checked against."""

    kind: str
    label: str
    template: Template
    prompt: str
    schema: type[plan.TaskPlan] | type[expand.SubtaskPlan]
    wanted: int
    sections: tuple[str, ...] = ()


class _Tally(Ledger):
    """The project's ledger, also keeping each benchmark run's entries apart (by the run's context)."""

    def __init__(self, root: Path, inner: Ledger) -> None:
        super().__init__(root, base_dir=inner.path.parent.parent)
        self.path = inner.path
        self.runs: dict[str, list[Entry]] = {}

    def record(self, entry: Entry) -> None:
        self.runs.setdefault(_RUN.get(), []).append(entry)
        super().record(entry)


def candidates(config: Config, roles: list[str], models: list[str]) -> list[Candidate]:
    """The candidates named by ``models`` (ids) or ``roles`` (default main and fallback), the same model once."""
    found: list[Candidate] = []
    if models:
        found = [Candidate(None, {"provider": resolve_provider(m, None), "modelId": m}) for m in models]
    else:
        for name in roles or ["main", "fallback"]:
            if name not in config.role_names():
                raise InvalidInput(f"Unknown role '{name}'. Use one of {', '.join(config.role_names())}.")
            rc = config.role(name)
            if rc is None:
                if roles:
                    raise InvalidInput(f"The {name} role is not configured; set it with the models tool first.")
                continue
            block = {
                "provider": rc.provider,
                "modelId": rc.model_id,
                "maxTokens": rc.max_tokens,
                "temperature": rc.temperature,
                "baseURL": rc.base_url,
            }
            found.append(Candidate(name, {k: v for k, v in block.items() if v is not None}))
    unique = {(c.provider, c.model_id, c.block.get("baseURL")): c for c in reversed(found)}
    return [c for c in found if unique[(c.provider, c.model_id, c.block.get("baseURL"))] is c]


def samples(config: Config, index: TagIndex | None, prd: str | None, tasks: int) -> tuple[list[Sample], str]:
    """The sample work and where it came from ("project", "built-in" or a mix)."""
    own_prd = bool(prd and prd.strip())
    text = split_sections(prd if prd and own_prd else SAMPLE_PRD, MAX_PRD_CHARS)[0]
    wanted = (default_num_tasks(config) or 10) if own_prd else SAMPLE_PRD_TASKS
    work = [
        Sample(
            "parse_prd",
            "PRD",
            plan.PARSE_PRD,
            plan.parse_prd_documents(text, existing=None, research=None, codebase="", scope=None)
            + plan.parse_prd_prompt(num_tasks=wanted, exact=True, start_id=1, part=None),
            plan.TaskPlan,
            wanted,
            tuple(prd_sections(text)),
        )
    ]
    open_tasks = [t for t in index.tasks if t.get("status", "pending") in OPEN_STATUSES] if index else []
    source = "project" if own_prd else "built-in PRD"
    if index is None or not open_tasks:
        index = TaskFile(data={"master": {"tasks": SAMPLE_TASKS}}).index("master")
        open_tasks = list(index.tasks)
        source += ", built-in tasks"
    open_tasks.sort(key=lambda t: bool(subtasks_of(t)))  # tasks not yet broken down first
    for task in open_tasks[:tasks]:
        job = make_job(index, Ref(key(task.get("id"))), {}, SUBTASKS, default_subtasks(config), True)
        prompt = job_prompt(job, None)
        work.append(
            Sample("expand_task", f"task {key(task.get('id'))}", expand.EXPAND, prompt, expand.SubtaskPlan, SUBTASKS)
        )
    return work, source


def estimate(chosen: list[Candidate], work: list[Sample]) -> tuple[float | None, list[str]]:
    """Worst-case USD for every run (None when some price is unknown), and the candidates that may cost money."""
    total: float | None = 0.0
    paying: list[str] = []
    for candidate in chosen:
        if candidate.provider in FREE_PROVIDERS:
            continue
        info = catalogue.lookup(candidate.provider, candidate.model_id)
        for sample in work:
            tokens_in = (len(sample.template.system) + len(sample.prompt)) // CHARS_PER_TOKEN_ESTIMATE
            cost = catalogue.cost(info, 2 * tokens_in, 2 * OUTPUT_TOKENS[sample.kind])
            total = None if cost is None or total is None else total + cost
            if (cost is None or cost > 0) and candidate.model_id not in paying:
                paying.append(candidate.model_id)
    return (None if total is None else round(total, 4)), paying


def _check_cost(estimated: float | None, paying: list[str], max_usd: float | None) -> None:
    shown = "an unknown amount" if estimated is None else f"up to ${estimated:.4f}"
    if paying and max_usd is None:
        raise InvalidInput(
            f"The benchmark may spend real money ({shown}; {', '.join(paying)} are billed per "
            "token). Pass maxUsd (CLI: --max-usd) with the most it may spend."
        )
    if estimated is not None and max_usd is not None and estimated > max_usd:
        raise InvalidInput(
            f"The benchmark is estimated at {shown}, over maxUsd ${max_usd:g}. Pass fewer tasks, "
            "fewer candidates, or a higher maxUsd."
        )


def _router(ai: AIContext, candidate: Candidate, tally: _Tally) -> ModelRouter:
    raw = dict(ai.project.config().raw)
    ours = dict(raw.get(OUR_SECTION) or {})
    ours["fallbackOrder"] = {"main": ["main"]}  # the candidate alone: its failures are its own
    for routes in ("commandRoles", "routing", "escalation"):  # nothing may send the candidate's work elsewhere
        ours.pop(routes, None)
    raw.update(models={"main": candidate.block}, **{OUR_SECTION: ours})
    config = Config(raw=raw)
    return ModelRouter(
        ai.project.paths, ai.router.env, ledger=tally, config=lambda: config, limiters=ai.router.limiters
    )


@dataclass
class _Run:
    scores: dict[str, float]
    latency_ms: float
    entries: list[Entry]
    error: str | None


async def _run_all(ai: AIContext, chosen: list[Candidate], work: list[Sample]) -> list[list[_Run]]:
    tally = _Tally(ai.project.paths.root, ai.router.ledger)
    routers = [_router(ai, c, tally) for c in chosen]
    total, finished = len(chosen) * len(work), 0

    async def quiet(_done: float, _total: float | None, _message: str) -> None:
        return None

    async def one(number: int, sample: Sample) -> _Run:
        nonlocal finished
        _RUN.set(f"{number}:{sample.label}")
        started = time.perf_counter()
        error: str | None = None
        try:
            # fresh: a benchmark measures the models, so it never takes an answer from the response cache
            answer, _ = await ask(
                replace(ai, router=routers[number], progress=quiet, fresh=True),
                sample.template,
                sample.prompt,
                sample.schema,
                command=COMMAND,
            )
            items = [t.model_dump() for t in (answer.tasks if isinstance(answer, plan.TaskPlan) else answer.subtasks)]
            scores = score_items(items, sample.wanted, sample.sections)
        except TaskmasterError as err:
            scores, error = failed_scores(sample.sections), short(err)
        elapsed = (time.perf_counter() - started) * 1000
        finished += 1
        label = chosen[number].model_id
        await ai.progress(
            finished, total, f"{label}: {sample.label} {'failed' if error else 'done'} in {elapsed / 1000:.1f}s"
        )
        entries = tally.runs.get(f"{number}:{sample.label}", [])
        # the requests' own time (re-asks and retries included); not the SDK's first import or a queue's wait
        return _Run(scores, sum(e.latency_ms for e in entries) if entries else elapsed, entries, error)

    try:
        return list(await asyncio.gather(*(asyncio.gather(*(one(n, s) for s in work)) for n in range(len(chosen)))))
    finally:
        for router in routers:
            await router.aclose()


def _summary(candidate: Candidate, runs: list[_Run]) -> CandidateResult:
    answered = [[e for e in r.entries if e.outcome in ("ok", "invalid_output")] for r in runs]
    first_ok = sum(1 for a in answered if a and a[0].outcome == "ok")
    cost: float | None = 0.0
    for entries in answered:
        for entry in entries:
            cost = None if cost is None or entry.cost_usd is None else cost + entry.cost_usd
    quality, checks = mean_checks([r.scores for r in runs])
    latencies = [r.latency_ms for r in runs]
    errors = [r.error for r in runs if r.error]
    return CandidateResult(
        role=candidate.role,
        provider=candidate.provider,
        modelId=candidate.model_id,
        runs=len(runs),
        validFirstTry=round(first_ok / len(runs), 3) if runs else 0.0,
        reasks=sum(1 for a in answered if any(e.outcome == "invalid_output" for e in a)),
        failures=len(errors),
        latencyMs=LatencyMs(p50=percentile(latencies, 0.5), p95=percentile(latencies, 0.95)),
        inputTokens=sum(e.input_tokens for r in runs for e in r.entries),
        outputTokens=sum(e.output_tokens for r in runs for e in r.entries),
        costUsd=None if cost is None else round(cost, 6),
        quality=quality,
        checks=checks,
        errors=list(dict.fromkeys(errors))[:3] or None,
    )


async def benchmark_models(
    ai: AIContext, *, tag: str, roles: list[str], models: list[str], tasks: int, max_usd: float | None, prd: str | None
) -> BenchmarkResult:
    """Run every candidate on the same sample work, rank them, and write the report (never tasks.json)."""
    ai.project.store.require_initialized()  # the report goes in .taskmaster/reports; never create .taskmaster here
    config = ai.project.config()
    chosen = candidates(config, roles, models)
    if not chosen:
        raise InvalidInput("No model to benchmark: configure the main role with the models tool, or pass models.")
    document = ai.project.store.read()
    index = document.index(tag) if document.exists and document.tasks(tag) else None
    work, source = samples(config, index, prd, tasks)
    estimated, paying = estimate(chosen, work)
    _check_cost(estimated, paying, max_usd)
    await ai.progress(0, len(chosen) * len(work), f"benchmarking {len(chosen)} model(s) on {len(work)} runs each")
    results = [_summary(c, runs) for c, runs in zip(chosen, await _run_all(ai, chosen, work), strict=True)]
    ranked = sorted(results, key=lambda r: rank_key(r.model_dump()))
    name = config.global_settings.get("projectName")
    project = name if isinstance(name, str) and name and name != "Task Master" else ai.project.paths.root.name
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report: dict[str, Any] = {
        "generatedAt": generated,
        "project": project,
        "tasks": len(work) - 1,
        "candidates": [r.model_dump(exclude={"errors"}) for r in results],
        "ranking": [r.modelId for r in ranked],
    }
    path = await ai.write(lambda: write_benchmark_report(ai.project.paths, report))
    best = ranked[0]
    return BenchmarkResult(
        generatedAt=generated,
        project=project,
        tasks=len(work) - 1,
        sample=source,
        estimatedUsd=estimated,
        candidates=results,
        ranking=report["ranking"],
        reportPath=str(path.relative_to(ai.project.paths.root)),
        message=f"Best: {best.provider}/{best.modelId} (quality {best.quality:.2f}, {best.failures} failed, "
        f"p50 {best.latencyMs.p50 / 1000:.1f}s). Nothing was written to tasks.json.",
    )
