"""research end to end: the context the caller chose reaches the research model, and the answer is saved as asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ai_helpers import RESEARCH_MODEL, ai_env, ai_project
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, ProviderServer, Reply


def sent(server: ProviderServer) -> str:
    return json.dumps(server.seen(CHAT)[0].body)


async def test_research_sends_the_chosen_tasks_files_notes_and_tree_but_never_metadata(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    (root / "src").mkdir()
    (root / "src/app.py").write_text("MARKER_FILE = 1\n" + "x = 2\n" * 10_000)
    for hidden in ("node_modules/lib", ".venv/bin", "src/__pycache__", ".secret"):
        (root / hidden).mkdir(parents=True)
        (root / hidden / "inside.txt").write_text("no")
    provider_server.script(CHAT, Reply(text="## Answer\nUse SQLAlchemy 2."))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(
            client,
            "research",
            query="Which ORM fits?",
            taskIds="3,4.2",
            filePaths="src/app.py",
            customContext="MARKER_CUSTOM notes",
            includeProjectTree=True,
            detailLevel="low",
        )
    body = sent(provider_server)
    assert provider_server.seen(CHAT)[0].model == RESEARCH_MODEL
    assert "Implement storage layer" in body and "Validation for task 4." in body
    assert "storage-team" not in body and "ST-12" not in body
    assert "MARKER_FILE" in body and "[cut: the first 30000 characters shown; the file is 60016 bytes]" in body
    assert "MARKER_CUSTOM notes" in body and "Which ORM fits?" in body and "Be brief" in body
    assert "src/" in body and "app.py" in body
    assert "node_modules" not in body and "inside.txt" not in body and "__pycache__" not in body
    assert data["findings"] == "## Answer\nUse SQLAlchemy 2."
    assert data["context"] == ["task 3", "subtask 4.2", "file src/app.py", "notes from the caller", "project tree"]
    assert data["usage"]["calls"] == 1 and "savedTo" not in data


async def test_research_refuses_a_file_outside_the_project_before_asking_any_model(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    (tmp_path / "outside.txt").write_text("secret")
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        outside = await error(client, "research", query="q", filePaths="../outside.txt")
        absolute = await error(client, "research", query="q", filePaths=str(tmp_path / "outside.txt"))
        missing = await error(client, "research", query="q", saveTo="42")
        store = await error(client, "research", query="q", filePaths=".taskmaster/tasks/tasks.json")
    assert "outside the project root" in outside and "outside the project root" in absolute
    assert "is private" in store and "taskIds" in store
    assert "Task 42 not found" in missing
    assert provider_server.seen() == []
    assert snapshot(root) == before


async def test_research_save_to_appends_the_answer_as_a_note_with_exactly_one_model_call(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(CHAT, Reply(text="- Use PgBouncer in transaction mode"))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "research", query="Connection pooling options?", saveTo="3.3")
    tasks = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"]
    details = tasks[2]["subtasks"][2]["details"]
    assert details.startswith("Work out connection pooling.\n\n<info added on ")
    assert "\nResearch: Connection pooling options?\n\n- Use PgBouncer in transaction mode\n</info added" in details
    assert data["savedTo"] == "3.3"
    assert len(provider_server.seen()) == 1


async def test_research_save_to_file_writes_the_dated_markdown_and_caps_the_result(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    long_answer = "Findings start. " + "detail " * 5000
    provider_server.script(CHAT, Reply(text=long_answer), Reply(text="Second answer."))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "research", query="What's new in Python 3.13?", saveToFile=True)
        again = await ok(client, "research", query="What's new in Python 3.13?", saveToFile=True, fresh=True)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert data["savedFile"] == f".taskmaster/docs/research/{day}_what-s-new-in-python-3-13.md"
    assert again["savedFile"] == f".taskmaster/docs/research/{day}_what-s-new-in-python-3-13-2.md"
    saved = (root / data["savedFile"]).read_text()
    assert saved.startswith("# Research: What's new in Python 3.13?\n")
    assert long_answer.strip() in saved and f"Model: perplexity/{RESEARCH_MODEL}" in saved
    assert data["findingsCut"] is True and len(data["findings"]) < 20_200
    assert f"The full text is in {data['savedFile']}" in data["findings"]
    assert len(provider_server.seen()) == 2


async def test_research_without_task_ids_adds_the_related_tasks_and_says_which(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "p", provider_server, shared_fixtures / "messy-tasks.json")
    provider_server.script(CHAT, Reply(text="- Use OAuth2."), Reply(text="- Nothing related."))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "research", query="How should the HTTP API do authentication?")
        unrelated = await ok(client, "research", query="Which font for the logo?")
    body = sent(provider_server)
    assert data["autoTasks"] == ["5", "4"] and data["context"] == ["task 5", "task 4"]
    assert "Expose CRUD endpoints." in body and "storage-team" not in body
    assert "autoTasks" not in unrelated and unrelated["context"] == []
    assert data["usage"]["promptVersion"] == "research@2"


async def test_research_outside_an_initialized_project_sends_no_tasks(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(CHAT, Reply(text="- Fine."))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "research", query="How should the HTTP API do authentication?")
    assert data["context"] == [] and "autoTasks" not in data
