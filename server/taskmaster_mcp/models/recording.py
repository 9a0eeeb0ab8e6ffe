"""Recordings of model calls: each answered request and its validated answer, saved to judge prompts offline.

With ``TASKMASTER_MCP_RECORD=DIR`` in the server's environment, the router saves every request that got a valid
answer as ``DIR/<prompt version>-<request hash>.json``: the templates the prompt came from (``name@version``), the
command, role, provider, model, the schema's name, the final system prompt and user prompt, and the validated answer
(the object as JSON, or the text). The hash covers system, prompt, schema, model and role, so asking the same thing
again overwrites one file rather than piling up copies. A test's scripted provider can answer from such a directory
(``tests/eval/replay.py``), so a real model's answers, paid for once, judge later prompt changes for free.

Recording writes prompts (the PRD, task text, code excerpts) to disk, which the ledger never does; it is off unless
the variable is set, and API keys are never part of a request recorded here. A file that cannot be written is
logged, never raised: recording must not break a command.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
RECORD_VARIABLE = "TASKMASTER_MCP_RECORD"


def request_hash(system: str, prompt: str, schema: str, model: str, role: str) -> str:
    """16 hex digits identifying one request: what was asked, of which model, in which role, for which schema."""
    text = json.dumps([system, prompt, schema, model, role], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Recording:
    """One model request and its validated answer, as saved in a recording directory."""

    prompt_version: str
    command: str
    role: str
    provider: str
    model: str
    schema: str  # the output model's class name; "" for free text
    system: str
    prompt: str
    answer: Any  # the validated object as JSON data, or the text
    recorded_ns: int = field(default_factory=time.time_ns)  # orders replays of one template as they were asked

    @property
    def key(self) -> str:
        """``<prompt version>-<request hash>``: the file name without ``.json``."""
        version = self.prompt_version.replace(" ", "+").replace("/", "_") or "unversioned"
        return f"{version}-{request_hash(self.system, self.prompt, self.schema, self.model, self.role)}"


class Recorder:
    """Saves recordings into one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Recorder | None:
        """A recorder for ``TASKMASTER_MCP_RECORD``'s directory, or None when it is unset or empty."""
        configured = env.get(RECORD_VARIABLE, "").strip()
        return cls(Path(configured).expanduser()) if configured else None

    def save(self, recording: Recording) -> Path | None:
        """Write ``recording`` atomically; return its path, or None (logged) when it could not be written."""
        path = self.directory / f"{recording.key}.json"
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(asdict(recording), indent=1, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("could not write recording %s: %s", path, exc)
            return None
        return path


def load(directory: Path) -> list[Recording]:
    """Every well-formed recording in ``directory``, oldest first; other files are skipped."""
    found: list[Recording] = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(Recording(**data))
        except (OSError, ValueError, TypeError):
            log.warning("skipped %s: not a recording", path)
    return sorted(found, key=lambda r: r.recorded_ns)
