"""A static bearer token, said plainly to OAuth-capable clients: this server has no OAuth, send the header.

Why (see ``docs/http-auth.md``): the MCP authorization spec has a client that receives 401 look for Protected
Resource Metadata (RFC 9728: the ``resource_metadata`` parameter of ``WWW-Authenticate``, then
``/.well-known/oauth-protected-resource``), then authorization-server metadata, and fall back to ``/register``,
``/authorize`` and ``/token`` at the server's origin. Claude Code's client does exactly that on any 401, and when those
answer with a non-JSON 404 it fails with ``Invalid OAuth error response: SyntaxError: JSON Parse error`` instead of
saying the token is missing or wrong.

So the server advertises no OAuth anywhere:

- the 401 of ``/mcp`` carries a plain ``Bearer realm="taskmaster-mcp"`` challenge (with ``error="invalid_token"``
  when a wrong token was sent, RFC 6750 section 3.1) and never ``resource_metadata``;
- every OAuth discovery and endpoint path answers 404 with an RFC 6749-shaped JSON error whose
  ``error_description`` says what to do, so a client that tries OAuth anyway shows that sentence.

A client configured with the header (``Authorization: Bearer <token>``) never gets a 401 and never starts OAuth.
"""

from __future__ import annotations

import json
from typing import Any

OAUTH_PATHS = ("/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server")
OAUTH_EXACT = frozenset({"/.well-known/openid-configuration", "/register", "/authorize", "/token", "/revoke"})
ADVICE = (
    "taskmaster-mcp does not use OAuth. Send the server's static token as the header "
    "'Authorization: Bearer <TASKMASTER_MCP_TOKEN>' (Claude Code: --header or headers in .mcp.json; see "
    "docs/http-auth.md)."
)


def is_oauth_path(path: str) -> bool:
    """Whether ``path`` is an OAuth discovery document or endpoint a client may probe."""
    return path in OAUTH_EXACT or path.startswith(OAUTH_PATHS) or path.startswith("/.well-known/openid-configuration")


def challenge(sent_a_token: bool) -> bytes:
    """The ``WWW-Authenticate`` value of a 401: Bearer, no OAuth metadata."""
    if sent_a_token:
        return b'Bearer realm="taskmaster-mcp", error="invalid_token"'
    return b'Bearer realm="taskmaster-mcp"'


class NoOAuth:
    """ASGI middleware: OAuth paths answer 404 with JSON advice; everything else goes to ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = getattr(app, "state", None)  # the dashboard's state, for a clean shutdown

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not is_oauth_path(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "invalid_request", "error_description": ADVICE}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
