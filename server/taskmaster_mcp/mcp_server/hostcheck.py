"""Which ``Host`` and ``Origin`` a request may name: the DNS-rebinding rule shared by ``serve --http``
(:mod:`taskmaster_mcp.mcp_server.http`) and the dashboard (:mod:`taskmaster_mcp.mcp_server.dashboard.serve`).

Loopback names are always allowed, then the bound address (every name and address of this machine when bound to
``0.0.0.0`` or ``::``), then ``TASKMASTER_MCP_ALLOWED_HOSTS`` / ``TASKMASTER_MCP_ALLOWED_ORIGINS`` (comma lists;
``name:*`` allows any port, the default one too). Both servers import this module, so neither imports the other
for it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def security_settings(host: str, env: Mapping[str, str]) -> Any:
    """DNS-rebinding protection: the hosts and origins a request may name."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = [*LOOPBACK_HOSTS, *_split(env.get("TASKMASTER_MCP_ALLOWED_HOSTS"))]
    origins = [*LOOPBACK_ORIGINS, *_split(env.get("TASKMASTER_MCP_ALLOWED_ORIGINS"))]
    names = [host]
    if host in ("0.0.0.0", "::"):  # every interface: this machine's own names and addresses
        names = [socket.gethostname(), socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += socket.gethostbyname_ex(socket.gethostname())[2]
    for name in dict.fromkeys(names):
        shown = f"[{name}]" if ":" in name else name
        hosts.append(f"{shown}:*")
        origins += [f"http://{shown}:*", f"https://{shown}:*"]
    # "name:*" means any port, the default one too: browsers send "https://name" and "Host: name" without a port
    hosts += [h[:-2] for h in hosts if h.endswith(":*")]
    origins += [o[:-2] for o in origins if o.endswith(":*")]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)
