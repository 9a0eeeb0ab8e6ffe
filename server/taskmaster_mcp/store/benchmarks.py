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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from taskmaster_mcp.errors import StoreError
from taskmaster_mcp.store.files import dumps, load_json, project_lock, write_atomic
from taskmaster_mcp.store.paths import Paths

REPORT_NAME = "model-benchmark.json"


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


def read_benchmark_report(paths: Paths) -> dict[str, Any] | None:
    """The last report, or None when there is none; StoreError naming the fix when it is not a JSON object."""
    path = benchmark_report_path(paths)
    if not path.is_file():
        return None
    data, _ = load_json(path)
    if not isinstance(data, dict):
        raise StoreError(f"{path} is not a JSON object; delete it and run `taskmaster-mcp benchmark` again.")
    return cast(dict[str, Any], data)
