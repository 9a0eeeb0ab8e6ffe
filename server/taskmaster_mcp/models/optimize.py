"""``models --optimize speed|quality|cost``: a proposed role assignment from what we know, before and after, with why.

Evidence, best first:

- ``.taskmaster/reports/model-benchmark.json`` when present (``candidates``: quality 0..1, latency p50, cost, failures
  per provider/model); absent or malformed, it is ignored (and the proposal says so).
- The usage ledger: measured p50 latency and error rate per provider/model in this project.
- The catalogue: prices per 1M tokens and SWE scores.

Candidates are the catalogue's models whose provider signs in with an API key that is present now (env or ``.env``),
so that an applied proposal works at once. Local servers, CLI agents, clouds and resellers (which need a base URL or
a login we cannot check without calling them) are left out; set those by hand with ``models --set-main``. A model
whose ledger error rate is over 50% in 5 or more calls is left out too.

Presets, for ``main`` (and ``fallback``: the best candidate from another provider than main's, so one provider's
outage does not take both; ``research``: the best research-capable candidate):

- ``quality``: highest benchmark quality, else SWE score; ties go to the cheaper.
- ``cost``: lowest blended price (3 input tokens to 1 output token, typical of our prompts), among models whose SWE
  score is known and within 0.15 of the best candidate's (the cheapest model is rarely worth its answers); ties go to
  the stronger.
- ``speed``: lowest measured p50 latency (benchmark, else ledger); models never measured rank after measured ones,
  by output price (smaller models are faster and cheaper).

Extra roles (``taskmasterMcp.roles``) are left as they are: they exist to be a deliberate choice. Nothing is written
unless the caller applies the proposal (``set_role`` per changed role).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models import catalogue
from taskmaster_mcp.models.ledger import GroupStats
from taskmaster_mcp.models.registry import ROWS, resolve_key
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.paths import Paths

Preset = Literal["speed", "quality", "cost"]
BENCHMARK_FILE = "model-benchmark.json"
COST_FLOOR = 0.15


class RoleChange(BaseModel):
    """One role before and after a preset, and why."""

    role: str
    before: str
    after: str
    reason: str


class Optimization(BaseModel):
    """A preset's proposal (``applied`` once written)."""

    preset: str
    changes: list[RoleChange]
    candidates: int
    evidence: list[str]
    applied: bool = False


@dataclass(frozen=True)
class Candidate:
    """One usable model with what we know of it."""

    info: catalogue.ModelInfo
    quality: float | None
    latency_ms: float | None
    blended_price: float | None

    @property
    def name(self) -> str:
        return f"{self.info.provider}/{self.info.id}"


def read_benchmark(path: Path) -> dict[str, dict[str, Any]] | None:
    """The benchmark's candidates by ``provider/modelId``; None when absent or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(cast(dict[str, Any], data).get("candidates"), list):
        return None
    found: dict[str, dict[str, Any]] = {}
    for entry in cast(list[Any], cast(dict[str, Any], data)["candidates"]):
        if isinstance(entry, dict):
            row = cast(dict[str, Any], entry)
            if isinstance(row.get("provider"), str) and isinstance(row.get("modelId"), str):
                found[f"{row['provider']}/{row['modelId']}"] = row
    return found


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def candidates(
    paths: Paths, env: Mapping[str, str], by_model: Mapping[str, GroupStats], bench: Mapping[str, Mapping[str, Any]]
) -> list[Candidate]:
    """Catalogue models whose provider's API key is present, with their quality, latency and price."""
    keyed = {
        row.name
        for row in ROWS  # a reseller needs a base URL or serves other makers' models: not a candidate by key alone
        if row.key_variable is not None and not row.reseller and resolve_key(row.name, env, paths).present
    }
    found: list[Candidate] = []
    for info in catalogue.models():
        if info.provider not in keyed or not info.supported:
            continue
        name = f"{info.provider}/{info.id}"
        stats, row = by_model.get(name), bench.get(name, {})
        if stats is not None and stats.calls >= 5 and stats.error_rate > 0.5:
            continue
        latency = row.get("latencyMs")
        measured = _number(cast(dict[str, Any], latency).get("p50")) if isinstance(latency, dict) else None
        blended = None
        if info.input_price is not None and info.output_price is not None:
            blended = (3 * info.input_price + info.output_price) / 4
        found.append(
            Candidate(
                info,
                _number(row.get("quality")) or info.swe_score,
                measured if measured is not None else (stats.p50_latency_ms if stats else None),
                blended,
            )
        )
    return found


