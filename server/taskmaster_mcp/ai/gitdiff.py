"""The changes ``review`` looks at: ``git diff`` of the working tree against a base commit, plus untracked files.

Read-only by construction: git runs with ``--no-optional-locks`` (so ``git diff`` does not refresh the index),
untracked files are listed with ``git ls-files --others --exclude-standard`` and read from disk (never ``git add
-N``), and no external diff or textconv driver runs. The diff is limited to the project directory (``--relative``)
and, optionally, to some paths inside it. The ``a/`` and ``b/`` prefixes are passed explicitly, so a user's
``diff.noprefix`` or ``diff.mnemonicPrefix`` cannot change how file names are read back.

Every state a finished task leaves works: tracked edits, new (untracked or staged) files only, deletions, renames,
binary files, a clean tree (no files: the caller says what to pass) and a repository without commits (the base
is git's empty tree, so every file is new).

Large diffs are cut per file and in total; what was cut or left out is listed in a note at the top of the text
and in :class:`Diff`, never dropped silently.

Never sent, whatever the paths: what :mod:`taskmaster_mcp.store.private` refuses (``.taskmaster/`` internals,
``.env`` files and their variants, keys and credentials, by either name of a rename, and hard links to any of
them) and any file whose diff holds a private key. They are listed in :attr:`Diff.excluded` so the caller can
say so, and the prompt gets a note with their number (not their names). A file whose name cannot be read back
from git's header is left out too: fail closed. A secret value in any other file's diff (a provider key, a
password in a URL or an assignment; :mod:`taskmaster_mcp.store.secrets`) is redacted where it stands, and the
file is listed in :attr:`Diff.redacted`.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.git import run_git
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import LinkGuard, check_for_prompt, private

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree (SHA-1 repositories)
GIT_TIMEOUT_SECONDS = 30
PATHS_FIX = "Pass other paths, or leave paths out: such files are left out of every diff anyway."
_DIFF = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--find-renames",
    "--relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
_FILE_START = re.compile(r"^diff --git ", re.MULTILINE)
_FROM_TO = re.compile(r"^(?:rename|copy) (from|to) (.*)$")
_HEADER_END = ("@@", "--- ", "+++ ", "Binary files ")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass
class Diff:
    """The diff text for a prompt and what it covers (``unborn``: the repository has no commits yet)."""

    base: str
    text: str
    files: list[str] = field(default_factory=lambda: [])
    untracked: list[str] = field(default_factory=lambda: [])
    cut: list[str] = field(default_factory=lambda: [])
    omitted: list[str] = field(default_factory=lambda: [])
    excluded: list[str] = field(default_factory=lambda: [])
    skipped: list[str] = field(default_factory=lambda: [])  # left out by the caller's ``skip`` (not private)
    redacted: list[str] = field(default_factory=lambda: [])
    unborn: bool = False


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_git(
        root,
        *args,
        why="review reads `git diff`",
        when_slow=f"git took over {GIT_TIMEOUT_SECONDS}s. Narrow the review with paths=...",
        timeout=GIT_TIMEOUT_SECONDS,
        options=("--literal-pathspecs",),
    )


def _empty_tree(root: Path) -> str:
    # the id depends on the repository's hash (SHA-1 or SHA-256); stdin is empty, so this hashes an empty tree
    made = _git(root, "hash-object", "-t", "tree", "--stdin")
    return made.stdout.decode().strip() if made.returncode == 0 and made.stdout.strip() else EMPTY_TREE


def resolve_base(root: Path, base: str) -> tuple[str, bool]:
    """The commit id of ``base``, and whether the repository has no commits (then the id is the empty tree's)."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise InvalidInput(
            f"{root} is not inside a git work tree. review compares your changes with a commit: run "
            "`git init` and commit, or pass the projectRoot of a git checkout."
        )
    if not base or base.startswith("-") or any(c.isspace() or not c.isprintable() for c in base):
        raise InvalidInput(f"base {base!r} is not a git revision. Pass a branch, tag or commit sha (default HEAD).")
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.decode().strip(), False
    if base == "HEAD":
        return _empty_tree(root), True  # no commits yet: everything in the work tree is new
    raise InvalidInput(
        f"base '{base}' is not a commit in this repository. Pass a branch, tag or commit sha "
        "(default HEAD); `git log --oneline` lists commits."
    )


def pathspecs(paths: Paths, only: list[str]) -> list[str]:
    """Project-relative pathspecs for ``only`` (each confined to the project and not private), or ``[]``."""
    root = paths.root.resolve()
    specs: list[str] = []
    for raw in only:
        full = check_for_prompt(paths, raw, what="paths entry", fix=PATHS_FIX)
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


def _read_quoted(text: str) -> tuple[str, str] | None:
    """A C-quoted name at the start of ``text`` (as git writes unusual names) and what follows it."""
    out = bytearray()
    i = 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return out.decode("utf-8", errors="replace"), text[i + 1 :]
        if char == "\\" and i + 1 < len(text):
            escaped = text[i + 1]
            if escaped in "0123" and re.fullmatch(r"[0-7]{3}", text[i + 1 : i + 4]):
                out.append(int(text[i + 1 : i + 4], 8))
                i += 4
                continue
            if escaped not in _ESCAPES:
                return None
            out.append(_ESCAPES[escaped])
            i += 2
            continue
        out += char.encode()
        i += 1
    return None


def _unquote(name: str) -> str | None:
    if not name.startswith('"'):
        return name
    read = _read_quoted(name)
    return read[0] if read is not None and not read[1] else None


