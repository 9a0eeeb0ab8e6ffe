"""Errors, typed by who must act on them.

Every failure a user or an agent can cause is one of these. The server layer turns each into an MCP
``ToolError`` carrying the message verbatim, so every message must say what to do next.

    TaskmasterError                      base; never raised directly
    ├── NotFound                         an id, tag, file or project that does not exist
    ├── InvalidInput                     a bad argument: status, id syntax, cycle, path outside the project
    ├── Conflict                         the request is valid but the data forbids it (tasks exist, tag exists)
    ├── StoreError                       a file on disk we cannot read safely (corrupt JSON, wrong shape)
    ├── ConfigError                      .taskmaster/config.json is wrong, or a role cannot be used
    │   ├── MissingKey                   the provider's API key is not set anywhere we look
    │   └── BudgetExceeded               a daily or monthly USD budget is spent
    ├── ProviderError                    a model provider failed (provider, model, status, retryable)
    │   └── AllProvidersFailed           every role in the fallback chain failed; lists each failure
    └── InvalidModelOutput               the model's answer failed validation, even after one re-ask

Fallback decisions come from the type and the ``retryable`` flag, never from message text.
"""

from __future__ import annotations

from collections.abc import Sequence


class TaskmasterError(Exception):
    """Base of every error this package raises on purpose.

    ``origin``: the (provider, model) of the model call it came from, when the router knows it and the error does
    not carry them itself (a :class:`ProviderError` does).
    """

    origin: tuple[str, str] | None = None


class NotFound(TaskmasterError):
    """Something named by the caller does not exist."""


class InvalidInput(TaskmasterError):
    """An argument is malformed or not allowed."""


class Conflict(TaskmasterError):
    """The request is well-formed but the current data forbids it."""


class StoreError(TaskmasterError):
    """A project file cannot be read safely; it is never overwritten while in this state."""


class ConfigError(TaskmasterError):
    """Configuration is invalid or incomplete."""


class MissingKey(ConfigError):
    """An API key is missing for a provider."""

    def __init__(self, provider: str, variable: str) -> None:
        self.provider = provider
        self.variable = variable
        super().__init__(
            f"{variable} is not set for provider '{provider}'. Put it in the env block of your editor's MCP "
            f'config (e.g. "env": {{"{variable}": "..."}}), or in <project>/.env as {variable}=..., '
            f"then retry. `taskmaster-mcp doctor` shows where each key is looked for."
        )


class BudgetExceeded(ConfigError):
    """A configured USD budget for this project is spent."""


class ProviderError(TaskmasterError):
    """A model provider call failed.

    ``retryable`` is true for transient failures (429, 408, 409, 5xx, 529, timeouts, connection errors): the same
    provider may be retried. Otherwise the router moves straight on to the next role.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        model: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(message)


class AllProvidersFailed(ProviderError):
    """Every role in the fallback chain failed."""

    def __init__(self, failures: Sequence[tuple[str, ProviderError | TaskmasterError]]) -> None:
        self.failures = list(failures)
        lines = ["Every configured model failed; nothing was changed."]
        for role, err in self.failures:
            where = f"{err.provider}/{err.model}" if isinstance(err, ProviderError) else "/".join(err.origin or "??")
            lines.append(f"- {role} ({where}): {err}")
        lines.append(
            "Fix the first failure above, or configure another model with the `models` tool "
            "(setMain / setFallback), then retry."
        )
        super().__init__("\n".join(lines), provider="*", model="*", retryable=False)


class InvalidModelOutput(TaskmasterError):
    """The model's answer did not match the expected schema, even after one re-ask."""
