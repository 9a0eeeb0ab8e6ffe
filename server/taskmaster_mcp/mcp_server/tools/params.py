"""Parameter types shared by the tools. Descriptions are short on purpose: every byte is in every conversation."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from taskmaster_mcp.tasks.model import STATUSES

# projectRoot and tag are explained once in the server instructions instead of in every tool's schema.
ProjectRoot = Annotated[str | None, Field()]
TagArg = Annotated[str | None, Field()]
FileArg = Annotated[str | None, Field(description="tasks.json path in the project")]
Ids = Annotated[str, Field(description="Id list")]
TaskIdArg = Annotated[str, Field()]
# Statuses and priorities are published as enums but checked by our code, so a bad value gets our message
# (which lists the valid values and says what to do) instead of a raw pydantic error.
Status = Annotated[str, Field(json_schema_extra={"enum": list(STATUSES)})]
Priority = Annotated[str, Field(json_schema_extra={"enum": ["high", "medium", "low"]})]
DepList = Annotated[str | None, Field(description="Comma list of ids")]
# Task Master sends a JSON object as text; the SDK may hand it over already parsed. Both are accepted.
MetadataArg = Annotated[str | dict[str, Any] | None, Field(description="JSON object to merge into metadata")]
