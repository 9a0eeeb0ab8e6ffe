"""The usage ledger: one JSON line per model call, per project, outside the project.

File: ``<data dir>/ledgers/<sha256(project root)[:16]>.jsonl``. The data dir is the constructor's ``base_dir``, else
env ``TASKMASTER_MCP_DATA_DIR``, else ``platformdirs.user_data_path("taskmaster-mcp")``. Lines are appended under an
``fcntl.flock`` so that concurrent servers on one project do not interleave. Prompts and keys are never written;
``prompt`` holds only the ids (``name@version``) of the templates a call's prompt was built from.

Budgets come from ``taskmasterMcp.budgets = {"dailyUsd": x, "monthlyUsd": y}`` in config.json. Calls whose price is
unknown add nothing to the spend and are counted apart in :meth:`Ledger.report`, never as zero cost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Generator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.errors import BudgetExceeded, InvalidModelOutput, ProviderError
from taskmaster_mcp.store.settings import Budgets

log = logging.getLogger(__name__)
DATA_DIR_VARIABLE = "TASKMASTER_MCP_DATA_DIR"


@dataclass(frozen=True)
class Entry:
    """One model call as written to the ledger."""

    ts: str
    command: str
    role: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_usd: float | None
    latency_ms: float
    outcome: str  # "ok", "cache_hit" (answered from the response cache) or an error kind such as "auth"
    fallback: bool
    attempt: int
    prompt: str = ""  # the prompt templates' ``name@version`` ids; lines written before it existed parse as ""
    escalation: str = ""  # why the call was escalated to this role (models/escalation.py); "" when it was not


class GroupStats(BaseModel):
    """Aggregates for one role, model, command or day."""

    calls: int = 0
    errors: int = 0
    fallbacks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_calls: int = 0
    p50_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    error_rate: float = 0.0
    fallback_rate: float = 0.0
    cache_hits: int = 0  # calls answered from the response cache (cost 0; not errors, not in the latencies)
    cost_share: float | None = None  # of the report's total cost (by_role, by_model; None when nothing was spent)
    call_share: float | None = None  # of the report's calls (by_role, by_model)


class LedgerReport(BaseModel):
    """Totals plus breakdowns; ``unknown_cost_calls`` successful calls had no known price."""

    total: GroupStats
    by_role: dict[str, GroupStats]
    by_model: dict[str, GroupStats]
    by_command: dict[str, GroupStats]
    by_day: dict[str, GroupStats]


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data dir: env ``TASKMASTER_MCP_DATA_DIR``, else the platform's user data dir."""
    configured = (env or {}).get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return platformdirs.user_data_path("taskmaster-mcp")


def error_kind(err: BaseException) -> str:
    """The ledger's ``outcome`` label for a failed call."""
    if isinstance(err, InvalidModelOutput):
        return "invalid_output"
    if not isinstance(err, ProviderError):
        return "config"
    if err.status is None:
        return "network" if err.retryable else "error"
    if err.status == 429 and not err.retryable:
        return "quota"
    names = {
        400: "bad_request",
        401: "auth",
        403: "forbidden",
        404: "not_found",
        429: "rate_limited",
        529: "overloaded",
    }
    return names.get(err.status, "server_error" if err.status >= 500 else f"http_{err.status}")


def _usd_pair(a: float, b: float) -> tuple[str, str]:
    """Two USD amounts with as many decimals (2 to 8) as it takes to show that they differ, when they do.

    Cents hide small budgets: $0.00312 of $0.003 would read "$0.00 of $0.00". Trailing zeros past the cents go.
    """
    decimals = next((d for d in range(2, 8) if a == b or f"{a:.{d}f}" != f"{b:.{d}f}"), 8)
    return _trim(f"{a:.{decimals}f}"), _trim(f"{b:.{decimals}f}")


def _trim(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    return f"{whole}.{cents.rstrip('0').ljust(2, '0')}"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 1)


