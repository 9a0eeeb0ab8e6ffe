"""What the dashboard's JSON endpoints answer: one project's board, task, graph and model figures, and a card move.

Every answer is built by the plain functions below the face (``tasks.board``, ``tasks.layout``,
``models.performance``, ``store.benchmark_report``); this module only opens the files and assembles them.
Decisions:

- **A move is ``set_task_status``'s operation** (:func:`taskmaster_mcp.store.status.set_status`), same locks,
  exactly as the tool does, so it changes one value (plus, for done, the open subtasks it closes, as the tool does),
  refuses a bad status or id with the tool's message, and leaves the file byte-identical when refused.
  ``expected`` (the status the card showed) makes a move from a stale page a conflict instead of a silent overwrite.
- **The tag switcher only changes what the page shows**; it never writes state.json's ``currentTag``, because that
  is what every agent on the project acts on.
- **Claims are read on every board request** (``tasks.claims.claim_rows``), not kept with the memoised columns:
  a lease runs out without any write. ``now`` lets the page count the lease left down between updates.
- **Nothing secret is read**: model figures come from the ledger (which never holds keys or prompts) and the roles
  show provider and model id only, never a base URL (which can carry credentials) or a key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.models.ledger import Ledger
from taskmaster_mcp.models.performance import budget_rows, cost_by_day, model_rows
from taskmaster_mcp.store.benchmarks import read_benchmark_report
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.reports import scores_by_task
from taskmaster_mcp.store.settings import settings_from_config
from taskmaster_mcp.store.status import set_status
from taskmaster_mcp.tasks.board import board, task_view
from taskmaster_mcp.tasks.claims import claim_rows, stamp
from taskmaster_mcp.tasks.document import DEFAULT_TAG
from taskmaster_mcp.tasks.layout import layout
from taskmaster_mcp.tasks.model import TagIndex, parse_ref


class DashboardData:
    """The dashboard's view of one project (its own TaskStore: reads are cached, writes locked like every tool)."""

    def __init__(self, project: Project, env: Mapping[str, str]) -> None:
        self.project = project
        self.ledger = Ledger(project.paths.root, env=env)

    def _tag(self, requested: str | None) -> tuple[str, list[str], str]:
        """(tag to show, every tag, the project's current tag)."""
        self.project.store.require_initialized()
        doc = self.project.store.read()
        current = self.project.tag(None)
        tags = doc.tags() or [DEFAULT_TAG]
        return requested or current, tags, current

    def board(self, tag: str | None) -> dict[str, Any]:
        """Board columns for the tag, with the tag list for the switcher."""
        shown, tags, current = self._tag(tag)
        now = datetime.now(UTC)  # leases run out between writes: the claims are read on every request
        held = claim_rows(self.project.store.read().index(shown), now)
        return {
            **self._memo("dashboard-board", shown, board),
            "tags": tags,
            "currentTag": current,
            "claims": held,
            "now": stamp(now),
        }

    def task(self, tag: str | None, task_id: str) -> dict[str, Any]:
        """One task in full (NotFound, saying how to list ids, for an unknown one)."""
        shown, _, _ = self._tag(tag)
        index = self.project.store.read().index(shown)
        task = index.task(parse_ref(task_id).task)
        return task_view(index, task, scores_by_task(self.project.paths, shown).get(task_id))

    def graph(self, tag: str | None) -> dict[str, Any]:
        """The laid-out dependency graph of the tag with its critical path."""
        shown, _, _ = self._tag(tag)
        return self._memo("dashboard-graph", shown, layout)

    def _memo(self, name: str, tag: str, build: Callable[[TagIndex], dict[str, Any]]) -> dict[str, Any]:
        """``build`` of the tag, kept on the document read: computed once per version of tasks.json."""
        doc = self.project.store.read()
        cached = doc.memo.get((name, tag))
        if cached is None:
            cached = doc.memo[(name, tag)] = build(doc.index(tag))
        return cached

    def models(self) -> dict[str, Any]:
        """Per role and model figures, cost per day, budgets against spend, roles, the latest benchmark report."""
        entries = self.ledger.entries()
        problems: list[str] = []
        budgets: list[dict[str, Any]] = []
        roles: list[dict[str, Any]] = []
        try:
            config = self.project.config()
            today, month = self.ledger.spend()
            budgets = budget_rows(settings_from_config(config).budgets, today, month)
            for role in config.role_names():  # Task Master's roles, then the extra roles
                chosen = config.role(role)
                if chosen is not None:
                    roles.append({"role": role, "provider": chosen.provider, "modelId": chosen.model_id})
        except ConfigError as err:
            problems.append(str(err))
        return {
            "rows": model_rows(entries),
            "costByDay": cost_by_day(entries),
            "budgets": budgets,
            "roles": roles,
            "benchmark": read_benchmark_report(self.project.paths),
            "calls": len(entries),
            "problems": problems,
        }

    def move(self, tag: str | None, task_id: str, status: str, expected: str | None) -> dict[str, Any]:
        """Set one task's (or subtask's) status through set_task_status's core; the ids changed."""
        if not isinstance(task_id, str) or not isinstance(status, str) or not task_id or not status:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise InvalidInput('Send JSON {"id": "7", "status": "done"} (and optionally tag, expected).')
        shown, _, _ = self._tag(tag)
        changed = set_status(self.project, shown, [parse_ref(task_id)], status, expected=expected).changed
        return {"tag": shown, "changed": changed, "status": status}
