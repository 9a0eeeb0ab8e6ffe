"""Which project files must never be read into a prompt: the task store's internals and secrets."""

from __future__ import annotations


def private(rel: str) -> bool:
    """Whether a project-relative path is one that must never reach a model (task store, env files)."""
    name = rel.rsplit("/", 1)[-1]
    return rel == ".taskmaster" or rel.startswith(".taskmaster/") or name == ".env" or name.startswith(".env.")
