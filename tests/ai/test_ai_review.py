"""review end to end against a real git repository made in tmp_path and the scripted provider."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ai_helpers import FALLBACK_MODEL, ai_env, ai_project
from ai_samples import repo, verdict
from git_helpers import git, isolated_git  # noqa: F401  (isolated_git applies to every test here)
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply


def index_digest(root: Path) -> str:
    return hashlib.sha256((root / ".git/index").read_bytes()).hexdigest()


async def test_review_sends_the_real_diff_and_untracked_files_but_not_secrets_and_leaves_the_index_alone(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    index_before = index_digest(root)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 92)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", testOutput="2 passed in 0.01s")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "+def subtract(a, b):" in body and "NEW_MODULE_MARKER" in body and "src/new_module.py" in body
    assert "Implement storage layer" in body and "2 passed in 0.01s" in body
    assert "sk-live-do-not-send" not in body and "storage-team" not in body
    assert data["diff"]["files"] == ["src/calc.py", "src/new_module.py"]
    assert data["diff"]["untracked"] == ["src/new_module.py"] and data["diff"]["excluded"] == [".env"]
    assert (data["verdict"], data["score"], "applied" in data) == ("approve", 92, False)
    assert index_digest(root) == index_before
    assert git(root, "status", "--porcelain").splitlines() == [" M src/calc.py", "?? .env", "?? src/new_module.py"]


async def test_a_huge_diff_is_cut_per_file_with_a_note_naming_what_was_cut(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    (root / "src/big.py").write_text("".join(f"value_{n} = {n}\n" for n in range(5000)))
    provider_server.script(MESSAGES, Reply(text=verdict("changes_requested", 50)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", paths="src")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "[diff truncated to fit the model's input: cut: src/big.py (" in body
    assert "more characters of this file's diff not shown" in body
    assert "value_10 = 10" in body and "value_4999" not in body
    assert data["diff"]["cut"][0].startswith("src/big.py (")


async def test_second_opinion_disagreement_keeps_the_stricter_verdict_and_shows_both(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 90)))
    provider_server.script(
        CHAT,
        Reply(
            text=verdict(
                "changes_requested",
                55,
                {"severity": "major", "file": "src/calc.py", "line": 5, "message": "subtract has no test"},
                follow=["Test subtract"],
            )
        ),
        model=FALLBACK_MODEL,
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3", secondOpinion=True)
    assert provider_server.seen(CHAT)[0].model == FALLBACK_MODEL
    assert (data["verdict"], data["score"], data["agreement"]) == ("changes_requested", 55, False)
    assert [o["verdict"] for o in data["opinions"]] == ["approve", "changes_requested"]
    assert data["opinions"][1]["model"] == f"fallback openai/{FALLBACK_MODEL}"
    assert data["findings"] == [
        {"severity": "major", "file": "src/calc.py", "line": 5, "message": "subtract has no test"}
    ]
    assert data["summary"].startswith("The reviewers disagree") and data["usage"]["calls"] == 2


async def test_apply_approve_sets_the_task_and_its_open_subtasks_done(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 85)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="8", apply=True)
    task = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][7]
    assert task["status"] == "done" and [s["status"] for s in task["subtasks"]] == ["done", "done"]
    assert task["details"] == ""
    assert data["applied"] == {"status": "done", "changed": ["8", "8.1", "8.2"], "note": False}


async def test_apply_changes_requested_sets_review_adds_follow_ups_and_appends_the_review_note(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    provider_server.script(
        MESSAGES,
        Reply(
            text=verdict(
                "changes_requested",
                60,
                {"severity": "minor", "file": "src/calc.py", "line": None, "message": "Add type hints"},
                follow=["Validate inputs", "Document the error envelope"],
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="4", apply=True)
    task = json.loads((root / ".taskmaster/tasks/tasks.json").read_text())["master"]["tasks"][3]
    assert task["status"] == "review"
    assert [(s["id"], s["title"], s["status"]) for s in task["subtasks"][3:]] == [
        (4, "Validate inputs", "pending"),
        (5, "Document the error envelope", "pending"),
    ]
    assert "\nReview against HEAD: changes_requested, score 60/100. changes_requested at 60." in task["details"]
    assert "- [minor] src/calc.py: Add type hints" in task["details"]
    assert "Follow-up subtasks added: 4.4, 4.5\n</info added on" in task["details"]
    assert task["details"].startswith("REST first.\n<info added on 2025-09-02")
    assert data["applied"]["addedSubtasks"] == ["4.4", "4.5"] and data["applied"]["status"] == "review"


async def test_review_outside_a_git_repository_or_with_a_bad_base_says_what_to_do_and_changes_nothing(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    plain = ai_project(tmp_path / "plain", provider_server, shared_fixtures / "messy-tasks.json")
    root = repo(tmp_path, provider_server, shared_fixtures, review={"approveScore": 120})
    before = snapshot(plain), snapshot(root)
    async with connected(plain, env=ai_env(tmp_path)) as client:
        not_repo = await error(client, "review", id="3")
        bad_base = await error(client, "review", id="3", base="no-such-branch", projectRoot=str(root))
        option = await error(client, "review", id="3", base="--output=/tmp/x", projectRoot=str(root))
        bad_config = await error(client, "review", id="3", apply=True, projectRoot=str(root))
        subtask = await error(client, "review", id="3.2", projectRoot=str(root))
    assert "not inside a git work tree" in not_repo and "git init" in not_repo
    assert "base 'no-such-branch' is not a commit" in bad_base
    assert "is not a git revision" in option
    assert "taskmasterMcp.review.approveScore" in bad_config
    assert "review takes a task id" in subtask
    assert provider_server.seen() == []
    assert (snapshot(plain), snapshot(root)) == before


def committed_work(tmp_path: Path, server: ProviderServer, fixtures: Path) -> Path:
    """The repository after an agent committed its work: two commits, .env ignored, a clean tree."""
    root = repo(tmp_path, server, fixtures)
    (root / ".gitignore").write_text(".env\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "work")
    return root


async def test_review_of_a_clean_tree_says_there_are_no_changes_and_which_base_to_pass_then_reviews_with_it(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = committed_work(tmp_path, provider_server, shared_fixtures)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "review", id="3")
        assert provider_server.seen() == [] and snapshot(root) == before
        provider_server.script(MESSAGES, Reply(text=verdict("approve", 90)))
        data = await ok(client, "review", id="3", base="HEAD~1")
    assert (
        "No changes between HEAD and the working tree. If the work is committed, pass base=<the commit before "
        "it>, e.g. base=HEAD~1"
    ) in message
    assert data["diff"]["files"] == [".gitignore", "src/calc.py", "src/new_module.py"]
    assert "+def subtract(a, b):" in json.dumps(provider_server.seen(MESSAGES)[0].body)


async def test_review_of_new_untracked_files_only_sends_them_to_the_model(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = committed_work(tmp_path, provider_server, shared_fixtures)
    (root / "src/feature.py").write_text("FEATURE_MARKER = 'new'\n")
    (root / "tests").mkdir()
    (root / "tests/test_feature.py").write_text("def test_feature():\n    assert True\n")
    index_before = index_digest(root)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 88)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    assert "FEATURE_MARKER" in body and "def test_feature():" in body
    assert data["diff"]["files"] == data["diff"]["untracked"] == ["src/feature.py", "tests/test_feature.py"]
    assert index_digest(root) == index_before


@pytest.mark.parametrize("change", ["deletion", "rename", "binary"])
async def test_review_of_only_a_deletion_a_rename_or_a_binary_change_is_reviewed_without_crashing(
    change: str, tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = committed_work(tmp_path, provider_server, shared_fixtures)
    if change == "deletion":
        (root / "src/new_module.py").unlink()
    elif change == "rename":
        git(root, "mv", "src/new_module.py", "src/module.py")
    else:
        (root / "src/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00BINARY_BYTES")
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 80)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    expected = {
        "deletion": ("src/new_module.py", "deleted file mode"),
        "rename": ("src/module.py", "rename from src/new_module.py"),
        "binary": ("src/logo.png", "Binary file src/logo.png added"),
    }[change]
    assert data["diff"]["files"] == [expected[0]] and expected[1] in body and "BINARY_BYTES" not in body


async def test_review_in_a_repository_without_commits_reviews_every_file_as_new_and_an_empty_one_says_so(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "fresh", provider_server, shared_fixtures / "messy-tasks.json")
    git(root, "init", "-q")
    async with connected(root, env=ai_env(tmp_path)) as client:
        empty = await error(client, "review", id="3")
        (root / "app.py").write_text("APP_MARKER = 1\n")
        provider_server.script(MESSAGES, Reply(text=verdict("approve", 81)))
        data = await ok(client, "review", id="3")
    assert "the repository has no commits" in empty and "new files are reviewed" in empty
    assert ".taskmaster/tasks/tasks.json" in empty and "HEAD~1" not in empty
    assert data["diff"]["files"] == ["app.py"]
    assert data["diff"]["excluded"] == [".taskmaster/config.json", ".taskmaster/tasks/tasks.json"]
    assert "storage-team" not in json.dumps(provider_server.seen(MESSAGES)[0].body)


KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAA"
PRIVATE_KEY = f"-----BEGIN OPENSSH {'PRIVATE'} KEY-----\n{KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"


async def test_changed_env_key_and_credential_files_never_reach_the_model_and_the_result_lists_them(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = repo(tmp_path, provider_server, shared_fixtures)
    tracked = {
        ".env.production": "DB=1\n",
        "config/app.env": "A=1\n",
        "deploy/id_ed25519": "old\n",
        ".npmrc": "registry=x\n",
        "config/settings.env": "S=1\n",
    }
    for rel, text in tracked.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", *tracked)
    git(root, "commit", "-q", "-m", "config")
    (root / ".env.production").write_text("DB_PASSWORD=sk-live-prod\n")
    (root / "config/app.env").write_text("A=sk-live-app\n")
    (root / "deploy/id_ed25519").write_text(PRIVATE_KEY)
    (root / ".npmrc").write_text("//registry.npmjs.org/:_authToken=sk-live-npm\n")
    git(root, "mv", "config/settings.env", "config/settings.txt")
    (root / "certs").mkdir()
    (root / "certs/server.pem").write_text(PRIVATE_KEY)
    (root / "docs").mkdir()
    (root / "docs/setup.txt").write_text("Deploy key:\n" + PRIVATE_KEY)
    provider_server.script(MESSAGES, Reply(text=verdict("approve", 90)))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="3")
    body = json.dumps(provider_server.seen(MESSAGES)[0].body)
    for secret in ("sk-live", KEY_BODY, "DB_PASSWORD", "_authToken"):
        assert secret not in body
    assert data["diff"]["files"] == ["src/calc.py", "src/new_module.py"]
    assert data["diff"]["excluded"] == [
        ".env",
        ".env.production",
        ".npmrc",
        "certs/server.pem",
        "config/app.env",
        "config/settings.txt",
        "deploy/id_ed25519",
        "docs/setup.txt",
    ]
    assert "[not shown: changes to 8 file(s) that are never sent to a model" in body


async def test_a_private_paths_entry_is_refused_and_only_private_changes_say_so_without_a_model_request(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = committed_work(tmp_path, provider_server, shared_fixtures)
    (root / "src/settings.txt").symlink_to(root / ".env")
    (root / ".npmrc").write_text("//registry.npmjs.org/:_authToken=sk-live-npm\n")
    async with connected(root, env=ai_env(tmp_path)) as client:
        before = snapshot(root)
        env = await error(client, "review", id="3", paths=".env")
        link = await error(client, "review", id="3", paths="src/settings.txt")
        store = await error(client, "review", id="3", paths=".taskmaster/tasks/tasks.json")
        listed = await error(client, "review", id="3", paths="src,.npmrc")
        assert snapshot(root) == before
        (root / "src/settings.txt").unlink()
        before = snapshot(root)
        only_private = await error(client, "review", id="3")
        assert snapshot(root) == before
    assert "paths entry '.env' is private, an environment file" in env and "leave paths out" in env
    assert "paths entry 'src/settings.txt' (it resolves to '.env') is private" in link
    assert "is private, Task Master's internal state" in store
    assert "paths entry '.npmrc' is private, a credentials file" in listed
    assert (
        "The only changes between HEAD and the working tree are to files never sent to a model (.npmrc: "
        in only_private
    ) and "base=HEAD~1" in only_private
    assert provider_server.seen() == []


async def test_review_sends_code_around_changed_hunks_manifests_and_open_subtasks_and_drops_duplicate_follow_ups(
    tmp_path: Path, provider_server: ProviderServer, shared_fixtures: Path
) -> None:
    root = ai_project(tmp_path / "repo", provider_server, shared_fixtures / "messy-tasks.json")
    (root / "pyproject.toml").write_text('[project]\nname = "calc"\n')
    (root / "src").mkdir()
    lines = [f"def f{n}(x):\n    return x + {n}\n" for n in range(60)]
    (root / "src/calc.py").write_text("".join(lines))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    lines[30] = "def f30(x):\n    return x * 30  # CHANGED_LINE\n"
    (root / "src/calc.py").write_text("".join(lines))
    provider_server.script(
        MESSAGES,
        Reply(
            text=verdict(
                "changes_requested", 60, follow=["Validation", "Write the validation tests", "Document rate limits"]
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "review", id="4")
    text = "\n".join(str(m.get("content")) for m in provider_server.seen(MESSAGES)[0].body["messages"])
    around = text.split('<code path="src/calc.py">\n')[1].split("\n</code>")[0]
    assert around.startswith("lines 44-80:\n   44     return x + 21\n")  # the hunk (3 lines of context) +/- 15
    assert "   62     return x * 30  # CHANGED_LINE" in around and around.endswith("   80     return x + 39")
    assert '<file path="pyproject.toml">\n[project]\nname = "calc"' in text
    assert (
        "Open subtasks already planned (do not propose follow-ups that duplicate them; list those this change "
        "completes):\n4.1 Routes\n"
        "4.2 Validation\n4.3 Error envelope" in text
    )
    assert [f["title"] for f in data["followUpSubtasks"]] == ["Write the validation tests", "Document rate limits"]
    assert data["droppedFollowUps"] == ["Validation"] and data["usage"]["promptVersion"] == "review@3"
