"""gitdiff.collect, the core of review, against real git repositories in tmp_path: every state a finished task
can leave (clean, new files only, deletion, rename, binary, no commits) and names git has to quote."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_helpers import git, isolated_git  # noqa: F401  (isolated_git applies to every test here)
from taskmaster_mcp.ai.gitdiff import chunk_names, collect
from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.store.paths import Paths


def committed(root: Path, files: dict[str, str | bytes]) -> Path:
    """A repository at ``root`` whose one commit holds ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


def test_a_clean_tree_has_no_files_and_does_not_crash(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n"})
    diff = collect(Paths(root))
    assert (diff.files, diff.excluded, diff.text, diff.unborn) == ([], [], "", False)


def test_new_files_only_are_in_the_diff_as_new_files(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n"})
    (root / "src/b.py").write_text("NEW_FILE_MARKER = 2\n")
    diff = collect(Paths(root))
    assert (diff.files, diff.untracked) == (["src/b.py"], ["src/b.py"])
    assert "diff --git a/src/b.py b/src/b.py" in diff.text and "+NEW_FILE_MARKER = 2" in diff.text


def test_a_deletion_only_is_reviewed_as_a_deleted_file(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n", "src/old.py": "OLD = 1\n"})
    (root / "src/old.py").unlink()
    diff = collect(Paths(root))
    assert diff.files == ["src/old.py"]
    assert "deleted file mode" in diff.text and "-OLD = 1" in diff.text


def test_a_rename_only_is_reviewed_under_its_new_name(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "".join(f"line_{n} = {n}\n" for n in range(20))})
    git(root, "mv", "src/a.py", "src/renamed.py")
    diff = collect(Paths(root))
    assert diff.files == ["src/renamed.py"]
    assert "rename from src/a.py\nrename to src/renamed.py" in diff.text


def test_a_binary_change_is_named_without_its_bytes(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"img/logo.bin": b"\x00\x01\x02old"})
    (root / "img/logo.bin").write_bytes(b"\x00\x01\x02new")
    (root / "img/new.bin").write_bytes(b"\x00\xffNEWBYTES")
    diff = collect(Paths(root))
    assert diff.files == ["img/logo.bin", "img/new.bin"]
    assert "Binary files a/img/logo.bin and b/img/logo.bin differ" in diff.text
    assert "Binary file img/new.bin added (10 bytes)" in diff.text and "NEWBYTES" not in diff.text


def test_a_repository_without_commits_reviews_staged_and_untracked_files_as_new(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "staged.py").write_text("STAGED = 1\n")
    (root / "loose.py").write_text("LOOSE = 1\n")
    git(root, "add", "staged.py")
    diff = collect(Paths(root))
    assert diff.unborn and diff.files == ["staged.py", "loose.py"] and diff.untracked == ["loose.py"]
    assert "+STAGED = 1" in diff.text and "+LOOSE = 1" in diff.text


def test_an_empty_repository_without_commits_has_nothing_to_review_and_says_it_is_unborn(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    diff = collect(Paths(root))
    assert (diff.files, diff.unborn) == ([], True)
    with pytest.raises(InvalidInput, match="base 'HEAD~1' is not a commit"):
        collect(Paths(root), "HEAD~1")


def test_a_sha256_repository_without_commits_diffs_against_its_own_empty_tree(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "--object-format=sha256")
    (root / "a.py").write_text("A = 1\n")
    git(root, "add", "a.py")
    diff = collect(Paths(root))
    assert diff.unborn and diff.files == ["a.py"] and "+A = 1" in diff.text


def test_names_git_quotes_or_spaces_are_read_back_exactly_and_a_private_one_is_still_excluded(tmp_path: Path) -> None:
    names = ["my dir/a b.txt", "tab\tname.txt", 'quote"d.txt', "naïve.txt", "my dir/.env"]
    root = committed(tmp_path / "r", dict.fromkeys(names, "old\n"))
    for name in names:
        (root / name).write_text("new SECRET_OR_NOT\n" if name.endswith(".env") else "new\n")
    diff = collect(Paths(root))
    assert diff.files == sorted(n for n in names if not n.endswith(".env"))
    assert diff.excluded == ["my dir/.env"]
    assert "SECRET_OR_NOT" not in diff.text


def test_a_users_diff_prefix_config_does_not_change_how_names_are_read(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n", ".env": "KEY=old\n"})
    git(root, "config", "diff.noprefix", "true")
    git(root, "config", "diff.mnemonicPrefix", "true")
    (root / "src/a.py").write_text("A = 2\n")
    (root / ".env").write_text("KEY=sk-live-new\n")
    diff = collect(Paths(root))
    assert (diff.files, diff.excluded) == (["src/a.py"], [".env"])
    assert "sk-live-new" not in diff.text


def test_a_rename_of_a_private_file_is_excluded_by_its_old_name(tmp_path: Path) -> None:
    root = committed(tmp_path / "r", {"deploy/prod.env": "DB_PASSWORD=hunter2\nA=1\nB=2\n"})
    git(root, "mv", "deploy/prod.env", "deploy/settings.txt")
    diff = collect(Paths(root))
    assert (diff.files, diff.excluded) == ([], ["deploy/settings.txt"])


def test_private_files_are_excluded_by_name_or_by_a_key_in_their_content_and_counted_in_a_note(tmp_path: Path) -> None:
    key = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n", "keys/id_ed25519": "old\n"})
    (root / "src/a.py").write_text("A = 2\n")
    (root / "keys/id_ed25519").write_text(key)
    (root / "notes.txt").write_text("setup:\n" + key)
    (root / ".env.local").write_text("TOKEN=abc\n")
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/tasks/tasks.json").write_text('{"metadata": "storage-team"}')
    diff = collect(Paths(root))
    assert diff.files == ["src/a.py"]
    assert diff.excluded == [".env.local", ".taskmaster/tasks/tasks.json", "keys/id_ed25519", "notes.txt"]
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in diff.text and "storage-team" not in diff.text
    assert "[not shown: changes to 4 file(s) that are never sent to a model" in diff.text


def test_a_paths_entry_naming_a_private_file_or_a_link_to_one_is_refused_and_a_new_link_is_never_followed(
    tmp_path: Path,
) -> None:
    root = committed(tmp_path / "r", {"src/a.py": "A = 1\n"})
    (root / ".env").write_text("KEY=1\n")
    (root / "src/settings").symlink_to(root / ".env")
    for entry in (".env", "src/settings", ".taskmaster", ".ssh/id_rsa"):
        with pytest.raises(InvalidInput, match="is private"):
            collect(Paths(root), only=[entry])
    narrowed = collect(Paths(root), only=["src", ".taskmaster/docs"])
    assert narrowed.files == ["src/settings"]  # the new link itself, never what it points at
    assert "[symlink: target not read]" in narrowed.text and "KEY=1" not in narrowed.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("diff --git a/a b.txt b/a b.txt\nindex 1..2\n", ("a b.txt", ["a b.txt"])),
        ('diff --git "a/t\\tx" "b/t\\tx"\nindex 1..2\n', ("t\tx", ["t\tx"])),
        (
            'diff --git a/old "b/n\\"w"\nsimilarity index 90%\nrename from old\nrename to "n\\"w"\n--- a/old\n',
            ('n"w', ["old", 'n"w']),
        ),
        ("diff --git x.py x.py\nindex 1..2\n", ("x.py x.py", None)),
    ],
)
def test_chunk_names_reads_git_headers_and_fails_closed_on_anything_else(
    header: str, expected: tuple[str, list[str] | None]
) -> None:
    assert chunk_names(header) == expected


def test_review_and_autopilot_share_one_bounded_git_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing git is refused with the caller's reason by the one runner in store/git.py."""
    from taskmaster_mcp.ai import gitdiff
    from taskmaster_mcp.errors import ConfigError
    from taskmaster_mcp.store import git as store_git

    monkeypatch.setenv("PATH", str(tmp_path))  # no git here
    with pytest.raises(ConfigError, match=r"Install git \(review reads `git diff`\)"):
        gitdiff.resolve_base(tmp_path, "HEAD")
    with pytest.raises(ConfigError, match=r"Install git \(autopilot makes a branch"):
        store_git.head(tmp_path)
    assert gitdiff.run_git is store_git.run_git
