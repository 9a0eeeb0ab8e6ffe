"""``taskmaster-mcp serve --http [HOST:]PORT``: one shared server over Streamable HTTP (endpoint ``/mcp``).

Safety, in order:

- It binds 127.0.0.1 unless told otherwise.
- ``Host`` and ``Origin`` are checked against DNS rebinding by the SDK's transport security: loopback names always,
  the bound address, and ``TASKMASTER_MCP_ALLOWED_HOSTS`` / ``TASKMASTER_MCP_ALLOWED_ORIGINS`` (comma lists, ``:*``
  wildcards a port) for the names a team uses. A browser page on another origin gets 403.
- ``TASKMASTER_MCP_TOKEN``, when set, must arrive as ``Authorization: Bearer <token>`` (401 otherwise, with a plain
  Bearer challenge: no OAuth is advertised, see :mod:`taskmaster_mcp.mcp_server.bearer_only`). Binding a
  non-loopback address without a token of at least 16 characters is refused before anything listens.

The server's own environment picks the project (``TASK_MASTER_PROJECT_ROOT`` or ``-C DIR``) and holds the API keys;
clients need only the URL and the token. The project is pinned: a ``projectRoot`` sent by a remote agent names a
folder on the agent's machine, so it is ignored rather than refused.

The live web dashboard is served at ``/`` beside ``/mcp``, behind the same Host/Origin settings and token
(``mcp_server/dashboard``, whose ``security`` module describes its cookie login and CSRF check).
"""

from __future__ import annotations

import hmac
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.mcp_server.bearer_only import NoOAuth, challenge
from taskmaster_mcp.mcp_server.hostcheck import is_loopback, security_settings

log = logging.getLogger("taskmaster_mcp")

DEFAULT_HOST = "127.0.0.1"
MIN_TOKEN_LENGTH = 16


def parse_bind(value: str) -> tuple[str, int]:
    """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT`` -> (host, port); host defaults to 127.0.0.1."""
    text = value.strip()
    host, _, port_text = text.rpartition(":") if ":" in text else ("", "", text)
    host = host.strip("[]") or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"'{value}' is not [HOST:]PORT. Example: --http 8765 or --http 0.0.0.0:8765.") from None
    if not 0 < port < 65536:
        raise ConfigError(f"port {port} is out of range (1-65535).")
    return host, port


def check_token(host: str, token: str | None) -> None:
    """Refuse a non-loopback bind without a strong enough token."""
    if is_loopback(host):
        return
    if not token:
        raise ConfigError(
            f"Refusing to serve on {host} without a token: anyone who can reach this address could change your "
            'tasks. Set TASKMASTER_MCP_TOKEN to a long random value (e.g. `python -c "import secrets; '
            'print(secrets.token_urlsafe(32))"`) and give it to your team, or bind 127.0.0.1.'
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"TASKMASTER_MCP_TOKEN is too short for a network bind: use {MIN_TOKEN_LENGTH}+ characters.")


class BearerToken:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``.

    The scheme name is case-insensitive (RFC 9110 section 11.1), so ``bearer`` and ``BEARER`` pass too; the token is
    compared in constant time.
    """

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = token.encode()

    def accepts(self, header: bytes) -> bool:
        """Whether an Authorization header value carries the token."""
        scheme, _, credentials = header.strip().partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self.expected)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if not self.accepts(headers.get(b"authorization", b"")):
                body = b"Missing or wrong bearer token. Send 'Authorization: Bearer <TASKMASTER_MCP_TOKEN>'."
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"text/plain"),
                            (b"www-authenticate", challenge(b"authorization" in headers)),  # no OAuth
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def build_http_app(host: str, env: Mapping[str, str], cwd: Path, pinned_root: Path | None = None) -> Any:
    """The ASGI app: our server's Streamable HTTP app with transport security and the optional token."""
    from taskmaster_mcp.mcp_server.app import build_app
    from taskmaster_mcp.mcp_server.httplimits import MAX_SESSIONS, SESSION_IDLE_SECONDS, SessionEvictor, setting
    from taskmaster_mcp.mcp_server.lazytools import default_cache_dir

    server = build_app(env=env, cwd=cwd, tool_cache=default_cache_dir(env), pinned_root=pinned_root)
    app: Any = server.streamable_http_app(
        host=host,
        transport_security=security_settings(host, env),
        max_sessions=(sessions := int(setting(env, "TASKMASTER_MCP_MAX_SESSIONS", MAX_SESSIONS))),
        session_idle_timeout=SESSION_IDLE_SECONDS,
    )
    app = SessionEvictor(app, server, sessions)  # bounds of hostile load: mcp_server/httplimits.py
    token = env.get("TASKMASTER_MCP_TOKEN")
    mcp_app = BearerToken(app, token) if token else app
    # The dashboard at / (mcp_server/dashboard): same Host/Origin settings and token, its own cookie login.
    from taskmaster_mcp.mcp_server.dashboard.serve import WithDashboard, dashboard_app

    dashboard, state = dashboard_app(pinned_root or cwd, host, env, token)
    return NoOAuth(WithDashboard(mcp_app, dashboard, state))  # OAuth probes: JSON 404 naming the header


def serve_http(bind: str, env: Mapping[str, str], cwd: Path) -> int:
    """Serve until interrupted; refuse (exit 2) an unsafe or malformed bind with the reason on stderr."""
    try:
        host, port = parse_bind(bind)
        check_token(host, env.get("TASKMASTER_MCP_TOKEN"))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from taskmaster_mcp.mcp_server.dashboard.serve import GRACE_SECONDS, closing_server
    from taskmaster_mcp.mcp_server.logs import configure_logging, level_from
    from taskmaster_mcp.store.roots import find_upwards

    # One shared server serves one project: a remote agent's projectRoot is a path on *its* machine, so the
    # server pins the root it was started for and ignores the argument (see mcp_server.calls).
    shared = Path(env["TASK_MASTER_PROJECT_ROOT"]) if env.get("TASK_MASTER_PROJECT_ROOT") else find_upwards(cwd) or cwd
    configure_logging(level_from(env))
    app = build_http_app(host, env, cwd, shared.resolve())
    shown = f"[{host}]" if ":" in host else host
    auth = "bearer token required" if env.get("TASKMASTER_MCP_TOKEN") else "no token (loopback only)"
    print(
        f"taskmaster-mcp: serving http://{shown}:{port}/mcp and the dashboard at / ({auth}); Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    from taskmaster_mcp.mcp_server.httplimits import uvicorn_limits

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=GRACE_SECONDS,  # open dashboard streams must not hold Ctrl-C
        **uvicorn_limits(env),
    )
    closing_server(config, getattr(app, "state", None)).run()
    return 0
