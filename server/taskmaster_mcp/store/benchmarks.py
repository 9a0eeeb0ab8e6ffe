"""The model benchmark report, ``.taskmaster/reports/model-benchmark.json``: its one owner (write and read).

Written by ``benchmark_models`` (``ai/benchmark.py``), read by the dashboard and by ``models --optimize``. Shape::

    {"generatedAt": iso-8601, "project": str, "tasks": int,
     "candidates": [{"role": str|null, "provider": str, "modelId": str, "runs": int, "validFirstTry": 0..1,
                     "reasks": int, "failures": int, "latencyMs": {"p50": float, "p95": float},
                     "inputTokens": int, "outputTokens": int, "costUsd": float|null, "quality": 0..1,
                     "checks": {check: 0..1}}],
     "ranking": [modelId, ...]}

Each run replaces the report whole (atomic write under the project lock); a refused or failed benchmark leaves
the previous report as it was.

Readers only display or advise from it, so it is read leniently: a missing file is None, and a malformed one is None
plus a logged warning (a broken report must never break the dashboard or ``models --optimize``). Candidates that
are not objects are skipped; known fields pass through only with their documented JSON type, so an odd value shows
as blank.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.store.files import dumps, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths

log = logging.getLogger("taskmaster_mcp")

REPORT_NAME = "model-benchmark.json"
_NUMBERS = ("runs", "validFirstTry", "reasks", "failures", "inputTokens", "outputTokens", "costUsd", "quality")
_TEXTS = ("role", "provider", "modelId")


def benchmark_report_path(paths: Paths) -> Path:
    """Where the model benchmark report lives."""
    return paths.reports_dir / REPORT_NAME


def write_benchmark_report(paths: Paths, report: dict[str, Any]) -> Path:
    """Replace the report atomically; return its path."""
    path = benchmark_report_path(paths)
    with project_lock(paths.taskmaster):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, dumps(report, trailing_newline=True))
    return path


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _candidate(raw: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {k: raw[k] if isinstance(raw.get(k), str) else None for k in _TEXTS}
    row.update({k: _number(raw.get(k)) for k in _NUMBERS})
    latency = raw.get("latencyMs")
    spread = cast(dict[str, Any], latency) if isinstance(latency, dict) else {}
    row["latencyMs"] = {"p50": _number(spread.get("p50")), "p95": _number(spread.get("p95"))}
    return row


def read_benchmark_report(paths: Paths) -> dict[str, Any] | None:
    """``{"generatedAt", "candidates"}`` from the report, or None when there is none or it cannot be read."""
    path = benchmark_report_path(paths)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.warning("ignoring the model benchmark report %s: %s", path, err)
        return None
    if not isinstance(data, dict) or not isinstance(cast(dict[str, Any], data).get("candidates"), list):
        log.warning("ignoring the model benchmark report %s: no candidates list", path)
        return None
    report = cast(dict[str, Any], data)
    generated = report.get("generatedAt")
    candidates = [
        _candidate(cast(dict[str, Any], c)) for c in cast(list[Any], report["candidates"]) if isinstance(c, dict)
    ]
    return {"generatedAt": generated if isinstance(generated, str) else None, "candidates": candidates}
