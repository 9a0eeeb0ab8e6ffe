"""SIGKILL during writes on a large project, many times: tasks.json stays valid, acknowledged writes survive, and the
next write leaves no stray temp file. (Not timed; tests/bench/bench_crash.py runs more rounds and prints counts.)"""

from __future__ import annotations

from pathlib import Path

from crash_helpers import crash_rounds, large_project
from servers import console_script


def test_killing_the_server_mid_write_never_corrupts_loses_acknowledged_writes_or_leaves_temp_files(
    tmp_path: Path,
) -> None:
    root = large_project(tmp_path / "big", tasks=1500)
    report = crash_rounds([console_script()], root, rounds=10, writes=30)
    assert report.problems == []
    assert report.rounds == 10 and report.acknowledged > 0
    assert report.temp_files_after_next_write == 0