@contextlib.contextmanager
def _locked(path: Path) -> Generator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: appends of one short line are atomic enough
            yield handle
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Ledger:
    """Append-only usage record of one project, with budget checks and reports."""

    def __init__(
        self, project_root: Path, *, base_dir: Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        digest = hashlib.sha256(str(project_root.resolve()).encode()).hexdigest()[:16]
        self.path = (base_dir or default_data_dir(env)) / "ledgers" / f"{digest}.jsonl"
        self._offset = 0
        self._spend: dict[str, float] = {}  # "YYYY-MM-DD" and "YYYY-MM" -> USD

    def record(self, entry: Entry) -> None:
        """Append one call; a failure to write is logged, never raised (accounting must not break a command)."""
        data = asdict(entry)
        if not entry.escalation:  # only escalated calls carry the key: lines stay as compact as before
            del data["escalation"]
        line = json.dumps(data, separators=(",", ":")) + "\n"
        try:
            with _locked(self.path) as handle:
                handle.write(line)
        except OSError as exc:
            log.warning("could not write usage ledger %s: %s", self.path, exc)

    def entries(self) -> list[Entry]:
        """Every well-formed entry, oldest first; damaged lines are skipped."""
        found: list[Entry] = []
        for raw in self._lines(0)[0]:
            entry = _parse(raw)
            if entry is not None:
                found.append(entry)
        return found

    def _lines(self, offset: int) -> tuple[list[bytes], int]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
        except FileNotFoundError:
            return [], 0
        end = data.rfind(b"\n") + 1  # leave a half-written last line for the next read
        return data[:end].splitlines(), offset + end

    def spend(self, now: datetime | None = None) -> tuple[float, float]:
        """USD spent (known prices only) today and this month, in UTC; read incrementally."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size < self._offset:
            self._offset, self._spend = 0, {}
        lines, self._offset = self._lines(self._offset)
        for raw in lines:
            entry = _parse(raw)
            if entry is not None and entry.cost_usd:
                for key in (entry.ts[:10], entry.ts[:7]):
                    self._spend[key] = self._spend.get(key, 0.0) + entry.cost_usd
        moment = now or datetime.now(UTC)
        return self._spend.get(moment.strftime("%Y-%m-%d"), 0.0), self._spend.get(moment.strftime("%Y-%m"), 0.0)

    def check_budget(self, budgets: Budgets, now: datetime | None = None) -> None:
        """Raise BudgetExceeded when today's or this month's spend has reached its budget."""
        if budgets.daily_usd is None and budgets.monthly_usd is None:
            return
        today, month = self.spend(now)
        for spent, limit, period, key in (
            (today, budgets.daily_usd, "today", "dailyUsd"),
            (month, budgets.monthly_usd, "this month", "monthlyUsd"),
        ):
            if limit is not None and spent >= limit:
                shown_spent, shown_limit = _usd_pair(spent, limit)
                raise BudgetExceeded(
                    f"AI budget reached: ${shown_spent} spent {period} (UTC) of a ${shown_limit} limit. No model was "
                    f"called. Raise taskmasterMcp.budgets.{key} in .taskmaster/config.json, or remove it, to continue."
                )

    def report(self, since: str | None = None, until: str | None = None) -> LedgerReport:
        """Aggregate calls (from ``since`` to ``until``, YYYY-MM-DD dates, inclusive) by role, model, command, day."""
        groups: dict[str, dict[str, list[Entry]]] = {"role": {}, "model": {}, "command": {}, "day": {}}
        selected = [
            e for e in self.entries() if (since is None or e.ts[:10] >= since) and (until is None or e.ts[:10] <= until)
        ]
        for e in selected:
            for name, key in (
                ("role", e.role),
                ("model", f"{e.provider}/{e.model}"),
                ("command", e.command),
                ("day", e.ts[:10]),
            ):
                groups[name].setdefault(key, []).append(e)
        return LedgerReport(
            total=_stats(selected),
            by_role={k: _stats(v) for k, v in sorted(groups["role"].items())},
            by_model={k: _stats(v) for k, v in sorted(groups["model"].items())},
            by_command={k: _stats(v) for k, v in sorted(groups["command"].items())},
            by_day={k: _stats(v) for k, v in sorted(groups["day"].items())},
        )


def _parse(raw: bytes) -> Entry | None:
    try:
        data = json.loads(raw)
        return Entry(**data)
    except (ValueError, TypeError):
        return None


def _stats(entries: list[Entry]) -> GroupStats:
    stats = GroupStats(calls=len(entries))
    latencies: list[float] = []
    for e in entries:
        stats.errors += e.outcome not in ("ok", "cache_hit")
        if e.outcome == "cache_hit":
            stats.cache_hits += 1
            continue
        stats.fallbacks += e.fallback
        stats.input_tokens += e.input_tokens
        stats.output_tokens += e.output_tokens
        stats.cached_tokens += e.cached_tokens
        if e.cost_usd is None:
            stats.unknown_cost_calls += e.outcome == "ok"
        else:
            stats.cost_usd += e.cost_usd
        latencies.append(e.latency_ms)
    if latencies:
        stats.p50_latency_ms = _percentile(latencies, 0.5)
        stats.p95_latency_ms = _percentile(latencies, 0.95)
    if entries:
        stats.error_rate = round(stats.errors / len(entries), 4)
        stats.fallback_rate = round(stats.fallbacks / len(entries), 4)
    stats.cost_usd = round(stats.cost_usd, 6)
    return stats
