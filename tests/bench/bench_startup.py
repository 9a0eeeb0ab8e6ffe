"""Cold start, context cost and memory at start.

- Cold start: spawn -> initialize -> tools/list answered, median of N interleaved runs, as a ratio against a bare
  MCPServer with one trivial tool measured in the same run (target <= 1.0x). Reported for a normal start (the
  tools/list cache of an earlier start exists) and for the very first start (no cache).
- Context cost: the exact bytes of the tools/list JSON-RPC response line, per tool profile (targets: the 25 data
  tools <= 9,000 bytes; every tool well under Task Master's 39,000 for its 44 tools; its 7 core tools: 6,900).
- Memory: peak RSS of the server after start (target <= 90 MB).

Run: python tests/bench/bench_startup.py [runs]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))  # rpc, the shared helpers

from rpc import Session, baseline_command, server_command


def time_to_tools(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Seconds from spawn to the tools/list answer, the response size in bytes, and peak RSS (MB)."""
    session = Session(command, cwd, env)
    try:
        session.initialize()
        session.request("tools/list")
        elapsed = time.perf_counter() - session.started
        return elapsed, len(session.last_raw.rstrip(b"\n")), session.peak_rss_mb()
    finally:
        session.close()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        project = tmp / "project"
        (project / ".taskmaster" / "tasks").mkdir(parents=True)
        base_cmd, ours_cmd = baseline_command(tmp), server_command()
        time_to_tools(base_cmd, project)  # warm the OS file cache for both before measuring
        time_to_tools(ours_cmd, project)
        base_times: list[float] = []
        our_times: list[float] = []
        first_times: list[float] = []
        rss: list[float] = []
        cache = {"TASKMASTER_MCP_CACHE_DIR": str(tmp / "tool-cache")}
        time_to_tools(ours_cmd, project, cache)  # the first start ever writes the tools/list cache
        for n in range(runs):
            base_times.append(time_to_tools(base_cmd, project)[0])
            elapsed, _, peak = time_to_tools(ours_cmd, project, cache)
            our_times.append(elapsed)
            rss.append(peak)
            first_times.append(time_to_tools(ours_cmd, project, {"TASKMASTER_MCP_CACHE_DIR": str(tmp / f"c{n}")})[0])
        base, ours, first = (
            statistics.median(base_times),
            statistics.median(our_times),
            statistics.median(first_times),
        )
        print(f"cold start (spawn -> tools/list), median of {runs} interleaved runs")
        print(f"  bare MCPServer, 1 tool          : {base * 1000:7.1f} ms")
        print(
            f"  taskmaster-mcp                  : {ours * 1000:7.1f} ms   ratio {ours / base:.2f}x  (target <= 1.00x)"
        )
        print(
            f"  taskmaster-mcp, first start ever: {first * 1000:7.1f} ms   ratio {first / base:.2f}x  "
            "(no tools/list cache yet: every tool's schema is built)"
        )
        print(f"memory: peak RSS after start {statistics.median(rss):.1f} MB  (target <= 90 MB)")
        print("context cost: tools/list response bytes (the JSON-RPC line on stdout)")
        data_tools = (
            "get_tasks,get_task,next_task,set_task_status,add_task,add_subtask,update_task,update_subtask,"
            "remove_task,remove_subtask,clear_subtasks,move_task,add_dependency,remove_dependency,"
            "validate_dependencies,fix_dependencies,list_tags,add_tag,use_tag,delete_tag,rename_tag,"
            "copy_tag,initialize_project,complexity_report,generate"
        )
        profiles = {
            "core": "core",
            "standard": "standard",
            "data tools": data_tools,
            "default": "default",
            "all": "all",
        }
        sizes = {}
        for label, profile in profiles.items():
            session = Session(ours_cmd, project, {"TASK_MASTER_TOOLS": profile})
            try:
                session.initialize()
                listed = session.request("tools/list")
                sizes[label] = (
                    len(listed["result"]["tools"]),
                    len(session.last_raw.rstrip(b"\n")),
                    len(json.dumps(listed["result"]["tools"], separators=(",", ":"))),
                )
            finally:
                session.close()
        for label, (count, wire, tools_only) in sizes.items():
            print(f"  {label:<14} {count:3d} tools  {wire:6d} bytes on the wire  ({tools_only} bytes of tool JSON)")


if __name__ == "__main__":
    main()
