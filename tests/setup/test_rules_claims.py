"""The rule files ``init`` writes teach agents the claim loop (claim -> work -> done) for parallel work, in the
tools' real names and parameters."""

from __future__ import annotations

import inspect
from pathlib import Path

from taskmaster_mcp.mcp_server.tools import claims, read
from taskmaster_mcp.setup.rules import write_rules


def test_the_rules_teach_the_claim_loop_with_the_tools_real_parameters(tmp_path: Path) -> None:
    write_rules(tmp_path, "claude-code")
    text = (tmp_path / "CLAUDE.md").read_text(encoding="utf-8")
    loop = text[text.index("### Working in parallel with other agents") :]
    claim, work, done = (loop.index(f"**{step}**") for step in ("Claim", "Work", "Done"))
    assert claim < work < done
    for phrase in ("`claim: true`", '`agent: "<your name>"`', "`leaseMinutes`", "`count: N`", "`parallel: true`"):
        assert phrase in loop
    assert "`set_task_status` `done` releases the claim" in loop and "`release_task`" in loop
    next_task = inspect.signature(read.next_task).parameters
    assert {"claim", "agent", "leaseMinutes", "count"} <= set(next_task)
    assert "parallel" in inspect.signature(read.get_tasks).parameters
    assert "id" in inspect.signature(claims.release_task).parameters
