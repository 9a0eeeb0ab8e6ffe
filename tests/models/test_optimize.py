"""`models --optimize` without MCP: candidates need a key, evidence comes from catalogue, ledger and benchmark."""

from __future__ import annotations

import json
from pathlib import Path

from taskmaster_mcp.models.ledger import GroupStats
from taskmaster_mcp.models.optimize import candidates, propose, read_benchmark
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.paths import Paths

KEYS = {"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-test"}
CONFIG = Config(
    raw={
        "models": {
            "main": {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514"},
            "fallback": {"provider": "openai", "modelId": "gpt-4o"},
        }
    }
)


def test_only_models_whose_provider_has_a_key_are_candidates(tmp_path: Path) -> None:
    found = candidates(Paths(tmp_path), {"OPENAI_API_KEY": "sk-test"}, {}, {})
    assert found and {c.info.provider for c in found} == {"openai"}
    assert candidates(Paths(tmp_path), {"OPENAI_API_KEY": "YOUR_OPENAI_API_KEY_HERE"}, {}, {}) == []


def test_speed_prefers_measured_latency_and_skips_models_that_mostly_fail(tmp_path: Path) -> None:
    ledger = {
        "openai/gpt-4o-mini": GroupStats(calls=20, p50_latency_ms=400.0),
        "anthropic/claude-haiku-4-5-20251001": GroupStats(calls=20, p50_latency_ms=300.0, errors=15, error_rate=0.75),
        "openai/gpt-4.1-nano": GroupStats(calls=20, p50_latency_ms=650.0),
    }
    proposal, chosen = propose(CONFIG, Paths(tmp_path), KEYS, "speed", ledger)
    changes = {c.role: c for c in proposal.changes}
    assert changes["main"].after == "openai/gpt-4o-mini" and "speed: p50 400 ms" in changes["main"].reason
    assert chosen["main"].info.id == "gpt-4o-mini"
    assert changes["fallback"].after.startswith("anthropic/")  # another provider than main's
    assert "ledger (60 calls)" in proposal.evidence


def test_a_malformed_benchmark_is_ignored_and_a_valid_one_outranks_the_catalogue(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    paths.reports_dir.mkdir(parents=True)
    (paths.reports_dir / "model-benchmark.json").write_text("{not json")
    assert read_benchmark(paths.reports_dir / "model-benchmark.json") is None
    proposal, _ = propose(CONFIG, paths, {"ANTHROPIC_API_KEY": "sk-ant-test"}, "quality", {})
    assert proposal.changes[0].after == "anthropic/claude-opus-4-5-20251101"  # Anthropic's best SWE score
    (paths.reports_dir / "model-benchmark.json").write_text(
        json.dumps(
            {"candidates": [{"provider": "openai", "modelId": "gpt-5", "quality": 0.95}, "junk", {"provider": 3}]}
        )
    )
    proposal, _ = propose(CONFIG, paths, KEYS, "quality", {})
    main = next(c for c in proposal.changes if c.role == "main")
    assert main.after == "openai/gpt-5" and main.reason.startswith("quality: quality 0.950")
    assert "benchmark (1 candidates)" in proposal.evidence
