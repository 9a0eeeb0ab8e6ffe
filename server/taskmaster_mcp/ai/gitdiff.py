"""The changes ``review`` looks at: ``git diff`` of the working tree against a base commit, plus untracked files.

Read-only by construction: git runs with ``--no-optional-locks`` (so ``git diff`` does not refresh the index),
untracked files are listed with ``git ls-files --others --exclude-standard`` and read from disk (never ``git add
-N``), and no external diff or textconv driver runs. The diff is limited to the project directory (``--relative``)
and, optionally, to some paths inside it.

Large diffs are cut per file and in total; what was cut or left out is listed in a note at the top of the text
and in :class:`Diff`, never dropped silently.

Never sent, whatever the paths: ``.taskmaster/`` (tasks.json holds user ``metadata``, which no model may see) and
``.env`` files (API keys). They are listed in :attr:`Diff.excluded` so the caller can say so.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import private

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree: the base when there are no commits
GIT_TIMEOUT_SECONDS = 30
_GIT = ("git", "--no-optional-locks", "-c", "core.quotepath=off", "-c", "color.ui=false", "--literal-pathspecs")
_FILE_START = re.compile(r"^diff --git ", re.MULTILINE)


@dataclass
class Diff:
    """The diff text for a prompt and what it covers."""

    base: str
    text: str
    files: list[str] = field(default_factory=lambda: [])
    untracked: list[str] = field(default_factory=lambda: [])
    cut: list[str] = field(default_factory=lambda: [])
    omitted: list[str] = field(default_factory=lambda: [])
    excluded: list[str] = field(default_factory=lambda: [])


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([*_GIT, *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_SECONDS,
                              check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ConfigError("git is not installed or not on the server's PATH. Install git (review reads "
                          "`git diff`), then retry.") from None
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"git took over {GIT_TIMEOUT_SECONDS}s. Narrow the review with paths=...") from None


def resolve_base(root: Path, base: str) -> str:
    """The commit id of ``base``; the empty tree for HEAD of a repository without commits."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise InvalidInput(f"{root} is not inside a git work tree. review compares your changes with a commit: run "
                           "`git init` and commit, or pass the projectRoot of a git checkout.")
    if not base or base.startswith("-") or any(c.isspace() or not c.isprintable() for c in base):
        raise InvalidInput(f"base {base!r} is not a git revision. Pass a branch, tag or commit sha (default HEAD).")
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.decode().strip()
    if base == "HEAD":
        return EMPTY_TREE  # no commits yet: everything in the work tree is new
    raise InvalidInput(f"base '{base}' is not a commit in this repository. Pass a branch, tag or commit sha "
                       "(default HEAD); `git log --oneline` lists commits.")


def pathspecs(paths: Paths, only: list[str]) -> list[str]:
    """Project-relative pathspecs for ``only`` (each confined to the project), or ``[]`` for everything."""
    root = paths.root.resolve()
    specs: list[str] = []
    for raw in only:
        full = paths.inside(raw, what="paths entry")
        specs.append(full.relative_to(root).as_posix() or ".")
    return specs


def _untracked_diff(root: Path, rel: str, per_file: int) -> str:
    path = root / rel
    header = f"diff --git a/{rel} b/{rel}\nnew file (untracked)\n"
    if path.is_symlink():
        return header + "[symlink: target not read]\n"
    try:
        with path.open("rb") as fh:
            data = fh.read(per_file * 4 + 1)
        size = path.stat().st_size
    except OSError as exc:
        return header + f"[could not read: {exc.strerror}]\n"
    if b"\0" in data[:8192]:
        return header + f"Binary file {rel} added ({size} bytes)\n"
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    if size > len(data):
        body += f"[... file is {size} bytes; only the start was read]\n"
    return f"{header}--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(lines)} @@\n{body}"


def _name(chunk: str) -> str:
    first = chunk.split("\n", 1)[0]
    match = re.match(r"diff --git a/(.*) b/(.*)$", first)
    return match.group(2) if match else first


def _old_name(chunk: str) -> str:
    match = re.match(r"diff --git a/(.*) b/", chunk)
    return match.group(1) if match else ""


def collect(paths: Paths, base: str = "HEAD", only: list[str] | None = None, *, per_file: int = 12_000,
            total: int = 200_000) -> Diff:
    """The working tree's changes against ``base`` (tracked and untracked), cut to the given sizes with notes."""
    root = paths.root.resolve()
    commit = resolve_base(root, base)
    specs = pathspecs(paths, only or [])
    tracked = _git(root, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--relative",
                   commit, "--", *specs)
    if tracked.returncode != 0:
        message = tracked.stderr.decode(errors="replace").strip()[:300]
        raise InvalidInput(f"git diff against {base} failed: {message}. Check base and paths.")
    listed = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *specs)
    untracked = [p for p in listed.stdout.decode(errors="replace").split("\0") if p] if listed.returncode == 0 else []
    text = tracked.stdout.decode("utf-8", errors="replace")
    starts = [m.start() for m in _FILE_START.finditer(text)]
    chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    result = Diff(base=base, text="", untracked=sorted(rel for rel in untracked if not private(rel)),
                  excluded=sorted(rel for rel in untracked if private(rel)))
    chunks += [_untracked_diff(root, rel, per_file) for rel in result.untracked]
    kept: list[str] = []
    used = 0
    for chunk in chunks:
        name = _name(chunk)
        if private(name) or private(_old_name(chunk)):
            result.excluded.append(name)
            continue
        result.files.append(name)
        if used >= total:
            result.omitted.append(name)
            continue
        limit = min(per_file, total - used)
        if len(chunk) > limit:
            cut_at = chunk.rfind("\n", 0, limit) + 1 or limit
            result.cut.append(f"{name} ({cut_at} of {len(chunk)} characters shown)")
            chunk = (chunk[:cut_at] + f"[... cut: {len(chunk) - cut_at} more characters of this file's diff "
                                      "not shown]\n")
        kept.append(chunk)
        used += len(chunk)
    notes: list[str] = []
    if result.cut:
        notes.append("cut: " + "; ".join(result.cut))
    if result.omitted:
        notes.append("left out entirely (over the size limit): " + ", ".join(result.omitted))
    header = f"[diff truncated to fit the model's input: {' | '.join(notes)}]\n\n" if notes else ""
    result.text = header + "".join(kept)
    return result
