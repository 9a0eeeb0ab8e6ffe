"""What a tool call comes to, said once for both ways of calling a tool: the MCP adapter
(:mod:`taskmaster_mcp.mcp_server.registration`) and the CLI's in-process calls (:mod:`taskmaster_mcp.cli.client`).

A result is the tool's pydantic model as JSON data (no null fields, Task Master's names); a failure is the text the
agent (or the person) reads. Nothing here imports the MCP SDK, so a CLI read does not pay for it.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from taskmaster_mcp.errors import TaskmasterError

log = logging.getLogger("taskmaster_mcp")


def result_data(model: BaseModel) -> dict[str, Any]:
    """The structured content of a tool's result."""
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


def failure_text(tool: str, exc: Exception) -> str:
    """The message of a tool call that raised ``exc``: our errors say what to do; a file error names the file; any
    other exception is a bug, logged with its traceback to stderr."""
    if isinstance(exc, TaskmasterError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{tool} failed on a file: {exc}. Check the path and its permissions."
    log.error("unexpected failure in %s", tool, exc_info=exc)
    return (
        f"{tool} failed unexpectedly ({type(exc).__name__}: {exc}); a file it wrote before failing "
        "stays written whole (writes are atomic), so check the project's files. "
        "This is a bug in taskmaster-mcp; the server log (stderr) has the traceback."
    )
