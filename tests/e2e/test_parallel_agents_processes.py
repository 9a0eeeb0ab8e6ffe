"""Agents in separate processes on one plan: each task handed out exactly once and never before its dependencies
are done, whether every agent runs its own stdio server, all share one HTTP server, or they mix; an agent killed
mid-task loses its task to another only when its lease runs out."""

from __future__ import annotations

from pathlib import Path

from agent_loop import HttpAgent, check, layered_plan, run_agents, stdio_env
from rpc import Session, server_command
from servers import TOKEN, serving


def stdio_agents(root: Path, names: list[str]) -> dict[str, Session]:
    sessions = {name: Session(server_command(), root, stdio_env(root)) for name in names}
    for session in sessions.values():
        session.initialize()
    return sessions


def test_four_stdio_agents_share_twelve_tasks_each_once_and_in_dependency_order(tmp_path: Path) -> None:
    tasks = layered_plan(tmp_path, layers=3, width=4)
    sessions = stdio_agents(tmp_path, ["a", "b", "c", "d"])
    try:
        log, _ = run_agents({n: s.call for n, s in sessions.items()}, tasks, work=0.05)
    finally:
        for session in sessions.values():
            session.close()
    assert check(log, tasks) == []
    assert len(log.claimed) == 12 and len({agent for _, agent, _ in log.claimed}) > 1


def test_http_and_stdio_agents_mixed_on_one_plan(tmp_path: Path) -> None:
    tasks = layered_plan(tmp_path, layers=3, width=4)
    with serving(tmp_path, env={"TASKMASTER_MCP_TOKEN": TOKEN}) as url:
        http = {name: HttpAgent(url, TOKEN) for name in ("h1", "h2")}
        sessions = stdio_agents(tmp_path, ["s1", "s2"])
        try:
            calls = {**{n: a.call for n, a in http.items()}, **{n: s.call for n, s in sessions.items()}}
            log, _ = run_agents(calls, tasks, work=0.05)
        finally:
            for session in sessions.values():
                session.close()
            for agent in http.values():
                agent.close()
    assert check(log, tasks) == []


def test_an_agent_killed_mid_task_loses_it_to_another_after_its_lease_and_nothing_is_lost(tmp_path: Path) -> None:
    tasks = layered_plan(tmp_path, layers=2, width=2)
    sessions = stdio_agents(tmp_path, ["doomed", "survivor"])
    try:
        calls = {n: s.call for n, s in sessions.items()}
        # the doomed agent claims one task on a 0.02-minute (1.2 s) lease and vanishes without finishing it
        log, _ = run_agents(calls, tasks, work=0.05, doomed={"stop_after": 1, "lease": 0.02}, survivor={"lease": 0.02})
    finally:
        for session in sessions.values():
            session.close()
    lost = next(tid for _, agent, tid in log.claimed if agent == "doomed")
    assert check(log, tasks, taken_over={lost}) == []
    assert [agent for _, agent, tid in log.claimed if tid == lost] == ["doomed", "survivor"]
