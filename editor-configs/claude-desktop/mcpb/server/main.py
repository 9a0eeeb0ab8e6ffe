"""Entry point of the Claude Desktop bundle (``server.entry_point`` in manifest.json).

Claude Desktop runs ``uv run --project <bundle> <bundle>/server/main.py``: uv first installs the bundle's
``pyproject.toml`` (this project, with its pinned dependencies) into an environment of its own, then runs this file,
which serves MCP over stdio exactly as the ``taskmaster-mcp`` console script does. The import also works without
that install, because Python puts this folder (which holds the ``taskmaster_mcp`` package in the bundle) first on
``sys.path`` when it runs the file; so a host that runs the entry point its own way finds the same code.

``--project`` rather than ``--directory``: the server's working directory stays the one Claude Desktop chose, so a
call without a project never lands in, or initialises a project inside, the extension's own folder.
"""

from __future__ import annotations

import sys

from taskmaster_mcp.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
