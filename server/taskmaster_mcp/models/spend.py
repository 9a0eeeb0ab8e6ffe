"""Cost controls over the usage ledger: per-command caps, the warning threshold, budget status, user prices, periods.

Settings (validated in ``store/settings.py``, listed in README): ``budgets.dailyUsd`` / ``budgets.monthlyUsd`` (the
ledger checks them), ``budgets.perCommandUsd`` (a cap per command over the same periods: a number is USD a day, an
object gives ``dailyUsd`` and/or ``monthlyUsd``), ``budgets.warnAt`` (default 0.8) and ``costPer1M``.

Decisions:

- A command's cap covers the command and its steps: the ledger's ``expand_all:research`` counts for ``expand_all``,
  ``parse_prd:critique`` (the critic's calls, ai/critique.py) for ``parse_prd``, whichever role the routing policy
  sent each call to (caps are per command, never per role). The cap is checked before every call, so a critique
  refused after its draft spent the cap fails the command and nothing is written.
- Budgets are hard limits under concurrency. Each request reserves its estimated cost (``reserve``: the input it
  sends, the output at its ``max_tokens``) before it is sent, and the reservation is settled once the request ends
  (its real cost is then in the ledger). A request is refused while what is spent plus what is reserved by
  requests under way has reached a budget, so concurrent requests (expand_all, analyze, update) cannot all pass
  one check: no daily, monthly or per-command cap is passed by more than one request's cost. A request that only
  reservations stand in the way of waits for them to settle (within the call's deadline) and is decided again.
- Past ``warnAt`` of any budget, every AI result carries a warning (``usage.warnings``) and stderr logs it once per
  budget and period (a long expand_all would otherwise log it for every task).
- A call whose price is unknown adds nothing to any budget, and never silently: the call's result says so, and a
  budget whose period holds such calls says how many (in warnings, refusals and ``usage_report``).
- User prices (``costPer1M``, USD per 1M tokens ``{"input", "output", "cachedInput"?}``) keyed by
  ``provider/modelId``, else by role name, replace the catalogue's; that is how a custom or local model gets a cost.
- Periods of reports are UTC dates: ``last-week`` is the 7 days ending today, ``last-month`` the 30 days ending
  today, ``YYYY-MM`` a calendar month; ``until`` ends any of them earlier.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel

from taskmaster_mcp.errors import BudgetExceeded, InvalidInput
from taskmaster_mcp.models.catalogue import ROLE_NAMES, ModelInfo
from taskmaster_mcp.models.ledger import Entry, Ledger, LedgerReport
from taskmaster_mcp.models.usage import Usage
from taskmaster_mcp.store.settings import Budgets, CostControls, Price

log = logging.getLogger(__name__)
WHERE = "in .taskmaster/config.json"


class BudgetStatus(BaseModel):
    """One budget over its current period: what is spent of the limit, and calls of unknown cost left out."""

    budget: str  # the setting, e.g. budgets.dailyUsd or budgets.perCommandUsd.research.monthlyUsd
    period: str  # YYYY-MM-DD or YYYY-MM (UTC)
    limitUsd: float
    spentUsd: float
    used: float  # spent / limit (1.0 = reached)
    unknownCostCalls: int = 0


def user_price(
    info: ModelInfo | None, provider: str, model_id: str, role: str, prices: dict[str, Price]
) -> ModelInfo | None:
    """``info`` with the user's price for this model (``provider/modelId``) or role, when one is configured."""
    price = prices.get(f"{provider}/{model_id}") or prices.get(role)
    if price is None:
        return info
    base = info or ModelInfo(provider, model_id, None, None, None, None, None, ROLE_NAMES, False)
    return replace(base, input_price=price.input, output_price=price.output, cached_input_price=price.cached)


def base_command(command: str) -> str:
    """The command a ledger entry counts for: ``expand_all:research`` -> ``expand_all``."""
    return command.split(":", 1)[0]


def _limits(budgets: Budgets, controls: CostControls, command: str | None) -> list[tuple[str, str, float]]:
    """(setting, "day" or "month", USD) of every budget that applies (to ``command``; all of them when None)."""
    found: list[tuple[str, str, float]] = []
    for name, cap in [("budgets", budgets)] + [
        (f"budgets.perCommandUsd.{c}", b) for c, b in controls.per_command.items() if command is None or c == command
    ]:
        for key, span, limit in (("dailyUsd", "day", cap.daily_usd), ("monthlyUsd", "month", cap.monthly_usd)):
            if limit is not None:
                found.append((f"{name}.{key}", span, limit))
    return found


