"""The command line for people: tasks, AI commands, models, usage, init, doctor; --json, colours, exit codes.

Most commands run in process (``cli.run(argv, env)``, output captured); a few run the installed script to pin what a
user's shell sees.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json
from provider_server import MESSAGES, ProviderServer, Reply
from taskmaster_mcp.cli import main as cli_module
from test_stdio import console_script


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script(), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})})


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str, env: dict[str, str] | None = None,
        ) -> tuple[int, str, str]:
    """Run the CLI in process against ``root``; return (exit code, stdout, stderr)."""
    code = cli_module.run(["-C", str(root), *args], env={"HOME": str(root), **(env or {})})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_init_creates_a_project_that_list_then_reads(tmp_path: Path) -> None:
    created = cli(tmp_path, "init", "--json")
    listed = cli(tmp_path, "list", "--json")
    assert created.returncode == 0, created.stderr
    assert ".taskmaster/tasks/tasks.json" in json.loads(created.stdout)["created"]
    assert json.loads(listed.stdout)["tasks"] == []


def test_list_show_next_and_set_status_work_on_a_real_project(capsys: pytest.CaptureFixture[str],
                                                              messy_project: Path) -> None:
    listed = json.loads(run(capsys, messy_project, "list", "--json", "--status", "pending")[1])
    shown = json.loads(run(capsys, messy_project, "show", "4.3", "--json")[1])
    nxt = json.loads(run(capsys, messy_project, "next", "--json")[1])
    code, out, _ = run(capsys, messy_project, "set-status", "3.2", "done")
    assert [t["id"] for t in listed["tasks"]] == [4, 8]
    assert shown["tasks"][0]["status"] == "blocked"
    assert nxt["next"]["id"] == "3.2"
    assert code == 0 and "1 item(s) set to done" in out


def test_text_output_is_a_readable_table_without_colour_codes_when_piped(messy_project: Path) -> None:
    out = cli(messy_project, "list").stdout
    row = next(line for line in out.splitlines() if "HTTP API [0/3]" in line)
    assert "Tag master: 8 tasks, 25.0% done" in out
    assert "pending" in row and "<- 3" in row
    assert "\x1b[" not in out


def test_colour_on_a_terminal_and_none_with_no_color(messy_project: Path) -> None:
    coloured = cli(messy_project, "list", env={"FORCE_COLOR": "1"}).stdout
    plain = cli(messy_project, "list", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[31m" in coloured or "\x1b[1;31m" in coloured  # blocked / high priority in red
    assert "\x1b[31m" not in plain and "\x1b[1;31m" not in plain


def test_add_then_graph_as_mermaid_and_dot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, tmp_path, "init", "--json")[0] == 0
    code, out, _ = run(capsys, tmp_path, "add", "--title", "Schema", "--priority", "high", "--json")
    run(capsys, tmp_path, "add", "--title", "API", "--dependencies", "1")
    _, mermaid, _ = run(capsys, tmp_path, "graph", "--json")
    _, dot, _ = run(capsys, tmp_path, "graph", "--format", "dot")
    assert code == 0 and json.loads(out)["task"]["priority"] == "high"
    assert json.loads(mermaid)["graph"].startswith("flowchart TD") and "t1 --> t2" in json.loads(mermaid)["graph"]
    assert dot.startswith("digraph tasks {") and "t1 -> t2;" in dot


def test_add_without_a_title_or_prompt_fails_with_the_fix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, tmp_path, "init")
    code, out, err = run(capsys, tmp_path, "add")
    assert code == 1 and "--title" in err and out == ""


def test_a_tool_this_server_lacks_is_reported_cleanly(tmp_path: Path) -> None:
    with pytest.raises(cli_module.CommandFailed, match="tool no_such_tool is not available"):
        asyncio.run(cli_module.call("no_such_tool", {}, str(tmp_path), env={}))


def test_parse_prd_shows_the_result_and_a_usage_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / "prd.md").write_text("# PRD\nA bookmarks app with accounts.\n", encoding="utf-8")
    plan = as_json({"tasks": [
        {"id": 1, "title": "Project skeleton", "description": "Skeleton.", "details": "How.", "testStrategy": "T.",
         "priority": "high", "dependencies": []},
        {"id": 2, "title": "Accounts", "description": "Accounts.", "details": "How.", "testStrategy": "T.",
         "priority": "medium", "dependencies": [1]}]})
    provider_server.script(MESSAGES, Reply(text=plan), Reply(text=plan))
    code, out, err = run(capsys, root, "parse-prd", "prd.md", "--num-tasks", "2", env=ai_env(tmp_path))
    code_json, out_json, _ = run(capsys, root, "parse-prd", "prd.md", "--force", "--json", env=ai_env(tmp_path))
    data = json.loads(out_json)
    assert code == 0 and "Project skeleton" in out and "Accounts" in out
    assert "usage: 1 call(s)" in err and MAIN_MODEL in err and "in /" in err and "$" in err
    assert code_json == 0 and [t["id"] for t in data["created"]] == [1, 2]
    assert data["usage"]["calls"] == 1 and data["usage"]["inputTokens"] > 0


def test_expand_asks_the_model_and_reports_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 provider_server: ProviderServer, shared_fixtures: Path) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    subtasks = as_json({"subtasks": [
        {"id": n, "title": f"Step number {n}", "description": "Do it.", "details": "How.", "dependencies": []}
        for n in (1, 2)]})
    provider_server.script(MESSAGES, Reply(text=subtasks))
    code, out, err = run(capsys, root, "expand", "4", "--num", "2", "--force", "--json", env=ai_env(tmp_path))
    assert code == 0, err
    data = json.loads(out)
    assert data["usage"]["calls"] >= 1
    assert "Step number 1" in json.dumps(data)


def test_expand_without_an_id_or_all_is_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, tmp_path, "expand")[0] == 2


def test_models_and_usage_read_the_project(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    code, out, _ = run(capsys, root, "models", "--json", env=ai_env(tmp_path))
    _, table, _ = run(capsys, root, "models", env=ai_env(tmp_path))
    code_usage, usage, _ = run(capsys, root, "usage", "--json", env=ai_env(tmp_path))
    _, usage_text, _ = run(capsys, root, "usage", env=ai_env(tmp_path))
    roles = {r["role"]: r for r in json.loads(out)["roles"]}
    assert code == 0 and roles["main"]["modelId"] == MAIN_MODEL
    assert MAIN_MODEL in table and "main" in table
    assert code_usage == 0 and json.loads(usage)["report"]["total"]["calls"] == 0
    assert "total: 0 call(s)" in usage_text


def test_init_with_editors_in_ci_never_prompts_and_reports_each_editor(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(cli_module, "ask_missing", _no_prompt)
    env = {"CI": "true", "TASKMASTER_MCP_HOME": str(tmp_path / "home")}
    code, out, _ = run(capsys, tmp_path, "init", "--editor", "windsurf", "--editor", "vscode", "--keys",
                       "anthropic,openai", "--json", env=env)
    again = json.loads(run(capsys, tmp_path, "init", "--editor", "windsurf", "--editor", "vscode", "--keys",
                           "anthropic,openai", "--json", env=env)[1])
    reports = {r["editor"]: r for r in json.loads(out)["editors"]}
    windsurf = json.loads((tmp_path / "home/.codeium/windsurf/mcp_config.json").read_text())
    assert code == 0 and reports["windsurf"]["changed"] and reports["vscode"]["rules"].endswith("AGENTS.md")
    assert set(windsurf["mcpServers"]["taskmaster"]["env"]) == {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}
    assert [r["changed"] for r in again["editors"]] == [False, False]


def _no_prompt(*args: Any) -> None:
    raise AssertionError("init prompted although CI=true")


def test_init_prompts_only_for_what_flags_did_not_say(tmp_path: Path) -> None:
    (tmp_path / ".cursor").mkdir()
    asked: list[str] = []
    answers = iter(["Shop", "", "anthropic"])

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    args = argparse.Namespace(name=None, editor=[], keys=None)
    cli_module.ask_missing(args, tmp_path, ask)
    assert args.name == "Shop" and args.editor == ["cursor"] and args.keys == "anthropic"
    assert "[cursor]" in asked[1]
    flagged = argparse.Namespace(name="X", editor=["zed"], keys="openai")
    cli_module.ask_missing(flagged, tmp_path, lambda q: pytest.fail(f"asked {q}"))


def test_is_interactive_needs_a_terminal_and_no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    args = argparse.Namespace(yes=False, json=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert cli_module.is_interactive(args, {})
    assert not cli_module.is_interactive(args, {"CI": "true"})
    assert not cli_module.is_interactive(argparse.Namespace(yes=True, json=False), {})
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert not cli_module.is_interactive(args, {})


def test_failures_exit_1_with_the_fix_on_stderr(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    missing = run(capsys, messy_project, "show", "99")
    bad_status = run(capsys, messy_project, "set-status", "4", "finished")
    assert missing[0] == 1 and "get_tasks" in missing[2] and missing[1] == ""
    assert bad_status[0] == 1 and "pending, in-progress" in bad_status[2]


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert cli(tmp_path, "frobnicate").returncode == 2


def test_help_shows_examples(tmp_path: Path) -> None:
    out = cli(tmp_path, "--help").stdout
    assert "examples:" in out and "taskmaster-mcp next" in out and "exit codes" in out
    for command in ("parse-prd", "expand", "analyze", "research", "review", "models", "usage", "graph", "add"):
        assert command in out


def test_doctor_reports_a_ready_server_and_what_is_missing(messy_project: Path) -> None:
    result = cli(messy_project, "doctor", "--json")
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["server starts"]["ok"], checks["server starts"]
    assert checks["read tasks"]["detail"].startswith("tag 'master': 8 tasks")
    assert not checks["role main"]["ok"]
    assert "ANTHROPIC_API_KEY" in checks["role main"]["fix"]
    assert result.returncode == 1


def test_doctor_without_a_project_says_to_run_init(tmp_path: Path) -> None:
    result = cli(tmp_path, "doctor")
    assert result.returncode == 1
    assert "taskmaster-mcp init" in result.stdout


def test_doctor_checks_editor_configs_that_launch_us(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    (messy_project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "taskmaster": {"command": "/nowhere/bin/taskmaster-mcp", "args": []},
        "other": {"command": "/nowhere/else"}}}))
    (messy_project / ".cursor").mkdir()
    (messy_project / ".cursor/mcp.json").write_text('{"mcpServers": {')
    code, out, _ = run(capsys, messy_project, "doctor", "--json", env={"TASKMASTER_MCP_HOME": str(messy_project)})
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    assert not checks["editor claude-code"]["ok"] and "does not exist" in checks["editor claude-code"]["detail"]
    assert "init --editor claude-code" in checks["editor claude-code"]["fix"]
    assert not checks["editor cursor"]["ok"] and "not valid JSON" in checks["editor cursor"]["detail"]


def test_doctor_ping_calls_each_model_once(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    secrets = {"ANTHROPIC_API_KEY": "sk-ant-doctor-secret-1", "OPENAI_API_KEY": "sk-openai-doctor-secret-2",
               "PERPLEXITY_API_KEY": "pplx-doctor-secret-3"}
    _, out, err = run(capsys, root, "doctor", "--ping", "--json", env={**ai_env(tmp_path), **secrets})
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["ping main"]["ok"] and checks["ping fallback"]["ok"] and checks["ping research"]["ok"]
    assert len(provider_server.seen()) == 3
    sent = [value for request in provider_server.seen() for value in request.headers.values()]
    for variable, secret in secrets.items():
        assert any(secret in value for value in sent), f"the ping did not use {variable}"
        assert secret not in out, f"{variable} leaked to stdout"
        assert secret not in err, f"{variable} leaked to stderr"
