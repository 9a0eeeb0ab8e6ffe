"""The Host/Origin rule lives in its own module: the HTTP server and the dashboard both use it, and neither imports
the other for it (no http <-> dashboard circle)."""

from __future__ import annotations

import ast
from pathlib import Path

from taskmaster_mcp.mcp_server import hostcheck

PACKAGE = Path(hostcheck.__file__).parent


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_the_dashboard_server_does_not_import_the_http_server() -> None:
    assert "taskmaster_mcp.mcp_server.http" not in _imported(PACKAGE / "dashboard" / "serve.py")
    assert "taskmaster_mcp.mcp_server.hostcheck" in _imported(PACKAGE / "dashboard" / "serve.py")


def test_loopback_names_and_the_bound_address_are_allowed_others_not() -> None:
    settings = hostcheck.security_settings("10.1.2.3", {"TASKMASTER_MCP_ALLOWED_HOSTS": "tasks.example:*"})
    assert "localhost:*" in settings.allowed_hosts
    assert "10.1.2.3:*" in settings.allowed_hosts and "10.1.2.3" in settings.allowed_hosts
    assert "tasks.example" in settings.allowed_hosts
    assert "http://10.1.2.3:*" in settings.allowed_origins
    assert not any(host.startswith("evil.example") for host in settings.allowed_hosts)


def test_is_loopback() -> None:
    assert hostcheck.is_loopback("localhost") and hostcheck.is_loopback("127.0.0.1") and hostcheck.is_loopback("::1")
    assert not hostcheck.is_loopback("0.0.0.0") and not hostcheck.is_loopback("example.com")