def _rank(preset: Preset, pool: list[Candidate]) -> list[Candidate]:
    if preset == "quality":
        known = [c for c in pool if c.quality is not None]
        return sorted(
            known, key=lambda c: (-(c.quality or 0), c.blended_price if c.blended_price is not None else float("inf"))
        )
    if preset == "cost":
        scored = [c for c in pool if c.quality is not None and c.blended_price is not None]
        best = max((c.quality or 0 for c in scored), default=0)
        fit = [c for c in scored if (c.quality or 0) >= best - COST_FLOOR]
        return sorted(fit, key=lambda c: (c.blended_price or 0, -(c.quality or 0)))
    return sorted(
        pool,
        key=lambda c: (
            c.latency_ms is None,
            c.latency_ms or 0,
            c.info.output_price if c.info.output_price is not None else float("inf"),
        ),
    )


def _why(preset: Preset, c: Candidate) -> str:
    price = f"${c.blended_price:.2f}/1M blended" if c.blended_price is not None else "price unknown"
    quality = f"quality {c.quality:.3f}" if c.quality is not None else "quality unknown"
    latency = f"p50 {c.latency_ms:.0f} ms" if c.latency_ms is not None else "latency not measured"
    first = {"quality": quality, "cost": price, "speed": latency}[preset]
    rest = [part for part in (quality, price, latency) if part != first]
    return f"{preset}: {first} ({', '.join(rest)})"


def propose(
    config: Config, paths: Paths, env: Mapping[str, str], preset: Preset, by_model: Mapping[str, GroupStats]
) -> tuple[Optimization, dict[str, Candidate]]:
    """The preset's proposal for main, fallback and research, and the chosen candidate of each changed role."""
    bench = read_benchmark(paths.reports_dir / BENCHMARK_FILE)
    pool = candidates(paths, env, by_model, bench or {})
    evidence = [
        f"catalogue ({len(pool)} models with a key present)",
        f"ledger ({sum(s.calls for s in by_model.values())} calls)",
        f"benchmark ({len(bench)} candidates)"
        if bench is not None
        else f"no benchmark ({BENCHMARK_FILE} absent or malformed)",
    ]
    ranked = _rank(preset, pool)
    picks: dict[str, Candidate | None] = {}
    picks["main"] = next((c for c in ranked if "main" in c.info.allowed_roles), None)
    main_provider = picks["main"].info.provider if picks["main"] else None
    fallback_pool = [c for c in ranked if "fallback" in c.info.allowed_roles and c is not picks["main"]]
    main_facts = (picks["main"].quality, picks["main"].blended_price) if picks["main"] else None
    others = [c for c in fallback_pool if (c.quality, c.blended_price) != main_facts]  # not main under an alias
    picks["fallback"] = next((c for c in others if c.info.provider != main_provider), others[0] if others else None)
    picks["research"] = next((c for c in ranked if "research" in c.info.allowed_roles), None)
    changes: list[RoleChange] = []
    chosen: dict[str, Candidate] = {}
    for role, pick in picks.items():
        if pick is None:
            continue
        try:
            rc = config.role(role)
        except ConfigError:
            rc = None
        before = f"{rc.provider}/{rc.model_id}" if rc is not None else "not configured"
        if before == pick.name:
            continue
        changes.append(RoleChange(role=role, before=before, after=pick.name, reason=_why(preset, pick)))
        chosen[role] = pick
    return Optimization(preset=preset, changes=changes, candidates=len(pool), evidence=evidence), chosen
