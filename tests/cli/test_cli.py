"""The command line for people: tasks, AI commands, models, usage, init, doctor; --json, colours, exit codes.

Most commands run in process (``cli.run(argv, env)``, output captured); a few run the installed script to pin what a
user's shell sees.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import MAIN_MODEL, ai_env, ai_project, as_json
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from servers import console_script
from taskmaster_mcp.cli import init_command
from taskmaster_mcp.cli import main as cli_module


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
    )


def run(
    capsys: pytest.CaptureFixture[str],
    root: Path,
    *args: str,
    env: dict[str, str] | None = None,
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


def test_list_show_next_and_set_status_work_on_a_real_project(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
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
    assert "Tag master: 8 tasks, 37.5% done" in out  # done + cancelled count as finished, as in Task Master
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


def test_add_without_a_title_or_prompt_is_bad_usage_with_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, tmp_path, "init")
    code, out, err = run(capsys, tmp_path, "add")
    assert code == 2 and "--title" in err and out == ""


def test_a_tool_this_server_lacks_is_reported_cleanly(tmp_path: Path) -> None:
    with pytest.raises(cli_module.CommandFailed, match="has no no_such_tool tool"):
        asyncio.run(cli_module.call("no_such_tool", {}, str(tmp_path), env={}))


def test_parse_prd_shows_the_result_and_a_usage_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / "prd.md").write_text("# PRD\nA bookmarks app with accounts.\n", encoding="utf-8")
    plan = as_json(
        {
            "tasks": [
                {
                    "id": 1,
                    "title": "Project skeleton",
                    "description": "Skeleton.",
                    "details": "How.",
                    "testStrategy": "T.",
                    "priority": "high",
                    "dependencies": [],
                },
                {
                    "id": 2,
                    "title": "Accounts",
                    "description": "Accounts.",
                    "details": "How.",
                    "testStrategy": "T.",
                    "priority": "medium",
                    "dependencies": [1],
                },
            ]
        }
    )
    provider_server.script(MESSAGES, Reply(text=plan), Reply(text=plan))
    code, out, err = run(capsys, root, "parse-prd", "prd.md", "--num-tasks", "2", env=ai_env(tmp_path))
    code_json, out_json, _ = run(capsys, root, "parse-prd", "prd.md", "--force", "--json", env=ai_env(tmp_path))
    data = json.loads(out_json)
    assert code == 0 and "Project skeleton" in out and "Accounts" in out
    assert "usage: 1 call(s)" in err and MAIN_MODEL in err and "in /" in err and "$" in err
    assert code_json == 0 and [t["id"] for t in data["created"]] == [1, 2]
    assert data["usage"]["calls"] == 1 and data["usage"]["inputTokens"] > 0


def test_expand_asks_the_model_and_reports_usage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    subtasks = as_json(
        {
            "subtasks": [
                {
                    "id": n,
                    "title": f"Step number {n}",
                    "description": "Do it.",
                    "details": "How.",
                    "testStrategy": "Test.",
                    "dependencies": [],
                }
                for n in (1, 2)
            ]
        }
    )
    provider_server.script(MESSAGES, Reply(text=subtasks))
    code, out, err = run(capsys, root, "expand", "4", "--num", "2", "--force", "--json", env=ai_env(tmp_path))
    assert code == 0, err
    data = json.loads(out)
    assert data["usage"]["calls"] >= 1
    assert "Step number 1" in json.dumps(data)


def test_expand_without_an_id_or_all_is_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, tmp_path, "expand")[0] == 2


def test_models_and_usage_read_the_project(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
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
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(init_command, "ask_missing", _no_prompt)
    env = {"CI": "true", "TASKMASTER_MCP_HOME": str(tmp_path / "home")}
    code, out, _ = run(
        capsys,
        tmp_path,
        "init",
        "--editor",
        "windsurf",
        "--editor",
        "vscode",
        "--keys",
        "anthropic,openai",
        "--json",
        env=env,
    )
    again = json.loads(
        run(
            capsys,
            tmp_path,
            "init",
            "--editor",
            "windsurf",
            "--editor",
            "vscode",
            "--keys",
            "anthropic,openai",
            "--json",
            env=env,
        )[1]
    )
    reports = {r["editor"]: r for r in json.loads(out)["editors"]}
    windsurf = json.loads((tmp_path / "home/.codeium/windsurf/mcp_config.json").read_text())
    assert code == 0 and reports["windsurf"]["changed"] and reports["vscode"]["rules"].startswith(str(tmp_path))
    assert "env" not in windsurf["mcpServers"]["taskmaster"]  # a global file: keys go in <project>/.env
    assert any(".env" in note and "OPENAI_API_KEY" in note for note in reports["windsurf"]["notes"])
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


def test_failures_exit_1_with_the_fix_on_stderr_in_terminal_terms(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    code, out, err = run(capsys, messy_project, "show", "99")
    assert code == 1 and out == ""
    assert "Run `taskmaster-mcp list`" in err and "get_tasks" not in err


BAD_USAGE = [
    ["frobnicate"],
    ["list", "--frobnicate"],
    ["set-status", "--id", "4", "--status", "finished"],
    ["set-status", "4", "finished"],
    ["list", "--status", "bogus"],
    ["add-task", "--title", ""],
    ["add-task"],
    ["show"],
    ["set-status", "--status", "done"],
    ["remove-task"],
    ["update-task", "--prompt", "x"],
    ["update-subtask", "--id", "4.2"],
    ["update", "--id", "3", "--prompt", "x"],
    ["add-dependency", "--id", "4"],
    ["expand"],
    ["move"],
    ["clear-subtasks"],
    ["analyze-complexity", "--threshold", "11"],
    ["parse-prd", "--num-tasks", "many"],
    ["research"],
    ["add-subtask", "--title", "x"],
    ["remove-subtask", "4"],
    ["tags", "frobnicate"],
    ["add-tag"],
    ["rules"],
    ["rules", "add"],
    ["autopilot"],
    ["autopilot", "start"],
    ["autopilot", "start", "3.1"],
    ["autopilot", "complete"],
    ["autopilot", "complete", "--results", "{oops"],
]


@pytest.mark.parametrize("argv", BAD_USAGE, ids=[" ".join(a) for a in BAD_USAGE])
def test_bad_usage_exits_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], messy_project: Path, argv: list[str]
) -> None:
    before = (messy_project / ".taskmaster" / "tasks" / "tasks.json").read_bytes()
    code, out, err = run(capsys, messy_project, *argv)
    assert code == 2, err
    assert "error" in err and out == ""
    assert (messy_project / ".taskmaster" / "tasks" / "tasks.json").read_bytes() == before


def test_bad_usage_exits_2_from_the_installed_script(tmp_path: Path) -> None:
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
    assert checks["role main"]["warning"]  # task tools work without AI keys: a warning, not "not ready"
    assert "ANTHROPIC_API_KEY" in checks["role main"]["fix"]
    assert result.returncode == 0


def test_doctor_without_a_project_says_to_run_init(tmp_path: Path) -> None:
    result = cli(tmp_path, "doctor")
    assert result.returncode == 1
    assert "taskmaster-mcp init" in result.stdout


def test_doctor_checks_editor_configs_that_launch_us(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    (messy_project / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "taskmaster": {"command": "/nowhere/bin/taskmaster-mcp", "args": []},
                    "other": {"command": "/nowhere/else"},
                }
            }
        )
    )
    (messy_project / ".cursor").mkdir()
    (messy_project / ".cursor/mcp.json").write_text('{"mcpServers": {')
    code, out, _ = run(capsys, messy_project, "doctor", "--json", env={"TASKMASTER_MCP_HOME": str(messy_project)})
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    assert not checks["editor claude-code"]["ok"] and "does not exist" in checks["editor claude-code"]["detail"]
    assert "init --editor claude-code" in checks["editor claude-code"]["fix"]
    assert not checks["editor cursor"]["ok"] and "not valid JSON" in checks["editor cursor"]["detail"]


def test_doctor_ping_calls_each_model_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    secrets = {
        "ANTHROPIC_API_KEY": "sk-ant-doctor-secret-1",
        "OPENAI_API_KEY": "sk-openai-doctor-secret-2",
        "PERPLEXITY_API_KEY": "pplx-doctor-secret-3",
    }
    _, out, err = run(capsys, root, "doctor", "--ping", "--json", env={**ai_env(tmp_path), **secrets})
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["ping main"]["ok"] and checks["ping fallback"]["ok"] and checks["ping research"]["ok"]
    assert len(provider_server.seen()) == 3
    sent = [value for request in provider_server.seen() for value in request.headers.values()]
    for variable, secret in secrets.items():
        assert any(secret in value for value in sent), f"the ping did not use {variable}"
        assert secret not in out, f"{variable} leaked to stdout"
        assert secret not in err, f"{variable} leaked to stderr"


# --- Task Master's commands and flags ------------------------------------------------------------------------------


def test_list_and_show_give_subtask_dependencies_as_full_ids(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    _, listed, _ = run(capsys, messy_project, "list", "--with-subtasks")
    _, shown, _ = run(capsys, messy_project, "show", "4")
    _, subtask, _ = run(capsys, messy_project, "show", "4.3")
    rows = {line.split()[0]: line.rstrip() for line in listed.splitlines() if line.strip()}
    assert rows["4.3"].endswith("<- 4.1,4.2") and rows["8.2"].endswith("<- 8.1") and rows["3.3"].endswith("<- 3.2")
    assert "4.3  blocked  Error envelope  <- 4.1,4.2" in shown
    assert "dependencies: 4.1,4.2" in subtask


def test_list_ready_blocking_and_all_tags_filter_as_task_master_does(
    capsys: pytest.CaptureFixture[str], messy_project: Path
) -> None:
    ready = json.loads(run(capsys, messy_project, "list", "--ready", "--json")[1])
    blocking = json.loads(run(capsys, messy_project, "list", "--blocking", "--status", "pending", "--json")[1])
    every = json.loads(run(capsys, messy_project, "list", "--all-tags", "--ready", "--json")[1])
    assert [t["id"] for t in ready["tasks"]] == ["3", 6]  # actionable, every dependency done/completed/cancelled
    assert [t["id"] for t in blocking["tasks"]] == [4]
    assert [(t["tag"], [r["id"] for r in t["tasks"]]) for t in every["tags"]] == [
        ("master", ["3", 6]),
        ("feature-auth", ["1"]),
        ("empty-tag", []),
    ]


def test_list_options_of_task_master(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    code, silent, _ = run(capsys, messy_project, "list", "--silent")
    as_format = json.loads(run(capsys, messy_project, "list", "pending", "-f", "json")[1])
    _, compact, _ = run(capsys, messy_project, "ls", "--compact")
    _, tags, _ = run(capsys, messy_project, "tags", "--show-metadata", "--ready")
    assert code == 0 and silent == ""
    assert [t["id"] for t in as_format["tasks"]] == [4, 8]
    assert "Tag master" not in compact and compact.splitlines()[0].split()[:2] == ["1", "done"]
    assert "Tasks for the main line" in tags and "empty-tag" not in tags


def test_the_tag_commands_old_and_new_manage_tags(capsys: pytest.CaptureFixture[str], messy_project: Path) -> None:
    assert run(capsys, messy_project, "tags", "add", "sprint", "--copy-from", "feature-auth")[0] == 0
    assert run(capsys, messy_project, "use-tag", "sprint")[0] == 0
    listed = json.loads(run(capsys, messy_project, "list", "-t", "sprint", "--json")[1])
    assert run(capsys, messy_project, "tags", "rename", "sprint", "sprint-2")[0] == 0
    assert run(capsys, messy_project, "delete-tag", "sprint-2", "-y")[0] == 0
    names = [t["name"] for t in json.loads(run(capsys, messy_project, "tags", "--json")[1])["tags"]]
    assert [t["title"] for t in listed["tasks"]] == ["Auth spike", "Session store"]
    assert names == ["master", "feature-auth", "empty-tag"]


def test_remove_task_asks_on_a_terminal_and_no_changes_nothing(
    capsys: pytest.CaptureFixture[str], messy_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "is_interactive", lambda args, env: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "n")
    tasks_file = messy_project / ".taskmaster/tasks/tasks.json"
    before = tasks_file.read_bytes()
    code, _, err = run(capsys, messy_project, "remove-task", "--id", "7")
    assert code == 0 and "cancelled" in err and asked == ["Delete 7 permanently (with any subtasks)? [y/N] "]
    assert tasks_file.read_bytes() == before
    assert run(capsys, messy_project, "remove-task", "7", "--yes")[0] == 0
    assert len(asked) == 1 and tasks_file.read_bytes() != before


def test_a_missing_project_says_to_run_init_or_pass_c(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, tmp_path, "list")
    assert code == 1 and out == ""
    assert f"No project found in {tmp_path}" in err and "`taskmaster-mcp init`" in err and "-C /path" in err
    assert "projectRoot" not in err and "initialize_project" not in err and "env block" not in err


TOOL_TEXTS = [
    (
        "No project found: pass projectRoot (the absolute path of your project), or set TASK_MASTER_PROJECT_ROOT in "
        "the server's env block. To start a new project there, call initialize_project.",
        ["taskmaster-mcp init", "-C /path/to/project"],
        ["projectRoot", "initialize_project"],
    ),
    (
        "No .taskmaster directory in /p. Call initialize_project (or run `taskmaster-mcp init`) to create one, or pass "
        "the right projectRoot.",
        ["taskmaster-mcp init", "-C"],
        ["projectRoot", "initialize_project"],
    ),
    (
        "ANTHROPIC_API_KEY is not set for provider 'anthropic'. Put it in the env block of your editor's MCP config "
        '(e.g. "env": {...}), or in <project>/.env as ANTHROPIC_API_KEY=..., then retry.',
        ["export ANTHROPIC_API_KEY=", "/proj/.env", "doctor"],
        ["env block", "MCP config"],
    ),
    (
        "No task with id 99 in tag 'master'. Call get_tasks to list ids.",
        ["Run `taskmaster-mcp list` to list ids"],
        ["get_tasks"],
    ),
    (
        "Task 4 already has 3 subtasks. Pass force=true to replace existing subtasks, or expand_task one task.",
        ["--force", "`taskmaster-mcp expand`"],
        ["force=true", "expand_task"],
    ),
    (
        "Moving would break dependencies across tags (8 -> 6). Pass withDependencies=true to move the dependencies "
        "too, or ignoreDependencies=true to drop those links.",
        ["--with-dependencies", "--ignore-dependencies"],
        ["=true"],
    ),
    ("Tag 'x' does not exist. Create it with add_tag first.", ["`taskmaster-mcp add-tag`"], ["add_tag"]),
    (
        "Set them with the `models` tool (setMain / setResearch / setFallback / setRole).",
        ["`taskmaster-mcp models` (--set-main / --set-research / --set-fallback / --set-role)"],
        ["models` tool"],
    ),
    (
        "get_tasks does not take bogus. Its parameters: cursor, limit. Leave the others out and call get_tasks again.",
        ["get_tasks tool takes no bogus"],
        ["Leave the others out"],
    ),
    (
        "No autopilot workflow is in progress. Start one with `autopilot_start` taskId=<a task with subtasks>.",
        ["`taskmaster-mcp autopilot start <a task with subtasks>`"],
        ["taskId="],
    ),
    (
        "No changes between HEAD and the working tree. If the work is committed, pass base=<the commit before it>, "
        "e.g. base=HEAD~1.",
        ["pass --base <the commit before it>, e.g. --base HEAD~1."],
        ["base="],
    ),
    (
        "Every configured model failed; nothing was changed.\n- main (openai/gpt-4o): OPENAI_API_KEY is not set for "
        'provider \'openai\'. Put it in the env block of your editor\'s MCP config (e.g. "env": {"OPENAI_API_KEY": '
        '"..."}), or in <project>/.env as OPENAI_API_KEY=..., then retry.\nFix the first failure above, or configure '
        "another model with the `models` tool (setMain / setFallback), then retry.",
        ["Set it in your shell (export OPENAI_API_KEY=...)", "(--set-main / --set-fallback)"],
        ['"env":', "setMain"],
    ),
    (
        "reviewers takes one to 3 different roles, e.g. reviewers=main,fallback; got 'main,main'.",
        ["e.g. --reviewers main,fallback;"],
        ["reviewers="],
    ),
]


@pytest.mark.parametrize(("text", "present", "absent"), TOOL_TEXTS, ids=[t[0][:30] for t in TOOL_TEXTS])
def test_tool_errors_are_rewritten_for_a_person_at_a_terminal(text: str, present: list[str], absent: list[str]) -> None:
    from taskmaster_mcp.cli.messages import for_terminal

    shown = for_terminal(text, Path("/proj"))
    for part in present:
        assert part in shown, shown
    for part in absent:
        assert part not in shown, shown


def test_a_closed_pipe_ends_quietly_with_exit_0(messy_project: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` that has already exited: the first write meets a closed pipe
    try:
        done = subprocess.run(
            [console_script(), "list"],
            cwd=messy_project,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={"PATH": "/usr/bin:/bin", "HOME": str(messy_project)},
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0 and done.stderr == ""


PLANS = [
    (["lang", "--response", "Deutsch"], "response-language", {"language": "Deutsch"}),
    (["lang"], "response-language", {}),
    (["rules", "add", "cursor", "windsurf"], "rules", {"action": "add", "profiles": ["cursor", "windsurf"]}),
    (
        ["rules", "remove", "roo,cline", "--force"],
        "rules",
        {"action": "remove", "profiles": ["roo", "cline"], "force": True},
    ),
    (
        ["autopilot", "start", "5", "--max-attempts", "4", "-f"],
        "autopilot_start",
        {"taskId": "5", "maxAttempts": 4, "force": True},
    ),
    (["ap", "start", "5"], "autopilot_start", {"taskId": "5"}),
    (["autopilot", "resume"], "autopilot_resume", {}),
    (["autopilot", "next", "--json"], "autopilot_next", {}),
    (["autopilot", "status", "-p", "/somewhere"], "autopilot_status", {}),
    (
        ["autopilot", "complete", "--results", '{"total":10,"passed":9,"failed":1}'],
        "autopilot_complete_phase",
        {"testResults": {"total": 10, "passed": 9, "failed": 1, "skipped": 0}},
    ),
    (["autopilot", "commit"], "autopilot_commit", {}),
    (
        ["autopilot", "commit", "--files", "a.py,b.py", "-m", "feat: x"],
        "autopilot_commit",
        {"files": ["a.py", "b.py"], "customMessage": "feat: x"},
    ),
    (["autopilot", "finalize"], "autopilot_finalize", {}),
    (["autopilot", "abort", "--force"], "autopilot_abort", {}),
]


@pytest.mark.parametrize(("argv", "tool", "arguments"), PLANS, ids=[" ".join(p[0]) for p in PLANS])
def test_rules_lang_and_autopilot_call_their_tools_with_task_masters_parameters(
    argv: list[str], tool: str, arguments: dict[str, Any]
) -> None:
    from taskmaster_mcp.cli.parser import plan

    planned = plan(argv)
    assert (planned.tool, planned.arguments) == (tool, arguments)


def test_init_takes_task_masters_flags_and_dry_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, tmp_path, "init", "--dry-run", "-y", "-n", "Shop")
    assert code == 0 and "Nothing was written" in out and not (tmp_path / ".taskmaster").exists()
    code, _, err = run(
        capsys, tmp_path, "init", "-y", "--name", "Shop", "--git", "--no-aliases", "--skip-install", "--json"
    )
    assert code == 0 and (tmp_path / ".taskmaster" / "tasks" / "tasks.json").exists()
    assert "note: --skip-install, --no-aliases, --git ignored" in err


def test_research_save_writes_the_answer_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(CHAT, Reply(text="Use PgBouncer."))
    target = tmp_path / "answer.md"
    code, out, _ = run(
        capsys,
        root,
        "research",
        "How to pool connections?",
        "--save",
        str(target),
        "--detail",
        "low",
        env=ai_env(tmp_path),
    )
    assert code == 0 and "Use PgBouncer." in out
    assert target.read_text().startswith("# Research Query: How to pool connections?")


def test_models_takes_task_masters_provider_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    code, _, _ = run(capsys, root, "models", "--set-research", "my-claude", "--claude-code", env=ai_env(tmp_path))
    code_two, _, err = run(capsys, root, "models", "--set-main", "x", "--azure", "--bedrock", env=ai_env(tmp_path))
    config = json.loads((root / ".taskmaster/config.json").read_text())
    assert code == 0 and config["models"]["research"] == {
        **config["models"]["research"],
        "provider": "claude-code",
        "modelId": "my-claude",
    }
    assert code_two != 0 and "azure" in err and "bedrock" in err


def test_task_text_that_looks_like_rich_markup_is_printed_as_it_is_by_every_view(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    title = "Fix [/] and [bold]this[/bold] [red]now"
    tasks = [
        {
            "id": 1,
            "title": title,
            "description": "",
            "status": "pending",
            "dependencies": [],
            "priority": "high",
            "subtasks": [{"id": 1, "title": f"sub {title}", "status": "pending", "dependencies": []}],
        },
        {
            "id": 2,
            "title": "Second",
            "description": "",
            "status": "pending",
            "dependencies": [1],
            "priority": "low",
            "subtasks": [],
        },
    ]
    (tmp_path / ".taskmaster/tasks").mkdir(parents=True)
    (tmp_path / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}))
    (tmp_path / ".taskmaster/reports").mkdir()
    (tmp_path / ".taskmaster/reports/task-complexity-report.json").write_text(
        json.dumps(
            {
                "meta": {"tasksAnalyzed": 1},
                "complexityAnalysis": [
                    {"taskId": 1, "taskTitle": title, "complexityScore": 5, "recommendedSubtasks": 3}
                ],
            }
        )
    )
    assert run(capsys, tmp_path, "add-tag", "feature", "--description", title)[0] == 0
    for args in (
        ["list", "--with-subtasks"],
        ["route"],
        ["assign-models"],
        ["complexity-report"],
        ["tags", "--show-metadata"],
        ["set-status", "1.1", "done"],
    ):
        code, out, err = run(capsys, tmp_path, "--no-color", *args)
        assert (code, err) == (0, ""), (args, err)
        assert ("[/]" in out and "[bold]this[/bold]" in out) or args[0] == "set-status", (args, out)
    code, out, _ = run(capsys, tmp_path, "--no-color", "assign-models")
    assert "[type code at confidence" in out or "[no rule matches" in out  # each proposal's reason, in brackets
