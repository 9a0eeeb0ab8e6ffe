"""The secret guard on every path into a prompt, end to end: a planted corpus (env variants, tool credentials, keys
by name and by content, a hard link, secret values in ordinary files) goes through parse_prd, research and review
with the real SDKs against the scripted provider, and no planted value reaches a request body.

Also here: autopilot_commit never stages a private file unasked, the ``file`` argument names a tasks document only,
``models`` never shows a base URL's password, and ``name:*`` allow-list entries admit default-port origins.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from mcp.server.transport_security import TransportSecurityMiddleware
from starlette.requests import Request

from ai_helpers import ai_env, ai_project, as_json
from dashboard_helpers import TOKEN, running_dashboard
from git_helpers import (
    git,
    isolated_git,  # noqa: F401  (applies to every test here)
)
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply, write_config
from secrets_helpers import leaks, plant
from taskmaster_mcp.ai import gitdiff
from taskmaster_mcp.mcp_server.http import security_settings
from taskmaster_mcp.store.paths import Paths

PLAN = as_json(
    {
        "tasks": [
            {
                "id": 1,
                "title": "Skeleton",
                "description": "Start.",
                "details": "How.",
                "testStrategy": "Tests.",
                "priority": "high",
                "dependencies": [],
            }
        ]
    }
)
VERDICT = as_json(
    {
        "verdict": "approve",
        "score": 90,
        "summary": "ok",
        "findings": [],
        "unmetRequirements": [],
        "followUpSubtasks": [],
    }
)


def bodies(server: ProviderServer) -> list[object]:
    return [record.body for record in server.seen()]


async def test_parse_prd_sends_no_planted_secret_and_says_what_it_redacted(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    planted = plant(root)
    (root / ".taskmaster/docs").mkdir()
    github = "gh" + "p_" + "Q" * 36
    (root / ".taskmaster/docs/prd.txt").write_text(f"# PRD\nBuild a thing. CI token: {github}\n")
    (root / "package.json").write_text('{"name": "x", "signing": "-----BEGIN ' + 'PRIVATE KEY-----\\nMIIzz"}\n')
    provider_server.script(MESSAGES, Reply(text=PLAN))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", numTasks=1)
    body = json.dumps(bodies(provider_server))
    assert leaks(bodies(provider_server), planted) == [] and github not in body
    assert "requests==2.32" in body and "[redacted: url password]" in body  # the manifest went, its token did not
    notes = data["usage"]["secrets"]
    assert ".taskmaster/docs/prd.txt: redacted 1 github token" in notes
    assert "requirements.txt: redacted 1 url password" in notes
    assert "left out package.json: text holding a private key" in notes and "MIIzz" not in body


async def test_parse_prd_refuses_a_secret_input_file_whatever_it_is_called(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    plant(root)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        messages = {
            name: await error(client, "parse_prd", input=name, numTasks=1)
            for name in (".env~", "prod.env.txt", "docs/linked.md", "notes/putty.txt", "notes/jwk.json", "credentials")
        }
    assert provider_server.seen() == [] and snapshot(root) == before
    assert all("is private" in m and "never sent to a model" in m for m in messages.values()), messages
    assert "hard link to '.env'" in messages["docs/linked.md"]
    assert "putty private key" in messages["notes/putty.txt"] and "jwk private key" in messages["notes/jwk.json"]


async def test_research_leaves_private_files_out_lists_them_and_redacts_the_rest(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    planted = plant(root)
    provider_server.script(CHAT, Reply(text="- findings"))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(
            client, "research", query="What now?", filePaths=",".join(p.rel for p in planted), includeProjectTree=True
        )
    assert leaks(bodies(provider_server), planted) == []
    left_out = "\n".join(data["leftOut"])
    whole = [p.rel for p in planted if p.whole]
    assert len(data["leftOut"]) == len(whole) and all(f"'{rel}'" in left_out for rel in whole)
    assert data["context"] == [f"file {p.rel}" for p in planted if not p.whole] + ["project tree"]
    body = json.dumps(bodies(provider_server))
    assert "[redacted: github token]" in body and "tokens = 5" in body
    assert "src/settings.py: redacted 1 anthropic key, 1 openai key" in " ".join(data["usage"]["secrets"])


async def test_review_sends_no_planted_secret_lists_what_it_left_out_and_redacted(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "repo", provider_server, shared_fixtures / "messy-tasks.json")
    (root / "src").mkdir()
    (root / "src/calc.py").write_text("def add(a, b):\n    return a + b\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    stripe = "sk" + "_live_" + "W" * 24
    (root / "src/calc.py").write_text(f"def add(a, b):\n    return a + b\n\nSTRIPE = '{stripe}'\n")
    planted = plant(root)
    provider_server.script(MESSAGES, Reply(text=VERDICT))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3")
    assert leaks(bodies(provider_server), planted) == [] and stripe not in json.dumps(bodies(provider_server))
    assert sorted(data["diff"]["excluded"]) == sorted(p.rel for p in planted if p.whole)
    redacted = " ".join(data["diff"]["redacted"])
    assert "src/calc.py (1 stripe key)" in redacted and "requirements.txt (1 url password)" in redacted
    assert "src/settings.py" in data["diff"]["files"]


async def test_autopilot_commit_without_files_refuses_to_stage_a_private_file_and_names_it(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    task: dict[str, object] = {
        "id": 1,
        "title": "T",
        "description": "",
        "details": "",
        "status": "pending",
        "dependencies": [],
    }
    task["subtasks"] = [{"id": 1, "title": "S", "status": "pending", "dependencies": []}]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": [task]}}))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    git(root, "config", "user.name", "T")
    git(root, "config", "user.email", "t@t")
    env = {"HOME": str(tmp_path / "home")}
    async with connected(root, env=env) as client:
        await ok(client, "autopilot_start", taskId="1")
        (root / "test_x.py").write_text("def test_x():\n    assert True\n")
        await ok(client, "autopilot_complete_phase", testResults={"total": 1, "passed": 0, "failed": 1, "skipped": 0})
        (root / "x.py").write_text("X = 1\n")
        await ok(client, "autopilot_complete_phase", testResults={"total": 1, "passed": 1, "failed": 0, "skipped": 0})
        (root / ".env~").write_text("TOKEN=abc123abc123\n")
        (root / "deploy.txt").write_text("-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3Bl\n")
        status = git(root, "status", "--porcelain")
        message = await error(client, "autopilot_commit")
        assert git(root, "status", "--porcelain") == status  # nothing staged
        assert ".env~" in message and "deploy.txt" in message and "x.py" not in message.split("Add them")[0]
        done = await ok(client, "autopilot_commit", files=["x.py", "test_x.py"])
    assert sorted(done["files"]) == ["test_x.py", "x.py"]


async def test_the_file_argument_refuses_json_that_is_not_a_tasks_document_and_anything_under_git(
    tmp_path: Path,
) -> None:
    root = tmp_path / "p"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".git/hooks").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "other.json").write_text('{"master": {"tasks": []}}\n')
    before = snapshot(root)
    async with connected(root) as client:
        package = await error(client, "add_task", title="T", description="d", file="package.json")
        hook = await error(client, "add_task", title="T", description="d", file=".git/hooks/post-commit")
        upper = await error(client, "add_task", title="T", description="d", file=".GIT/x.json")
        assert snapshot(root) == before
        created = await ok(client, "add_task", title="T", description="d", file="other.json")
        before = snapshot(root)
        generated = await error(client, "generate", output=".git/hooks", file="other.json")
        report = await error(client, "analyze_project_complexity", output=".git/hooks/pre-commit", file="other.json")
        assert snapshot(root) == before
    assert "not a tasks document" in package and "inside .git/" in hook and "inside .git/" in upper
    assert "output '.git/hooks' is inside .git/" in generated and "inside .git/" in report
    assert created and json.loads((root / "other.json").read_text())["master"]["tasks"][0]["title"] == "T"


async def test_models_never_shows_the_password_of_a_base_url(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".taskmaster").mkdir(parents=True)
    url = "https://bob:" + "hunter2-in-url@llm.internal/v1"
    write_config(root, {"main": {"provider": "openai-compatible", "modelId": "m1", "baseURL": url}})
    async with connected(root, env={"OPENAI_COMPATIBLE_API_KEY": "x"}) as client:
        data = await ok(client, "models")
    shown = json.dumps(data)
    assert "hunter2-in-url" not in shown and "https://[redacted]@llm.internal/v1" in shown


def _request(host: str, origin: str | None) -> Request:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


async def test_wildcard_port_allow_list_entries_admit_the_default_port_origins_browsers_send() -> None:
    env = {
        "TASKMASTER_MCP_ALLOWED_HOSTS": "tasks.internal:*",
        "TASKMASTER_MCP_ALLOWED_ORIGINS": "https://tasks.internal:*,http://tasks.internal:*",
    }
    guard = TransportSecurityMiddleware(security_settings("127.0.0.1", env))
    for host, origin in (
        ("tasks.internal", "https://tasks.internal"),
        ("tasks.internal", "http://tasks.internal"),
        ("tasks.internal:8443", "https://tasks.internal:8443"),
        ("localhost", "http://localhost"),
    ):
        assert await guard.validate_request(_request(host, origin)) is None, (host, origin)
    for host, origin in (("evil.example", None), ("tasks.internal", "https://evil.example"), ("tasks.internalx", None)):
        refused = await guard.validate_request(_request(host, origin))
        assert refused is not None and refused.status_code in (403, 421), (host, origin)


def test_dashboard_answers_a_browser_behind_a_tls_proxy_on_the_default_port(messy_project: Path) -> None:
    env = {
        "TASKMASTER_MCP_ALLOWED_HOSTS": "tasks.internal:*",
        "TASKMASTER_MCP_ALLOWED_ORIGINS": "https://tasks.internal:*",
    }
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with running_dashboard(messy_project, env=env) as server:
        proxied = httpx2.get(
            f"{server.url}/api/board",
            headers={**bearer, "host": "tasks.internal", "origin": "https://tasks.internal"},
            timeout=10,
        )
        foreign = httpx2.get(
            f"{server.url}/api/board", headers={**bearer, "origin": "https://evil.example"}, timeout=10
        )
    assert proxied.status_code == 200 and foreign.status_code == 403


def test_a_large_diff_is_redacted_where_shown_and_a_key_anywhere_in_it_leaves_the_file_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("big.py", "keyed.py"):
        (root / name).write_text("x = 0\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    token = "gh" + "p_" + "R" * 36
    lines = "".join(f"value_{n} = {n}\n" for n in range(200_000))
    (root / "big.py").write_text(f"TOKEN = '{token}'\n" + lines + f"LATE = '{token}'\n")
    (root / "keyed.py").write_text(lines + "KEY = '''-----BEGIN " + "EC PRIVATE KEY-----\nMHcC\n'''\n")
    diff = gitdiff.collect(Paths(root), per_file=12_000, total=200_000)
    assert diff.excluded == ["keyed.py"] and diff.files == ["big.py"]
    assert token not in diff.text and "[redacted: github token]" in diff.text and "MHcC" not in diff.text
    assert diff.redacted == ["big.py (1 github token)"] and diff.cut[0].startswith("big.py (")
