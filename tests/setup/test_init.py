"""The initialize_project tool: the skeleton, editors (`editors` or Task Master's `rules`), and Task Master's other
arguments (`initGit`, `storeTasksInGit` honoured; `skipInstall`, `addAliases`, `yes` accepted with a note where there
is something to say)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mcp_helpers import connected, error, ok, snapshot

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


async def test_initialize_project_configures_editors_and_never_overwrites(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"db": {"command": "db-mcp"}}}))
    (tmp_path / ".taskmaster").mkdir()
    (tmp_path / ".taskmaster/config.json").write_text('{"global": {"projectName": "Mine"}}')
    async with connected(tmp_path, env={"TASKMASTER_MCP_HOME": str(home)}) as client:
        first = await ok(client, "initialize_project", editors="claude-code,windsurf")
        second = await ok(client, "initialize_project", editors="claude-code,windsurf")
    servers = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]
    assert ".taskmaster/config.json" in first["kept"]
    assert json.loads((tmp_path / ".taskmaster/config.json").read_text()) == {"global": {"projectName": "Mine"}}
    assert set(servers) == {"db", "taskmaster"}
    assert [e["changed"] for e in first["editors"]] == [True, True]
    assert [e["changed"] for e in second["editors"]] == [False, False]
    assert (home / ".codeium/windsurf/mcp_config.json").is_file()
    assert "`next_task`" in (tmp_path / "CLAUDE.md").read_text()
    assert (tmp_path / ".windsurf/rules/taskmaster.md").is_file()


async def test_rules_installs_task_master_profiles_together_with_editors(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASKMASTER_MCP_HOME": str(tmp_path / "home")}) as client:
        result = await ok(client, "initialize_project", rules=["roo", "claude"], editors="claude-desktop,roo")
    assert [e["editor"] for e in result["editors"]] == ["roo", "claude-code", "claude-desktop"]
    assert json.loads((tmp_path / ".roo/mcp.json").read_text())["mcpServers"]["taskmaster"]["timeout"] == 300
    assert (tmp_path / ".roo/rules/taskmaster.md").is_file() and (tmp_path / "CLAUDE.md").is_file()
    assert (tmp_path / ".mcp.json").is_file()


async def test_an_unknown_editor_or_profile_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASKMASTER_MCP_HOME": str(tmp_path / "home")}) as client:
        by_editor = await error(client, "initialize_project", editors="notepad")
        by_rule = await error(client, "initialize_project", rules=["cursor", "emacs"])
    assert "'notepad'" in by_editor and "'emacs'" in by_rule
    assert "amp, claude, cline, codex, cursor, gemini, kiro, opencode, kilo, roo, trae, vscode, windsurf, zed" in (
        by_rule
    )
    assert list(tmp_path.iterdir()) == []


@needs_git
async def test_init_git_creates_a_repository_once_and_never_nests_one(tmp_path: Path) -> None:
    fresh, outer = tmp_path / "fresh", tmp_path / "outer"
    fresh.mkdir()
    (outer / "inner").mkdir(parents=True)
    subprocess.run([str(GIT), "init", "-q"], cwd=outer, check=True)
    async with connected(fresh) as client:
        first = await ok(client, "initialize_project", initGit=True)
        second = await ok(client, "initialize_project", initGit=True)
        nested = await ok(client, "initialize_project", projectRoot=str(outer / "inner"), initGit=True)
        skipped = await ok(client, "initialize_project", initGit=False)
    assert first["git"] == "git repository initialized" and (fresh / ".git").is_dir()
    assert second["git"] == "already a git repository"
    assert nested["git"] == "already a git repository" and not (outer / "inner/.git").exists()
    assert "git" not in skipped


async def test_init_git_without_git_installed_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    project = tmp_path / "p"
    project.mkdir()
    async with connected(project) as client:
        message = await error(client, "initialize_project", initGit=True)
    assert "git is not installed" in message and "initGit=false" in message
    assert list(project.iterdir()) == []


async def test_initialize_project_runs_git_init_by_default_and_not_with_init_git_false(tmp_path: Path) -> None:
    default, off = tmp_path / "default", tmp_path / "off"
    default.mkdir()
    off.mkdir()
    async with connected(default) as client:
        made = await ok(client, "initialize_project")
        await ok(client, "initialize_project", projectRoot=str(off), initGit=False)
    assert made["git"] == "git repository initialized" and (default / ".git").is_dir()
    assert not (off / ".git").exists() and (off / ".taskmaster").is_dir()


async def test_by_default_a_missing_git_is_a_note_and_the_project_is_still_set_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    project = tmp_path / "p"
    project.mkdir()
    async with connected(project) as client:
        made = await ok(client, "initialize_project")
    assert (project / ".taskmaster").is_dir() and not (project / ".git").exists()
    assert any("git is not installed" in note for note in made["notes"])


def _ignored(root: Path, path: str) -> bool:
    return subprocess.run([str(GIT), "check-ignore", "-q", path], cwd=root, check=False).returncode == 0


@needs_git
async def test_store_tasks_in_git_false_ignores_the_tasks_folder_and_true_commits_it_again(tmp_path: Path) -> None:
    subprocess.run([str(GIT), "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    (tmp_path / "src/tasks").mkdir(parents=True)  # somebody's own tasks/ package must stay tracked
    async with connected(tmp_path) as client:
        off = await ok(client, "initialize_project", storeTasksInGit=False)
        ignored_text = (tmp_path / ".gitignore").read_text()
        tracked = _ignored(tmp_path, ".taskmaster/tasks/tasks.json"), _ignored(tmp_path, "src/tasks/x.py")
        again = await ok(client, "initialize_project", storeTasksInGit=False)
        on = await ok(client, "initialize_project", storeTasksInGit=True)
        untouched = await ok(client, "initialize_project")
    assert tracked == (True, False)
    assert ignored_text.startswith("node_modules/\n") and ignored_text.endswith("\n# Task files\n.taskmaster/tasks/\n")
    assert any("tasks ignored: .taskmaster/tasks/" in c for c in off["created"]) and ".gitignore" in again["kept"]
    assert any("tasks committed" in c for c in on["created"]) and ".gitignore" in untouched["kept"]
    assert (tmp_path / ".gitignore").read_text().endswith("\n# Task files\n# .taskmaster/tasks/\n")
    assert not _ignored(tmp_path, ".taskmaster/tasks/tasks.json")


async def test_store_tasks_in_git_replaces_the_section_task_master_wrote(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("# Logs\nlogs\n\n# Task files\ntasks.json\ntasks/ \n\n.DS_Store\n")
    async with connected(tmp_path) as client:
        await ok(client, "initialize_project", storeTasksInGit=True)
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:3] == ["# Logs", "logs", ""] and ".DS_Store" in lines
    assert "tasks.json" not in lines and "tasks/ " not in lines and lines.count("# Task files") == 1
    assert lines[-2:] == ["# Task files", "# .taskmaster/tasks/"]


async def test_the_other_task_master_arguments_are_accepted_and_say_what_they_did(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        result = await ok(client, "initialize_project", skipInstall=False, addAliases=True, yes=True)
        quiet = await ok(client, "initialize_project", skipInstall=True, addAliases=False, yes=False)
    assert any(n.startswith("addAliases: not done") for n in result["notes"])
    assert any(n.startswith("skipInstall: nothing to install") for n in result["notes"])
    assert "notes" not in quiet


async def test_initialize_project_schema_has_task_masters_arguments_and_stays_small(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "initialize_project")
    # Task Master's no-op flags (yes, skipInstall, addAliases) are accepted but not published: they change nothing
    assert set(tool.input_schema["properties"]) == {
        "projectRoot",
        "projectName",
        "editors",
        "rules",
        "initGit",
        "storeTasksInGit",
    }
    assert len(json.dumps(tool.input_schema, ensure_ascii=False)) < 600
    async with connected(tmp_path) as client:
        accepted = await client.call_tool("initialize_project", {"yes": True, "skipInstall": True, "addAliases": False})
    assert not accepted.is_error


async def test_a_refused_call_leaves_an_existing_project_byte_identical(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        await error(client, "initialize_project", rules=["vim"], storeTasksInGit=False)
    assert snapshot(messy_project) == before
