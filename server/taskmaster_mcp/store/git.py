"""The git operations of the autopilot workflow: repository checks, the task branch, staging and commits.

Read-only questions run with ``--no-optional-locks`` (so asking never rewrites the index) and every path given by
the caller is a literal pathspec. Commands that change the repository are few and each is checked first: a branch
is created only after its name was validated and the tree found clean; a commit stages only when something is
there to stage, and a commit git refuses (a hook, a missing identity) puts the index back as it was.

The project's ``.taskmaster/`` folder is bookkeeping, not work: the workflow itself updates task statuses there at
every step (Task Master's own clean-tree check trips over exactly that), and it holds our lock file. It does not
count as uncommitted work in :func:`dirty_paths`, and a commit of "every change" leaves it out (name its files to
commit them).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from taskmaster_mcp.errors import ConfigError, Conflict, InvalidInput
from taskmaster_mcp.store.guard import released, stopping
from taskmaster_mcp.store.paths import TASKMASTER_DIR

GIT_TIMEOUT_SECONDS = 60
_GIT = ("git", "--no-optional-locks", "-c", "core.quotepath=off", "-c", "color.ui=false")


def run_bounded(
    argv: list[str], cwd: Path, *, timeout: float, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` in ``cwd`` in its own process group; after ``timeout`` seconds kill the whole group.

    A git hook may start children of its own (a test runner, a formatter); killing only git would leave them
    running and holding the pipes. Raises ``subprocess.TimeoutExpired`` once the group is gone. The guards of
    :mod:`taskmaster_mcp.store.guard` are let go meanwhile, so other calls on the project go on.
    """
    with released():
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=sys.platform != "win32",
        )
        deadline = time.monotonic() + timeout
        try:
            while True:  # in slices, so a server asked to stop does not wait out a hook
                try:
                    out, err = proc.communicate(stdin, timeout=min(0.5, max(0.0, deadline - time.monotonic())))
                    break
                except subprocess.TimeoutExpired:
                    stdin = None  # communicate() sends it once; later calls must not send it again
                    if time.monotonic() >= deadline or stopping.is_set():
                        raise
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            raise
        except BaseException:
            _kill_group(proc)
            proc.wait()
            raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - no process groups; the direct child only
        proc.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_git(
    root: Path,
    *args: str,
    why: str,
    when_slow: str,
    timeout: float = GIT_TIMEOUT_SECONDS,
    stdin: bytes | None = None,
    options: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[bytes]:
    """The one git runner (autopilot's and review's): git with our options in ``root``, bounded by ``timeout``.

    Never raises for git's own exit status. A missing git is a :class:`ConfigError` saying ``why`` git is needed; a
    timeout (the whole process group killed, see :func:`run_bounded`) is :class:`InvalidInput` saying ``when_slow``.
    """
    try:
        return run_bounded([*_GIT, *options, *args], root, timeout=timeout, stdin=stdin)
    except FileNotFoundError:
        raise ConfigError(
            f"git is not installed or not on the server's PATH. Install git ({why}), then retry."
        ) from None
    except subprocess.TimeoutExpired:
        raise InvalidInput(when_slow) from None


def run(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in ``root`` (output as text; never raises for git's own exit status)."""
    done = run_git(
        root,
        *args,
        why="autopilot makes a branch and a commit per subtask",
        when_slow=f"git {args[0]} took over {GIT_TIMEOUT_SECONDS}s and was stopped with every process it started. "
        "Check the repository (a hook waiting for input?), then retry.",
        stdin=stdin.encode("utf-8") if stdin is not None else None,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, _text(done.stdout), _text(done.stderr))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n")


def _out(root: Path, *args: str, raw: bool = False) -> str:
    done = run(root, *args)
    if done.returncode != 0:
        raise InvalidInput(f"git {' '.join(args)} failed: {done.stderr.strip()[:300]}")
    return done.stdout if raw else done.stdout.strip()


def require_repo(root: Path) -> None:
    """Refuse a folder outside a git work tree, or a repository without a commit to branch from."""
    inside = run(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise InvalidInput(
            f"{root} is not in a git repository. Autopilot makes a branch and a commit per subtask: "
            "run `git init` and make a first commit, then call autopilot_start again."
        )
    if head(root) is None:
        raise InvalidInput(
            f"The git repository of {root} has no commit yet, so there is nothing to branch from. "
            "Make a first commit (git add, git commit), then call autopilot_start again."
        )


def head(root: Path) -> str | None:
    """The commit id of HEAD (None in a repository without commits)."""
    done = run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return done.stdout.strip() if done.returncode == 0 else None


def current_branch(root: Path) -> str | None:
    """The checked-out branch (None on a detached HEAD)."""
    done = run(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return done.stdout.strip() if done.returncode == 0 else None


def branch_exists(root: Path, name: str) -> bool:
    """Whether a local branch ``name`` exists."""
    return run(root, "show-ref", "--verify", "--quiet", f"refs/heads/{name}").returncode == 0


def check_branch_name(root: Path, name: str) -> None:
    """Refuse a name git would not accept for a branch (a tag name with spaces, ``..``, ``~`` and so on)."""
    if run(root, "check-ref-format", "--branch", name).returncode != 0:
        raise InvalidInput(
            f"'{name}' is not a valid git branch name (it is built from the tag and the task title). "
            "Use a tag without spaces or special characters (rename_tag), then retry."
        )


def create_branch(root: Path, name: str) -> None:
    """Create branch ``name`` at HEAD and check it out."""
    done = run(root, "checkout", "-q", "-b", name)
    if done.returncode != 0:
        raise Conflict(f"git could not create and check out branch {name}: {done.stderr.strip()[:300]}")


def _status_entries(root: Path, *pathspecs: str) -> list[str]:
    """Paths (relative to the repository's top) with staged, unstaged or untracked changes."""
    listed = _out(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *pathspecs, raw=True)
    fields = listed.split("\0")
    paths: list[str] = []
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # a rename or copy is followed by its source path
            i += 1
    return paths


def dirty_paths(root: Path) -> list[str]:
    """Uncommitted changes anywhere in the repository, except in the project's ``.taskmaster/`` folder."""
    prefix = _out(root, "rev-parse", "--show-prefix", raw=True).strip("\n") + TASKMASTER_DIR + "/"
    return [path for path in _status_entries(root) if not path.startswith(prefix)]


def _specs(paths: list[str]) -> list[str]:
    """Literal pathspecs for project-relative ``paths``; none means the whole project but ``.taskmaster/``."""
    return [f":(literal){p}" for p in paths] if paths else [".", f":(exclude){TASKMASTER_DIR}"]


def changes_in(root: Path, paths: list[str]) -> list[str]:
    """Changed paths (staged, unstaged or new) within ``paths`` (see :func:`_specs`)."""
    return _status_entries(root, *_specs(paths))


def commit(
    root: Path, paths: list[str], message: str, refuse: Callable[[str], str | None] | None = None
) -> tuple[str, list[str]]:
    """Stage ``paths`` (project-relative; every change but ``.taskmaster/`` when empty) and commit with ``message``;
    return (sha, files committed).

    Refused without a change, before the index is touched. When git refuses the commit, the index is reset to what
    it held before staging. With ``refuse`` (why a project-relative file must not be staged, or None), staging
    every change is refused when any changed file is refused, naming them all, before the index is touched.
    """
    changed = changes_in(root, paths)
    if not changed:
        where = f" in {', '.join(paths)}" if paths else ""
        outside = "" if paths else " outside .taskmaster/"
        raise Conflict(
            f"Nothing to commit{where}: no file{outside} differs from the last commit. Write the subtask's "
            "tests and code (or pass the files you changed), then call autopilot_commit again."
        )
    if refuse is not None and not paths:
        prefix = _out(root, "rev-parse", "--show-prefix", raw=True).strip("\n")
        why = {p: refuse(p.removeprefix(prefix)) for p in changed}
        named = [f"{p} ({reason})" for p, reason in why.items() if reason is not None]
        if named:
            raise InvalidInput(
                f"Not committing every change: {len(named)} changed file(s) must never be committed unasked: "
                f"{'; '.join(named[:20])}. Add them to .gitignore (or remove them), or pass files=[...] naming "
                "exactly what to commit. Nothing was staged."
            )
    saved = _out(root, "write-tree")
    staged = run(root, "add", "-A", "--", *_specs(paths))
    if staged.returncode != 0:
        run(root, "read-tree", saved)
        raise InvalidInput(
            f"git add failed: {staged.stderr.strip()[:300]}. Pass files inside the project that git "
            "does not ignore, or leave files out to stage every change."
        )
    files = _out(root, "diff", "--cached", "--name-only", "-z", raw=True).split("\0")
    try:
        done = run(root, "commit", "-q", "--file=-", stdin=message)
    except InvalidInput:  # a hook that never finished: the commit was not made
        run(root, "read-tree", saved)
        raise
    if done.returncode != 0:
        run(root, "read-tree", saved)
        detail = (done.stderr.strip() or done.stdout.strip())[:600]
        raise Conflict(
            f"git refused the commit: {detail}. Nothing was committed and the staging area is as it was. "
            "Fix the cause (a failing hook, or set user.name and user.email with git config), then call "
            "autopilot_commit again."
        )
    return _out(root, "rev-parse", "HEAD"), [f for f in files if f]


def branch_start(root: Path, branch: str) -> str:
    """The commit ``branch`` grew from: the parent of its oldest commit not on any other local branch."""
    own = _out(root, "rev-list", "--reverse", branch, "--not", f"--exclude=refs/heads/{branch}", "--branches")
    first = own.split("\n", 1)[0].strip()
    if not first:
        return _out(root, "rev-parse", f"{branch}^{{commit}}")
    parent = run(root, "rev-parse", "--verify", "--quiet", f"{first}^")
    return parent.stdout.strip() if parent.returncode == 0 else first


def add_worktree(root: Path, path: Path, branch: str) -> None:
    """Create branch ``branch`` at HEAD checked out in a new working tree at ``path`` (``git worktree add -b``)."""
    done = run(root, "worktree", "add", "-q", "-b", branch, str(path), "HEAD")
    if done.returncode != 0:
        raise Conflict(f"git could not create the working tree {path} for {branch}: {done.stderr.strip()[:300]}")


def remove_worktree(root: Path, path: Path) -> None:
    """Remove the working tree at ``path`` (refused by git, and so here, while it holds uncommitted work)."""
    done = run(root, "worktree", "remove", str(path))
    if done.returncode != 0:
        raise Conflict(f"git could not remove the working tree {path}: {done.stderr.strip()[:300]}")
    run(root, "worktree", "prune")