def statuses(
    entries: list[Entry],
    budgets: Budgets,
    controls: CostControls,
    command: str | None = None,
    now: datetime | None = None,
) -> list[BudgetStatus]:
    """Every budget that applies (to ``command``, or all) over its current UTC period."""
    moment = now or datetime.now(UTC)
    day, month = moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m")
    result: list[BudgetStatus] = []
    for setting, span, limit in _limits(budgets, controls, command):
        period = day if span == "day" else month
        scoped = setting.startswith("budgets.perCommandUsd.")
        name = setting.split(".")[2] if scoped else ""
        chosen = [e for e in entries if e.ts.startswith(period) and (not scoped or base_command(e.command) == name)]
        spent = sum(e.cost_usd or 0.0 for e in chosen)
        unknown = sum(1 for e in chosen if e.cost_usd is None and e.outcome == "ok")
        result.append(
            BudgetStatus(
                budget=setting,
                period=period,
                limitUsd=limit,
                spentUsd=round(spent, 6),
                used=round(spent / limit, 4) if limit else 1.0,
                unknownCostCalls=unknown,
            )
        )
    return result


def _unknown(status: BudgetStatus) -> str:
    if not status.unknownCostCalls:
        return ""
    return (
        f"; {status.unknownCostCalls} call(s) of unknown cost in this period are not counted (set "
        "taskmasterMcp.costPer1M for their models)"
    )


def _refused(setting: str, spent: float, held: float, limit: float, when: str) -> BudgetExceeded:
    return BudgetExceeded(
        f"AI budget reached: ${spent:.4g} spent {when} and ${held:.4g} reserved by requests under way, of a "
        f"${limit:g} limit (taskmasterMcp.{setting}). No model was called for this request. Raise it {WHERE}, or "
        "remove it, to continue."
    )


def _when(status: BudgetStatus) -> str:
    return f"today ({status.period}, UTC)" if len(status.period) == 10 else f"in {status.period} (UTC)"


@dataclass(frozen=True, eq=False)
class Hold:
    """One request's reserved cost, counted for its command until it is settled."""

    command: str
    usd: float


class SpendGuard:
    """Refuses calls past a per-command cap, reserves each request's cost (``reserve`` / ``settle``), and words
    the warnings past ``warnAt``; logs each warning once."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._logged: set[str] = set()
        self._held: list[Hold] = []
        self._settled = asyncio.Event()  # set whenever a reservation is settled

    async def reserve(
        self, command: str, budgets: Budgets, controls: CostControls, usd: float, deadline: float
    ) -> Hold | None:
        """Reserve ``usd`` for one request of ``command``. While only requests under way stand between what is
        spent and a budget, wait for them to settle (until ``deadline``, monotonic), then decide again; once what is
        spent has reached a budget, BudgetExceeded. None (nothing to settle) when no budget applies."""
        base = base_command(command)
        if not _limits(budgets, controls, base):
            return None
        while True:
            try:
                return self._reserve(base, budgets, controls, usd)
            except BudgetExceeded:
                if not self._held or time.monotonic() >= deadline:
                    raise
            self._settled.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await self._settled.wait()

    def _reserve(self, base: str, budgets: Budgets, controls: CostControls, usd: float) -> Hold:
        now = None
        held = sum(h.usd for h in self._held)
        today, month = self.ledger.spend(now)
        for spent, limit, key, period in (
            (today, budgets.daily_usd, "dailyUsd", "today (UTC)"),
            (month, budgets.monthly_usd, "monthlyUsd", "this month (UTC)"),
        ):
            if limit is not None and spent + held >= limit:
                raise _refused(f"budgets.{key}", spent, held, limit, period)
        if base in controls.per_command:
            mine = sum(h.usd for h in self._held if h.command == base)
            for status in statuses(self.ledger.entries(), Budgets(), controls, base, now):
                if status.spentUsd + mine >= status.limitUsd:
                    raise _refused(status.budget, status.spentUsd, mine, status.limitUsd, _when(status))
        hold = Hold(base, usd)
        self._held.append(hold)
        return hold

    def settle(self, hold: Hold | None) -> None:
        """Release a reservation: the request ended (what it cost is in the ledger now)."""
        if hold is not None and hold in self._held:
            self._held.remove(hold)
            self._settled.set()

    def check(self, command: str, budgets: Budgets, controls: CostControls, now: datetime | None = None) -> None:
        """Raise BudgetExceeded when a daily/monthly budget or this command's cap is reached (no model called)."""
        try:
            self.ledger.check_budget(budgets, now)
        except BudgetExceeded as err:
            unknown = [
                s for s in statuses(self.ledger.entries(), budgets, CostControls(), None, now) if s.unknownCostCalls
            ]
            raise BudgetExceeded(str(err) + (_unknown(unknown[0]) if unknown else "")) from None
        if base_command(command) not in controls.per_command:
            return
        for status in statuses(self.ledger.entries(), Budgets(), controls, base_command(command), now):
            if status.spentUsd >= status.limitUsd:
                raise BudgetExceeded(
                    f"AI budget for {base_command(command)} reached: ${status.spentUsd:g} spent {_when(status)} of a "
                    f"${status.limitUsd:g} cap{_unknown(status)}. No model was called. Raise "
                    f"taskmasterMcp.{status.budget} {WHERE}, or remove it, to continue."
                )

    def warnings(
        self, command: str, budgets: Budgets, controls: CostControls, usage: Usage, now: datetime | None = None
    ) -> list[str]:
        """The warnings for a call's result: budgets past ``warnAt``, and a cost that counts against none."""
        found: list[tuple[str, str]] = []  # (what it is about, for logging once; the message)
        limits = _limits(budgets, controls, base_command(command))
        if usage.cost_usd is None and limits:
            model = f"{usage.provider}/{usage.model}"
            found.append(
                (
                    model,
                    f"this call's cost is unknown (no price for {model}), so it counts against no "
                    f'budget; set taskmasterMcp.costPer1M["{model}"] = {{"input": ..., "output": '
                    f"...}} (USD per 1M tokens) {WHERE} to count it.",
                )
            )
        if limits:
            for status in statuses(self.ledger.entries(), budgets, controls, base_command(command), now):
                if status.used >= controls.warn_at:
                    found.append(
                        (
                            f"{status.budget}@{status.period}",
                            f"AI spend at {status.used:.0%} of taskmasterMcp.{status.budget}: "
                            f"${status.spentUsd:g} of ${status.limitUsd:g} {_when(status)}{_unknown(status)}. "
                            + (
                                "The next call is refused"
                                if status.used >= 1
                                else "Calls are refused once it is reached"
                            )
                            + f"; raise it {WHERE} to allow more.",
                        )
                    )
        for key, message in found:
            if key not in self._logged:
                self._logged.add(key)
                log.warning("%s", message)
        return [message for _, message in found]


