"""Which role names a critic (``parse_prd``/``expand_task`` with ``critique``) or a reviewer (``review`` with
``reviewers``) may name: the one check both go through.

A role is one of Task Master's three (``main``, ``research``, ``fallback``) or an extra role under
``taskmasterMcp.roles`` (``fast``, ``strong``, ``reviewer``...), and it must be configured: a ``fallback`` without
provider and model is not (see :meth:`taskmaster_mcp.store.config.Config.role`).

A critic or reviewer role that is not configured is an error, never a silent switch to ``main``: a critic or a
second reviewer that is the author's own model would report agreement it never checked.
"""

from __future__ import annotations

from taskmaster_mcp.errors import ConfigError, InvalidInput
from taskmaster_mcp.store.config import ROLES, Config


def configured_role(config: Config, name: str, where: str) -> str:
    """``name`` as a role the router can start on; ``where`` says where the name came from, for the error.

    Raises InvalidInput for a name that is not a role (listing the valid ones) and ConfigError for a role that is
    not configured (saying how to configure it or what to name instead).
    """
    role, names = name.strip(), config.role_names()
    if role not in names:
        raise InvalidInput(f"{where}: '{role}' is not a role. Valid roles: {', '.join(names)}.")
    if config.role(role) is None:
        others = ", ".join(r for r in names if r != role)
        how = f"set{role.capitalize()}" if role in ROLES else "setRole"
        raise ConfigError(
            f"{where}: the {role} role is not configured. Configure it with the `models` tool "
            f"({how}), or name another role ({others})."
        )
    return role


def model_of(config: Config, role: str) -> tuple[str, str]:
    """The configured (provider, model id) of ``role``, to tell apart roles that are really the same model."""
    rc = config.role(role)
    return (rc.provider, rc.model_id) if rc is not None else ("", "")
