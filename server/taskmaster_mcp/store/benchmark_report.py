"""The model benchmark report (``.taskmaster/reports/model-benchmark.json``), read leniently for display.

Written by ``benchmark_models`` with the shape ``{"generatedAt", "candidates": [{"role", "provider", "modelId",
"runs", "validFirstTry", "reasks", "failures", "latencyMs": {"p50", "p95"}, "inputTokens", "outputTokens",
"costUsd", "quality"}]}``. Only a view reads it here, so a missing file is None and a malformed one is None plus a
logged warning: a broken report must never break the dashboard. Candidates that are not objects are skipped; the
known fields are passed through only when they have the documented JSON type, so an odd value shows as blank.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from taskmaster_mcp.store.paths import Paths

log = logging.getLogger("taskmaster_mcp")

REPORT_NAME = "model-benchmark.json"
_NUMBERS = ("runs", "validFirstTry", "reasks", "failures", "inputTokens", "outputTokens", "costUsd", "quality")
_TEXTS = ("role", "provider", "modelId")


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
    path = paths.reports_dir / REPORT_NAME
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
    candidates = [_candidate(cast(dict[str, Any], c)) for c in cast(list[Any], report["candidates"])
                  if isinstance(c, dict)]
    return {"generatedAt": generated if isinstance(generated, str) else None, "candidates": candidates}