def period_bounds(
    period: str | None, since: str | None, until: str | None, today: date | None = None
) -> tuple[str | None, str | None]:
    """(since, until) as YYYY-MM-DD (inclusive, None = open) for ``usage_report``; InvalidInput on a bad value."""
    day = today or datetime.now(UTC).date()
    for name, value in (("since", since), ("until", until)):
        if value is not None and _date(value) is None:
            raise InvalidInput(f"{name} '{value[:40]}' is not a date. Use YYYY-MM-DD, e.g. 2026-11-01.")
    if since is not None and until is not None and until < since:
        raise InvalidInput(f"until {until} is before since {since}; pass an until on or after since.")
    if period is None:
        return since, until
    if since is not None:
        raise InvalidInput("Pass either period or since, not both (until may end either).")
    end = date.fromisoformat(until) if until else day
    if period in ("last-week", "last-month"):
        start = end - timedelta(days=6 if period == "last-week" else 29)
        return start.isoformat(), end.isoformat()
    first = _date(f"{period}-01") if re.fullmatch(r"\d{4}-\d{2}", period) else None
    if first is None:
        raise InvalidInput(f"period '{period[:40]}' is not one of last-week, last-month or YYYY-MM (e.g. 2026-11).")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if until and end < first:
        raise InvalidInput(f"until {until} is before the period {period} starts; pass a later until.")
    return first.isoformat(), min(last, end).isoformat() if until else last.isoformat()


def _date(text: str) -> date | None:
    """``text`` as a real calendar date in YYYY-MM-DD (None for 2026-02-30, 0000-01-01 or any other form); years
    1000-9998 only, so a period's first and last days stay within the calendar ``date`` can count."""
    if not re.fullmatch(r"[1-9]\d{3}-\d{2}-\d{2}", text) or text >= "9999":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def add_shares(report: LedgerReport) -> LedgerReport:
    """Fill each role's and model's share of the total cost (None when nothing was spent) and of the calls."""
    total = report.total
    for groups in (report.by_role, report.by_model):
        for stats in groups.values():
            stats.cost_share = round(stats.cost_usd / total.cost_usd, 4) if total.cost_usd else None
            stats.call_share = round(stats.calls / total.calls, 4) if total.calls else None
    return report
