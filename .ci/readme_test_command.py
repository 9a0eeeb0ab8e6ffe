"""Print README's test command (the second ``sh`` block at its top) with its venv moved to a fresh folder.

``.ci/run`` runs what this prints, so CI runs exactly what a new user runs on a fresh clone: a venv with only
``.[test]`` (no extras, no dev tools). The dev venv ``.venv`` is left alone; ``.venv-test`` is made anew each run.
Exits 2, saying why, when README's command is not the shape this expects (so the two cannot drift silently).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FRESH = ".venv-test"


def readme_command(readme: str) -> str:
    """The one line of README's second ``sh`` block."""
    blocks = re.findall(r"^```sh\n(.*?)^```$", readme, flags=re.MULTILINE | re.DOTALL)
    if len(blocks) < 2 or len(blocks[1].strip().splitlines()) != 1:
        raise ValueError("README's second ```sh block is not a one-line test command")
    return blocks[1].strip()


def fresh_command(command: str) -> str:
    """``command`` with its ``.venv`` replaced by :data:`FRESH`; it must create that venv itself."""
    if not command.startswith("python3 -m venv .venv && ") or "pytest" not in command:
        raise ValueError(f"README's test command does not start by making .venv and run pytest: {command!r}")
    return re.sub(r"(?<![\w-])\.venv(?=[/ ]|$)", FRESH, command)


def main() -> int:
    try:
        print(fresh_command(readme_command(Path(__file__).resolve().parent.parent.joinpath("README.md").read_text())))
    except ValueError as exc:
        print(f".ci/readme_test_command.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
