"""Server logging: plain lines on stderr (stdout is the protocol), at ``TASKMASTER_MCP_LOG_LEVEL``.

The SDK's ``MCPServer`` sets up logging itself and imports ``rich`` for a coloured handler whenever rich is
installed (it is, for our CLI): about 65 ms of every cold start, for log lines an editor shows as plain text anyway.
:func:`use_plain_logging` points the SDK's setup at :func:`configure_logging` instead. It is the SDK's documented
module-level function, replaced once per process before the first server is built; nothing else of the SDK changes.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Literal

Level = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LEVELS: tuple[Level, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMAT = "taskmaster-mcp %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Our handler, told apart from any other (a test runner's, an embedding application's)."""


def level_from(env: Mapping[str, str]) -> Level:
    """``TASKMASTER_MCP_LOG_LEVEL`` (case-insensitive), WARNING when absent or not a level name."""
    value = env.get("TASKMASTER_MCP_LOG_LEVEL", "WARNING").strip().upper()
    for level in LEVELS:
        if value == level:
            return level
    return "WARNING"


def configure_logging(level: Level = "WARNING") -> None:
    """Log to stderr at ``level``, unless the process already logs somewhere (then leave its setup alone)."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _StderrHandler)]
    if root.handlers and not ours:
        return
    if not ours:
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)


def use_plain_logging() -> None:
    """Make the SDK's server set-up call :func:`configure_logging` (idempotent)."""
    from mcp.server.mcpserver import server as sdk_server

    if getattr(sdk_server, "configure_logging", None) is not configure_logging:
        setattr(sdk_server, "configure_logging", configure_logging)  # noqa: B010
