"""Who may read the dashboard and who may change tasks through it.

The model, in the order a request meets it:

1. **Host and Origin** are checked on every request with the very settings ``serve --http`` gives the MCP endpoint
   (:func:`taskmaster_mcp.mcp_server.hostcheck.security_settings`): a DNS-rebinding page or another origin gets 421/403.
2. **The session token**, when there is one (always for ``taskmaster-mcp ui``, which makes a random one per run;
   ``TASKMASTER_MCP_TOKEN`` under ``serve --http``), is needed for everything, the page included. A browser brings it
   once as ``/?token=...`` (the URL ``ui`` prints); the answer is a redirect to ``/`` that sets an HttpOnly,
   SameSite=Strict cookie holding an HMAC of the token (never the token), so the token leaves the address bar at
   once and is never sent again (the page sends no Referer either). The token lives as long as the server run:
   a second tab or browser may use the same URL; a restarted ``ui`` makes a new one, so old URLs and cookies stop
   working. Scripts may send ``Authorization: Bearer <token>`` instead.
3. **State-changing requests** (POST) also need either the bearer header (a script, which no browser page can forge
   across origins) or, from the page, both a same-origin ``Origin`` header and the CSRF token that the page carries
   in a ``<meta>`` tag: a random value per server run, never stored, that another origin cannot read. They must be
   ``application/json``, which no HTML form can send.

Nothing here is logged with its value; responses never echo the token, the cookie or any key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

COOKIE = "taskmaster_dashboard"
CSRF_HEADER = "x-csrf-token"


def _refusal(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"cache-control": "no-store"})


class Guard:
    """The checks above for one server run."""

    def __init__(self, settings: TransportSecuritySettings, token: str | None) -> None:
        self.transport = TransportSecurityMiddleware(settings)
        self.token = token
        self.csrf = secrets.token_urlsafe(32)
        self._cookie = hmac.new(token.encode(), b"taskmaster-dashboard", hashlib.sha256).hexdigest() if token else ""

    def _bearer(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
        return (
            bool(self.token)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(credentials.strip().encode(), (self.token or "").encode())
        )

    def _cookie_ok(self, request: Request) -> bool:
        return bool(self._cookie) and hmac.compare_digest(
            request.cookies.get(COOKIE, "").encode(), self._cookie.encode()
        )

    async def check(self, request: Request) -> Response | None:
        """None when the request may proceed; otherwise the refusal to send (with what to do in its message)."""
        refused = await self.transport_check(request)
        if refused is not None:
            return refused
        if self.token and not (self._bearer(request) or self._cookie_ok(request)):
            return _refusal(
                401,
                "This dashboard needs its session token: open the URL that `taskmaster-mcp ui` "
                "printed (it ends in ?token=...), or under `serve --http` open "
                "/?token=<TASKMASTER_MCP_TOKEN> once; scripts send 'Authorization: Bearer <token>'.",
            )
        if request.method == "POST" and not self._bearer(request):
            return self._same_origin_with_csrf(request)
        return None

    async def transport_check(self, request: Request) -> Response | None:
        """The SDK's Host/Origin (and, for POST, JSON content type) check, its refusal re-said as JSON with the fix."""
        refused = await self.transport.validate_request(request, is_post=request.method == "POST")
        if refused is None:
            return None
        fixes = {
            421: f"Host {request.headers.get('host')!r} is not one of this server's names. Open the dashboard by "
            "the URL the server printed, or add the name to TASKMASTER_MCP_ALLOWED_HOSTS.",
            403: f"Pages from {request.headers.get('origin')!r} may not use this dashboard. If that site is yours, "
            "add it to TASKMASTER_MCP_ALLOWED_ORIGINS.",
            400: "Send changes as JSON (Content-Type: application/json).",
        }
        return _refusal(refused.status_code, fixes.get(refused.status_code, bytes(refused.body).decode()))

    def _same_origin_with_csrf(self, request: Request) -> Response | None:
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        # either scheme: behind a TLS proxy the page is https while the request reaching us is plain http
        if origin not in (f"http://{host}", f"https://{host}"):
            return _refusal(
                403, "Changes must come from the dashboard page itself (same origin). Reload the page and try again."
            )
        if not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(), self.csrf.encode()):
            return _refusal(
                403, "The page's CSRF token is missing or from an earlier server run. Reload the page and try again."
            )
        return None

    def login(self, request: Request) -> Response | None:
        """For ``GET /?token=...``: a redirect to ``/`` setting the session cookie, or None when there is no token
        in the query. A wrong token is a 401 like any other."""
        given = request.query_params.get("token")
        if given is None or not self.token:
            return None
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return _refusal(401, "Wrong session token. Open the URL `taskmaster-mcp ui` printed for this run.")
        response = RedirectResponse("/", status_code=303, headers={"cache-control": "no-store"})
        response.set_cookie(COOKIE, self._cookie, httponly=True, samesite="strict", path="/")
        return response

    def page_headers(self) -> dict[str, Any]:
        """Headers of every dashboard response: no framing, no sniffing, no referrer, only our own scripts."""
        return {
            "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
        }