def _same_name(pair: str) -> str | None:
    # "a/P b/P", or the quoted '"a/P" "b/P"': the header of every change but a rename or copy
    if pair.startswith('"'):
        read = _read_quoted(pair)
        if read is None or not read[0].startswith("a/") or _unquote(read[1][1:]) != "b/" + read[0][2:]:
            return None
        return read[0][2:]
    if (len(pair) - 5) % 2:
        return None
    name = pair[2 : 2 + (len(pair) - 5) // 2]
    return name if pair == f"a/{name} b/{name}" else None


def chunk_names(chunk: str) -> tuple[str, list[str] | None]:
    """The name to show for one file's diff, and every name it touches (old and new), or None if unreadable."""
    lines = chunk.split("\n")
    first = lines[0].removeprefix("diff --git ")
    moved: dict[str, str] = {}
    for line in itertools.takewhile(lambda ln: not ln.startswith(_HEADER_END), lines[1:]):
        match = _FROM_TO.match(line)
        name = _unquote(match.group(2)) if match else None
        if match and name is None:
            return first, None
        if match and name is not None:
            moved[match.group(1)] = name
    if moved:
        names = list(moved.values())
        return (moved["to"], names) if len(moved) == 2 else (first, None)
    same = _same_name(first)
    return (same, [same]) if same is not None else (first, None)


def _split(text: str) -> list[str]:
    starts = [m.start() for m in _FILE_START.finditer(text)]
    return [text[a:b] for a, b in itertools.pairwise([*starts, len(text)])]


def changed_ranges(text: str) -> dict[str, list[tuple[int, int]]]:
    """Per file shown in a diff text, the (first line, line count) of each hunk in the new version of the file.

    Deleted files (no new lines) and chunks whose name cannot be read back are left out.
    """
    found: dict[str, list[tuple[int, int]]] = {}
    for chunk in _split(text):
        name, names = chunk_names(chunk)
        if names is None:
            continue
        hunks = [(int(m.group(1)), int(m.group(2) or 1)) for m in _HUNK.finditer(chunk)]
        hunks = [(start, count) for start, count in hunks if start > 0 and count > 0]
        if hunks:
            found[name] = hunks
    return found


def collect(
    paths: Paths,
    base: str = "HEAD",
    only: list[str] | None = None,
    *,
    per_file: int = 12_000,
    total: int = 200_000,
    skip: Callable[[str, bool], bool] | None = None,
) -> Diff:
    """The working tree's changes against ``base`` (tracked and untracked), cut to the given sizes with notes.

    ``skip(name, untracked)``: files the caller leaves out (listed in :attr:`Diff.skipped`, never read when new)."""
    root = paths.root.resolve()
    commit, unborn = resolve_base(root, base)
    specs = pathspecs(paths, only or [])
    tracked = _git(root, *_DIFF, commit, "--", *specs)
    if tracked.returncode != 0:
        message = tracked.stderr.decode(errors="replace").strip()[:300]
        raise InvalidInput(f"git diff against {base} failed: {message}. Check base and paths.")
    listed = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *specs)
    if listed.returncode != 0:
        message = listed.stderr.decode(errors="replace").strip()[:300]
        raise InvalidInput(f"git ls-files (listing new files) failed: {message}. Check paths.")
    untracked = sorted(p for p in listed.stdout.decode(errors="replace").split("\0") if p)
    new = set(untracked)
    result = Diff(base=base, text="", unborn=unborn)
    entries = [(*chunk_names(chunk), chunk) for chunk in _split(tracked.stdout.decode("utf-8", errors="replace"))]
    links = LinkGuard(paths)

    def refused(rel: str) -> bool:
        return private(rel, paths) or links.why(root / rel) is not None

    # a new file's name (and inode) is judged before it is read: a private one is never opened
    left = {n for n in [*untracked, *(e[0] for e in entries)] if skip is not None and skip(n, n in new)}
    entries += [
        (rel, [rel], "" if refused(rel) or rel in left else _untracked_diff(root, rel, per_file)) for rel in untracked
    ]
    kept: list[str] = []
    used = 0
    for name, names, raw in entries:
        if names is None or any(refused(n) for n in names) or secrets.whole_file_reason(raw) is not None:
            result.excluded.append(name)
            continue
        if name in left:
            result.skipped.append(name)
            continue
        result.files.append(name)
        if name in new:
            result.untracked.append(name)
        if used >= total:
            result.omitted.append(name)
            continue
        limit = min(per_file, total - used)
        # only what can be shown is redacted: twice the limit, so a secret across the cut is still seen whole
        cleaned = secrets.redact(raw[: 2 * limit])
        chunk = cleaned.text
        if cleaned.kinds:
            result.redacted.append(f"{name} ({cleaned.summary()})")
            secrets.note(f"{name}: redacted {cleaned.summary()}")
        if len(raw) > limit:
            cut_at = min(chunk.rfind("\n", 0, limit) + 1 or limit, len(chunk))
            result.cut.append(f"{name} ({cut_at} of {len(raw)} characters shown)")
            chunk = chunk[:cut_at] + f"[... cut: {len(raw) - cut_at} more characters of this file's diff not shown]\n"
        kept.append(chunk)
        used += len(chunk)
    result.excluded.sort()
    notes: list[str] = []
    if result.cut:
        notes.append("cut: " + "; ".join(result.cut))
    if result.omitted:
        notes.append("left out entirely (over the size limit): " + ", ".join(result.omitted))
    header = f"[diff truncated to fit the model's input: {' | '.join(notes)}]\n\n" if notes else ""
    if result.excluded:
        header += (
            f"[not shown: changes to {len(result.excluded)} file(s) that are never sent to a model (keys, "
            "credentials, Task Master internals)]\n\n"
        )
    result.text = header + "".join(kept)
    return result
