"""Real git repositories in tmp_path, isolated from the user's and the system's git configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

IDENTITY = ("-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main")


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config, and no repository discovery above tmp_path (for the server's git too).

    Import it into a test module (``from git_helpers import isolated_git``) to apply it to every test there.
    """
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(root: Path, *args: str, identity: bool = True) -> str:
    """Run git in ``root`` (with a throwaway identity unless told not to); return its stdout."""
    done = subprocess.run(
        ["git", *(IDENTITY if identity else ()), *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout
