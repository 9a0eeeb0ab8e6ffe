"""What a model is shown of the project's code: a bounded tree, the manifest files, and code around a diff's hunks.

parse_prd, expand_task and review plan against the code that exists when there is any, so that tasks name real
modules and the stack already chosen. Everything is bounded and goes through the private-file guard
(:mod:`taskmaster_mcp.store.private`):

- the **tree** lists directories breadth first, at most :data:`PROMPT_TREE_ENTRIES` entries and
  :data:`PROMPT_TREE_DEPTH` levels, :data:`PER_DIRECTORY` files a directory (the rest counted), without hidden
  entries, dependency and cache directories, and without any name the guard refuses (``secrets.json``, keys);
- **manifests** (pyproject.toml, package.json, go.mod, Cargo.toml, ...) at the project root are read with
  :func:`~taskmaster_mcp.store.private.read_for_prompt`, each cut at :data:`MANIFEST_CHARS`, all together at
  :data:`MANIFESTS_CHARS`; one the guard refuses is left out;
- **surrounding code** for review: the lines around each changed hunk of the new version of a file,
  :data:`CONTEXT_LINES` either side, read through the guard, cut per file and in total.

"The project has code" means a manifest at the root or a source file (by suffix) in the tree; without code there is
no codebase block and the prompt says that no files were shown.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from taskmaster_mcp.ai.prompts.blocks import codebase_block
from taskmaster_mcp.errors import TaskmasterError
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import Refused, read_for_prompt, why_private

SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "site-packages", "dist", "build", "target", "vendor", "coverage", "htmlcov"}
)
MANIFESTS = (
    "pyproject.toml",
    "setup.cfg",
    "requirements.txt",
    "package.json",
    "deno.json",
    "go.mod",
    "Cargo.toml",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "mix.exs",
    "Package.swift",
    "CMakeLists.txt",
    "pubspec.yaml",
)
SOURCE_SUFFIXES = frozenset(
    {
        ".py",
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".mjs",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".rb",
        ".php",
        ".cs",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".swift",
        ".scala",
        ".ex",
        ".exs",
        ".dart",
        ".vue",
        ".svelte",
        ".sql",
        ".sh",
        ".lua",
        ".zig",
    }
)
PROMPT_TREE_ENTRIES = 120
PROMPT_TREE_DEPTH = 3
PER_DIRECTORY = 15
MANIFEST_CHARS = 3_000
MANIFESTS_CHARS = 6_000
CONTEXT_LINES = 15
SURROUNDING_PER_FILE = 4_000
SURROUNDING_TOTAL = 16_000
MANIFEST_FIX = "It is left out of the prompt."


@dataclass
class Tree:
    """A rendered project tree, whether it showed code, and the files it named (project-relative)."""

    text: str
    has_code: bool
    files: list[str] = field(default_factory=lambda: [])


@dataclass
class Codebase:
    """The codebase block of a prompt: the tree and the manifests (path, text) that were read."""

    tree: str
    manifests: list[tuple[str, str]]


def _listed(entry: os.DirEntry[str], rel: str, tasks_file: str) -> bool:
    name = entry.name
    if name.startswith(".") or rel == tasks_file or why_private(rel) is not None:
        return False
    if entry.is_dir(follow_symlinks=False):
        return name not in SKIPPED_DIRS and not name.endswith(".egg-info")
    return True


def project_tree(
    paths: Paths,
    max_entries: int = PROMPT_TREE_ENTRIES,
    max_depth: int = PROMPT_TREE_DEPTH,
    per_directory: int = PER_DIRECTORY,
) -> Tree:
    """The project's directories breadth first within the bounds, rendered as an indented listing."""
    root = paths.root
    tasks_file = _tasks_file(paths)
    children: dict[str, list[str]] = {}
    files: list[str] = []
    has_code = False
    used = 0
    queue: deque[tuple[str, int]] = deque([("", 0)])
    while queue and used < max_entries:
        rel, depth = queue.popleft()
        try:
            with os.scandir(root / rel) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError:
            continue
        lines: list[str] = []
        subdirs: list[str] = []
        shown_files = 0
        hidden_files = 0
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            if not _listed(entry, child, tasks_file):
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(child)
                continue
            has_code = has_code or Path(entry.name).suffix.lower() in SOURCE_SUFFIXES
            if shown_files >= per_directory or used >= max_entries:
                hidden_files += 1
                continue
            shown_files += 1
            used += 1
            files.append(child)
            lines.append(entry.name)
        for sub in subdirs:
            if used >= max_entries:
                hidden_files += 1
                continue
            used += 1
            lines.append(sub.rsplit("/", 1)[-1] + "/")
            if depth + 1 < max_depth:
                queue.append((sub, depth + 1))
        if hidden_files:
            lines.append(f"… {hidden_files} more")
        children[rel] = lines
    has_code = has_code or any((root / name).is_file() for name in MANIFESTS)
    return Tree(_render(children, "", 0) or "(empty)", has_code, files)


def _tasks_file(paths: Paths) -> str:
    """The tasks file's project-relative path (a custom ``file`` may live outside .taskmaster/), or ""."""
    try:
        return paths.tasks_file.resolve().relative_to(paths.root.resolve()).as_posix()
    except ValueError:
        return ""


def _render(children: dict[str, list[str]], rel: str, depth: int) -> str:
    out: list[str] = []
    for line in children.get(rel, []):
        out.append("  " * depth + line)
        if line.endswith("/"):
            sub = f"{rel}/{line[:-1]}" if rel else line[:-1]
            inner = _render(children, sub, depth + 1)
            if inner:
                out.append(inner)
    return "\n".join(out)


def manifests(paths: Paths, per_file: int = MANIFEST_CHARS, total: int = MANIFESTS_CHARS) -> list[tuple[str, str]]:
    """The manifest files at the project root, read through the private-file guard and cut to the bounds."""
    found: list[tuple[str, str]] = []
    used = 0
    for name in MANIFESTS:
        if used >= total or not (paths.root / name).is_file():
            continue
        try:
            text = read_for_prompt(
                paths, name, what="manifest", fix=MANIFEST_FIX, max_chars=min(per_file, total - used)
            )
        except Refused as refused:  # private (a key inside, a hard link to .env): left out, and the result says so
            secrets.note(f"left out {name}: {_reason(refused)}")
            continue
        except TaskmasterError:  # not UTF-8, unreadable: the prompt simply goes without it
            continue
        found.append((name, text))
        used += len(text)
    return found


def codebase(paths: Paths, max_entries: int = PROMPT_TREE_ENTRIES) -> Codebase | None:
    """The tree and manifests when the project has code, else None."""
    tree = project_tree(paths, max_entries)
    if not tree.has_code:
        return None
    return Codebase(tree.text, manifests(paths))


def code_block(paths: Paths) -> str:
    """The codebase block of a planning prompt: tree and manifests, or the note that no files were shown."""
    code = codebase(paths)
    return codebase_block(code.tree, code.manifests) if code is not None else codebase_block(None, [])


def surrounding(
    paths: Paths,
    ranges: dict[str, list[tuple[int, int]]],
    skip: set[str],
    per_file: int = SURROUNDING_PER_FILE,
    total: int = SURROUNDING_TOTAL,
) -> list[tuple[str, str]]:
    """Numbered lines of each changed file around its hunks (``ranges``: new-file start line and length).

    Files in ``skip`` (new files, whose whole text is in the diff already) are left out, and so is anything the
    private-file guard refuses or that cannot be read as text.
    """
    found: list[tuple[str, str]] = []
    used = 0
    for name, hunks in ranges.items():
        if name in skip or not hunks or used >= total:
            continue
        try:
            text = read_for_prompt(paths, name, what="changed file", fix="", max_chars=400_000)
        except Refused as refused:
            secrets.note(f"left out {name}: {_reason(refused)}")
            continue
        except TaskmasterError:
            continue
        lines = text.splitlines()
        windows = _merge(
            [
                (max(1, start - CONTEXT_LINES), min(len(lines), start + max(count, 1) - 1 + CONTEXT_LINES))
                for start, count in hunks
            ]
        )
        parts: list[str] = []
        for first, last in windows:
            parts.append(
                f"lines {first}-{last}:\n" + "\n".join(f"{n:>5} {lines[n - 1]}" for n in range(first, last + 1))
            )
        body = "\n…\n".join(parts)
        room = min(per_file, total - used)
        if len(body) > room:
            body = body[: body.rfind("\n", 0, room) + 1 or room] + "[… cut]"
        if body.strip():
            found.append((name, body))
            used += len(body)
    return found


def _reason(refused: Refused) -> str:
    """The why of a refusal, without the file name and advice around it ("... is private, <why>; it is ...")."""
    text = str(refused)
    return text.split(" is private, ", 1)[-1].split("; it is never sent", 1)[0]


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(w for w in windows if w[0] <= w[1]):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged
