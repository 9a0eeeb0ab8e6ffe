"""Parameter types shared by the tools. Descriptions are short on purpose: every byte is in every conversation.

Ids are published as strings (``'7'``, ``'7.2'``, ``'7,8'``) but a whole number is accepted too: MCP Inspector and
some agents send ``id: 1``. Only integers are taken (not ``true``, not ``7.2``, which as a JSON number cannot tell
subtask ``7.2`` from ``7.20``); everything else still gets the usual "must be a string" message.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from taskmaster_mcp.tasks.model import STATUSES


def _id_text(value: Any) -> Any:
    """An integer id as its text; any other value unchanged (for the string check to judge)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


AsText = BeforeValidator(_id_text)

# projectRoot and tag are explained once in the server instructions instead of in every tool's schema.
ProjectRoot = Annotated[str | None, Field()]
TagArg = Annotated[str | None, Field()]
FileArg = Annotated[str | None, Field(description="tasks.json path in the project")]
Ids = Annotated[str, AsText, Field(description="Id list")]
TaskIdArg = Annotated[str, AsText, Field()]
# Statuses and priorities are published as enums but checked by our code, so a bad value gets our message
# (which lists the valid values and says what to do) instead of a raw pydantic error.
Status = Annotated[str, Field(json_schema_extra={"enum": list(STATUSES)})]
Priority = Annotated[str, Field(json_schema_extra={"enum": ["high", "medium", "low"]})]
DepList = Annotated[str | None, AsText, Field(description="Comma list of ids")]
# Task Master sends a JSON object as text; the SDK may hand it over already parsed. Both are accepted.
MetadataArg = Annotated[str | dict[str, Any] | None, Field(description="JSON object to merge into metadata")]
