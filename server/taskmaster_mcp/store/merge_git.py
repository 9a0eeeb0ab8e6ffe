"""The three versions of a file in the middle of a git merge, read from git's index stages.

While a merge (or rebase, cherry-pick, stash pop) stops on a conflict, git keeps each version of the file in its
index: stage 1 the common ancestor, stage 2 ours, stage 3 theirs. They are exact, whatever conflict style wrote the
markers into the work tree, so ``fix-conflicts`` merges these rather than guessing from the markers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from taskmaster_mcp.errors import ConfigError, InvalidInput, StoreError
from taskmaster_mcp.store import git


@dataclass(frozen=True)
class Stages:
    """The unmerged versions of one file: ``base`` is None when both sides added the file (no ancestor)."""

    base: str | None
    ours: str
    theirs: str
    repo_path: str  # the file's path inside the repository (git's %P)


def unmerged_stages(file: Path) -> Stages | None:
    """The index stages of ``file`` when git has it unmerged, else None (not in a repository, git missing, or the
    file merged already). StoreError when one side deleted the file (there is nothing to merge task by task)."""
    folder = file.parent if file.parent.is_dir() else Path.cwd()
    try:
        top = git.run(folder, "rev-parse", "--show-toplevel")
    except (ConfigError, InvalidInput):
        return None
    if top.returncode != 0:
        return None
    root = Path(top.stdout.strip())
    try:
        repo_path = Path(os.path.realpath(file)).relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return None
    listed = git.run(root, "ls-files", "--unmerged", "-z", "--", f":(literal){repo_path}")
    if listed.returncode != 0:
        return None
    stages = {entry.split("\t", 1)[0].split(" ")[2] for entry in listed.stdout.split("\0") if "\t" in entry}
    if not stages:
        return None
    if not {"2", "3"} <= stages:
        side = "ours" if "2" not in stages else "theirs"
        raise StoreError(
            f"{repo_path}: {side} deleted the file, so there are no tasks to merge. Keep one side with "
            f"`git checkout --ours -- {repo_path}` or `--theirs`, then `git add {repo_path}`. Nothing was written."
        )
    texts = {n: _show(root, f":{n}:{repo_path}") for n in sorted(stages)}
    return Stages(texts.get("1"), texts["2"], texts["3"], repo_path)


def _show(root: Path, spec: str) -> str:
    done = git.run(root, "show", spec)
    if done.returncode != 0:
        raise StoreError(f"git show {spec} failed ({done.stderr.strip()[:200]}); nothing was written.")
    return done.stdout
