"""Calling our tools the way an agent does: through the SDK's in-memory MCP client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import Client

from taskmaster_mcp.mcp_server.app import build_app


@asynccontextmanager
async def connected(
    project: Path, env: dict[str, str] | None = None, *, pinned_root: Path | None = None, **kwargs: Any
) -> AsyncIterator[Client]:
    """An in-memory client of a fresh server whose working directory is ``project`` (``pinned_root``: a shared
    server's pinned project)."""
    async with Client(build_app(env=env or {}, cwd=project, pinned_root=pinned_root), **kwargs) as client:
        yield client


async def ok(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured result."""
    result = await client.call_tool(tool, arguments)
    text = getattr(result.content[0], "text", "") if result.content else ""
    assert not result.is_error, f"{tool} failed: {text}"
    assert result.structured_content is not None
    return dict(result.structured_content)


async def error(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail with a ToolError; return its message."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} unexpectedly succeeded: {result.structured_content}"
    text = getattr(result.content[0], "text", "")
    assert "failed unexpectedly" not in text, f"{tool} crashed instead of a clear error: {text}"
    return str(text)


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (to prove a call changed nothing on disk)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }
