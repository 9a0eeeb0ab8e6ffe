"""The one guard on what reaches a model (store/private.py), as a plain function and through both tools that read
a named file into a prompt: parse_prd's ``input`` and research's ``filePaths`` refuse the same files the same way,
before any model request and without changing a byte."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from ai_helpers import ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply
from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import holds_private_key, private, read_for_prompt, why_private

KEY = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
SECRET = "sk-live-do-not-send"
FIX = "what to do instead"

REFUSED = [
    ".env",
    ".env.local",
    ".env.example",
    "config/prod.env",
    ".envrc",
    ".ENV",
    "certs/server.pem",
    "tls/site.key",
    "keys/id_ed25519",
    "id_rsa",
    ".ssh/config",
    ".ssh",
    ".aws",
    "store.p12",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".aws/credentials",
    "credentials.json",
    "gcp/my-service-account.json",
    "client_secret_123.apps.json",
    "infra/terraform.tfstate",
    ".taskmaster",
    ".taskmaster/tasks/tasks.json",
    ".taskmaster/config.json",
    ".taskmaster/state.json",
    ".taskmaster/reports/task-complexity-report.json",
    ".taskmaster/.taskmaster-mcp.lock",
    ".taskmaster/tasks/task_001.txt",
    "tasks/tasks.json",
    ".taskmasterconfig",
    "sub/.taskmaster/config.json",
    ".taskmaster/docs/.env",
]
READABLE = [
    "docs/prd.md",
    ".taskmaster/docs/prd.txt",
    ".taskmaster/docs/research/2025-01-01_x.md",
    ".taskmaster/templates/example_prd.txt",
    ".taskmaster/docs",
    "src/environment.py",
    "keys/id_ed25519.pub",
    "src/secrets.py",
    "README.md",
    "",
]


@pytest.mark.parametrize("rel", REFUSED)
def test_env_files_keys_credentials_and_task_store_internals_are_private(rel: str) -> None:
    assert private(rel) and why_private(rel)


@pytest.mark.parametrize("rel", READABLE)
def test_the_users_documents_and_ordinary_files_are_not_private(rel: str) -> None:
    assert not private(rel)


def test_env_example_is_refused_with_the_reason_and_what_to_pass_instead() -> None:
    assert "pass the variable names you need as text" in (why_private(".env.example") or "")


def test_a_custom_tasks_file_is_private_wherever_it_lives(tmp_path: Path) -> None:
    paths = Paths(tmp_path, custom_tasks_file=tmp_path / "plan" / "work.json")
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan/work.json").write_text('{"master": {"tasks": []}}')
    assert private("plan/work.json", paths) and not private("plan/work.json")
    with pytest.raises(InvalidInput, match=re.escape("'plan/work.json' is private, Task Master's internal state")):
        read_for_prompt(paths, "plan/work.json", what="input", fix=FIX)


def test_a_key_is_recognised_by_its_content_whatever_the_file_is_called() -> None:
    assert holds_private_key("notes\n" + KEY)
    assert holds_private_key('{"type": "service_account", "private_key": "-----BEGIN ' + 'PRIVATE KEY-----\\nMII"}')
    assert not holds_private_key("-----BEGIN CERTIFICATE-----\nMIIB\n") and not holds_private_key("PRIVATE KEY")


def test_links_are_judged_by_their_target_and_by_their_own_name(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"KEY={SECRET}\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/prd.md").write_text("# PRD\n")
    (tmp_path / "docs/notes.md").symlink_to(tmp_path / ".env")
    (tmp_path / "prod.env").symlink_to(tmp_path / "docs/prd.md")
    (tmp_path / ".taskmaster/tasks").mkdir(parents=True)
    (tmp_path / ".taskmaster/tasks/tasks.json").write_text("{}")
    (tmp_path / "docs/store").symlink_to(tmp_path / ".taskmaster")
    paths = Paths(tmp_path)
    linked = "'docs/notes.md' (it resolves to '.env') is private, an environment file"
    with pytest.raises(InvalidInput, match=re.escape(linked)):
        read_for_prompt(paths, "docs/notes.md", what="input", fix=FIX)
    with pytest.raises(InvalidInput, match=re.escape("'prod.env' is private")):
        read_for_prompt(paths, "prod.env", what="input", fix=FIX)
    with pytest.raises(InvalidInput, match=re.escape("resolves to '.taskmaster/tasks/tasks.json'")):
        read_for_prompt(paths, "docs/store/tasks/tasks.json", what="input", fix=FIX)
    assert read_for_prompt(paths, "docs/prd.md", what="input", fix=FIX) == "# PRD\n"


def test_read_for_prompt_refuses_binary_non_utf8_keys_and_missing_files_and_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "setup.txt").write_text("Deploy with:\n" + KEY)
    paths = Paths(tmp_path)
    cases: list[tuple[str, type[Exception], str]] = [
        ("logo.png", InvalidInput, "is a binary file"),
        ("latin.txt", InvalidInput, "is not UTF-8 text"),
        ("setup.txt", InvalidInput, "is private, text holding a private key"),
        ("missing.md", NotFound, "is not a file in the project"),
    ]
    for rel, kind, message in cases:
        with pytest.raises(kind, match=message) as raised:
            read_for_prompt(paths, rel, what="filePaths entry", fix=FIX)
        assert f"filePaths entry '{rel}'" in str(raised.value) and str(raised.value).endswith(FIX)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_read_for_prompt_never_opens_a_named_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(NotFound, match="is not a file"):
        read_for_prompt(Paths(tmp_path), "pipe.txt", what="input", fix=FIX)


def test_read_for_prompt_cuts_a_long_file_at_max_chars_with_a_note_even_mid_character(tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text("é" * 50_000, encoding="utf-8")
    text = read_for_prompt(Paths(tmp_path), "long.md", what="input", fix=FIX, max_chars=1_000)
    assert text == "é" * 1_000 + "\n[cut: the first 1000 characters shown; the file is 100000 bytes]"


def planned() -> str:
    return as_json(
        {
            "tasks": [
                {
                    "id": 1,
                    "title": "Skeleton",
                    "description": "Skeleton.",
                    "details": "How.",
                    "testStrategy": "Tests.",
                    "priority": "high",
                    "dependencies": [],
                }
            ]
        }
    )


def project(tmp_path: Path, server: ProviderServer) -> Path:
    """A project with no tasks yet (so only the guard can stop parse_prd), every kind of file the guard refuses,
    each carrying SECRET, and two readable PRDs."""
    root = ai_project(tmp_path / "p", server)
    (tmp_path / "outside.md").write_text(f"# Outside\n{SECRET}\n")
    files = {
        ".env": f"ANTHROPIC_API_KEY={SECRET}\n",
        ".env.local": f"TOKEN={SECRET}\n",
        ".env.example": f"ANTHROPIC_API_KEY={SECRET}\n",
        "keys/id_ed25519": KEY + SECRET,
        "docs/setup.txt": KEY + SECRET,
        ".aws/credentials": f"aws_secret_access_key={SECRET}\n",
        ".taskmaster/state.json": f'{{"currentTag": "master", "x": "{SECRET}"}}',
        ".taskmaster/tasks/tasks.json": f'{{"master": {{"tasks": [], "metadata": {{"owner": "{SECRET}"}}}}}}',
        "docs/prd.md": "# Docs PRD\nDOCS_PRD_MARKER\n",
        ".taskmaster/docs/prd.txt": "# PRD\nSTORE_PRD_MARKER\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "docs/notes.md").symlink_to(root / ".env")
    (root / "docs/outside.md").symlink_to(tmp_path / "outside.md")
    return root


# (path given, what the refusal must say)
REFUSALS = [
    (".env", "'.env' is private, an environment file"),
    (".env.local", "'.env.local' is private"),
    (".env.example", "'.env.example' is private"),
    ("docs/notes.md", "'docs/notes.md' (it resolves to '.env') is private"),
    ("docs/outside.md", "outside the project root"),
    ("keys/id_ed25519", "is private, a private key"),
    ("docs/setup.txt", "is private, text holding a private key"),
    (".aws/credentials", "is private, a credentials file"),
    (".taskmaster/tasks/tasks.json", "is private, Task Master's internal state"),
    (".taskmaster/config.json", "is private, Task Master's internal state"),
    (".taskmaster/state.json", "is private, Task Master's internal state"),
]
TOOLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "parse_prd": ("input", "paste its text as prd", {}),
    "research": ("filePaths", "customContext", {"query": "What next?"}),
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
async def test_parse_prd_and_research_refuse_the_same_private_files_before_any_model_request(
    tool: str, tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path, provider_server)
    argument, fix, extra = TOOLS[tool]
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        for given, reason in REFUSALS:
            message = await error(client, tool, **{argument: given}, **extra)
            assert reason in message and f"'{given}'" in message and fix in message, message
            assert SECRET not in message
    assert provider_server.seen() == []
    assert snapshot(root) == before


@pytest.mark.parametrize("prd_path", [".taskmaster/docs/prd.txt", "docs/prd.md", None])
async def test_parse_prd_still_reads_the_prd_under_taskmaster_docs_and_anywhere_in_the_project(
    prd_path: str | None, tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path, provider_server)
    provider_server.script(MESSAGES, Reply(text=planned()))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "parse_prd", **({"input": prd_path} if prd_path else {}))
    body = str(provider_server.seen(MESSAGES)[0].body)
    assert ("DOCS_PRD_MARKER" if prd_path == "docs/prd.md" else "STORE_PRD_MARKER") in body
    assert SECRET not in body and [t["title"] for t in data["created"]] == ["Skeleton"]


async def test_research_still_reads_the_prd_under_taskmaster_docs_and_a_normal_project_file(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path, provider_server)
    provider_server.script(CHAT, Reply(text="Answer."))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "research", query="What next?", filePaths=".taskmaster/docs/prd.txt, docs/prd.md")
    body = str(provider_server.seen(CHAT)[0].body)
    assert "STORE_PRD_MARKER" in body and "DOCS_PRD_MARKER" in body and SECRET not in body
    assert data["context"] == ["file .taskmaster/docs/prd.txt", "file docs/prd.md"]


def test_a_path_outside_the_project_or_with_a_null_byte_is_refused_with_what_to_pass_instead(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "outside.md").write_text("# Outside\n")
    paths = Paths(tmp_path / "p")
    for given in ("../outside.md", str(tmp_path / "outside.md"), "docs/\x00prd.md"):
        with pytest.raises(InvalidInput) as raised:
            read_for_prompt(paths, given, what="input", fix=FIX)
        assert str(raised.value).startswith("input ") and str(raised.value).endswith(FIX)
