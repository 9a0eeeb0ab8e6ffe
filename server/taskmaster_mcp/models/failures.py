"""How a provider's failure becomes a :class:`ProviderError` with the right retry decision.

The router decides from ``retryable`` alone, so this is where every failure is classified, once:

- An HTTP status from an SDK: 408, 409, 429, 5xx and 529 are retryable (``retry-after`` kept), except a 429 that
  says the quota or credit is exhausted; 400, 401, 403, 404 and 413 are not.
- Transport failures: a timeout or a refused/reset connection is retryable, and a stream cut off after some text
  says how much arrived. An event the SDK could not parse is a non-retryable "malformed response".
- A CLI agent's failure (``agents.py``) is classified by the HTTP status it reports (:func:`status_error`); one with
  no status is not retried, so the next role answers instead of the same agent failing again.

API keys never reach a message: every text taken from an error is redacted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from taskmaster_mcp.errors import ProviderError
from taskmaster_mcp.store.secrets import redact_urls

RETRYABLE_STATUS = frozenset({408, 409, 429, 529})
QUOTA_MARKERS = (
    "insufficient_quota",
    "quota_exceeded",
    "billing_hard_limit",
    "exceeded your current quota",
    "usage limit",
)


def redact(text: str, secret: str | None) -> str:
    """``text`` without the key and without any URL's ``user:password@`` (a baseURL may carry one)."""
    return redact_urls(text.replace(secret, "***") if secret else text)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            continue
    return None


def _reason(status: int, detail: str) -> str:
    names = {
        400: "bad request",
        401: "authentication failed",
        403: "permission denied",
        404: "model not found",
        408: "request timeout",
        409: "conflict",
        413: "request too large",
        429: "rate limited",
        529: "overloaded",
    }
    name = names.get(status, "server error" if status >= 500 else "error")
    return f"{name} ({status}): {detail}" if detail else f"{name} ({status})"


def _deepest(exc: BaseException) -> str:
    # The SDKs wrap transport errors ("Connection error."); the innermost one says what happened ("refused").
    chain: list[BaseException] = [exc]
    while (inner := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 8:
        chain.append(inner)
    texts = [str(e).strip() for e in reversed(chain)]
    return next((t for t in texts if t and not t.isdigit()), str(exc))


def map_error(
    exc: BaseException, provider: str, model: str, secret: str | None = None, received: int = 0
) -> ProviderError:
    """Translate an SDK or transport exception into a ProviderError with the right retry decision.

    ``received`` is how many characters the stream had delivered: a transport failure after that is a cut-off
    stream, reported as such.
    """
    if isinstance(exc, ProviderError):
        return exc
    status: int | None = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:
        return _http_error(exc, status, response, provider, model, secret)
    name = type(exc).__name__
    if "Timeout" in name:
        return ProviderError("request timed out", provider=provider, model=model, retryable=True)
    if "Connection" in name or "Protocol" in name or "ReadError" in name or "Network" in name:
        what = f"stream cut off after {received} characters" if received else "connection failed"
        cause = redact(_deepest(exc), secret)[:200]
        return ProviderError(f"{what}: {cause}", provider=provider, model=model, retryable=True)
    detail = redact(str(exc), secret)[:200]
    if isinstance(exc, ValueError | TypeError | AttributeError | KeyError):  # the SDK could not parse an event
        return ProviderError(
            f"malformed response ({name}: {detail}); check that the role's baseURL serves the {provider} API",
            provider=provider,
            model=model,
            retryable=False,
        )
    return ProviderError(f"unexpected {name}: {detail}", provider=provider, model=model, retryable=False)


def _http_error(
    exc: BaseException, status: int, response: Any, provider: str, model: str, secret: str | None
) -> ProviderError:
    body = getattr(exc, "body", None)
    detail = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    inner: Any = cast(dict[str, Any], body).get("error", body) if isinstance(body, dict) else None
    message = str(cast(dict[str, Any], inner).get("message") or "") if isinstance(inner, dict) else ""
    message = message or str(getattr(exc, "message", "") or detail)
    quota = status == 429 and any(marker in (detail + message).lower() for marker in QUOTA_MARKERS)
    retryable = not quota and retryable_status(status)
    reason = _reason(status, redact(message, secret)[:300])
    if quota:
        reason = f"quota exhausted (429): {redact(message, secret)[:300]}; add credit or switch provider"
    return ProviderError(
        reason,
        provider=provider,
        model=model,
        status=status,
        retryable=retryable,
        retry_after=_retry_after(response.headers) if retryable else None,
    )


def retryable_status(status: int) -> bool:
    """Whether a failed request with this HTTP status may succeed if sent again."""
    return status in RETRYABLE_STATUS or status >= 500


def status_error(message: str, status: int | None, provider: str, model: str, hint: str = "") -> ProviderError:
    """A CLI agent's failure: retryable by its HTTP status (unless it says the quota is spent); ``hint`` (what to
    do, e.g. how to sign in) is added to authentication failures and to failures with no status."""
    quota = any(marker in message.lower() for marker in QUOTA_MARKERS)
    retryable = status is not None and retryable_status(status) and not quota
    text = _reason(status, message) if status is not None else message
    if hint and (status in (401, 403) or status is None):
        text = f"{text}; {hint}"
    return ProviderError(text, provider=provider, model=model, status=status, retryable=retryable)
