"""Script the provider server from a recording directory (``TASKMASTER_MCP_RECORD``; ``models/recording.py``).

:class:`Replayer` is a ``ProviderServer.responder``. For each request it finds the text the router sent (system
prompt, user messages) and answers, in this order:

1. **fresh**: a recording whose system prompt starts the request's and whose user prompt is in the request, i.e. the
   exact request that was recorded (the prompts have not changed since);
2. **stale**: else the next unused recording of the same template, by name with any version, in the order they were
   recorded; the template is recognised by its current system prompt (a request that no template's system starts
   takes any unused recording). This is how a changed prompt is judged against answers recorded for the old one,
   and how hand-written answers (empty ``system`` and ``prompt``) are served;
3. when a template's recordings are used up, its last one again (a re-ask gets the same answer and shows up as a
   second request); with no recording at all, None, and the server's script answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provider_server import Recorded, Reply
from taskmaster_mcp.models.recording import Recording, load


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))  # pyright: ignore
    return ""


def request_text(body: Any) -> tuple[str, str]:
    """(system prompt, user messages) of an Anthropic Messages or OpenAI Chat request body."""
    if not isinstance(body, dict):
        return "", ""
    system = _text(body.get("system"))
    user: list[str] = []
    for message in body.get("messages", []):
        if message.get("role") == "system":
            system += _text(message.get("content"))
        elif message.get("role") == "user":
            user.append(_text(message.get("content")))
    return system, "\n".join(user)


def template_systems() -> dict[str, str]:
    """Each prompt template's name and its current system prompt."""
    import importlib
    import pkgutil

    import taskmaster_mcp.ai.prompts as package
    from taskmaster_mcp.ai.prompts.blocks import Template

    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        for value in vars(importlib.import_module(f"{package.__name__}.{info.name}")).values():
            if isinstance(value, Template):
                found[value.name] = value.system
    return found


class Replayer:
    """Answers requests from recordings; counts fresh and stale replays and keeps what it served, in order."""

    def __init__(self, recordings: list[Recording]) -> None:
        self.recordings = recordings
        self.used: set[int] = set()
        self.served: list[tuple[str, str, Any]] = []  # (how: fresh/stale/repeat, prompt version, answer)
        self._systems = template_systems()

    @classmethod
    def from_dir(cls, directory: Path) -> Replayer:
        """A replayer over every recording in ``directory``."""
        return cls(load(directory))

    def __call__(self, request: Recorded) -> Reply | None:
        if request.method != "POST" or not isinstance(request.body, dict):
            return None
        system, user = request_text(request.body)
        chosen, how = self._exact(system, user), "fresh"
        if chosen is None:
            names = {name for name, text in self._systems.items() if text and system.startswith(text)}
            same = [i for i, r in enumerate(self.recordings) if not names or r.prompt_version.split("@")[0] in names]
            unused = [i for i in same if i not in self.used]
            chosen, how = (unused[0], "stale") if unused else (same[-1], "repeat") if same else (None, "")
        if chosen is None:
            return None
        self.used.add(chosen)
        recording = self.recordings[chosen]
        self.served.append((how, recording.prompt_version, recording.answer))
        answer = recording.answer
        return Reply(text=answer if isinstance(answer, str) else json.dumps(answer))

    def _exact(self, system: str, user: str) -> int | None:
        for index, recording in enumerate(self.recordings):
            # The router may end the system prompt with the JSON schema it asks for (models/structured.py).
            if recording.prompt and system.startswith(recording.system) and recording.prompt in user:
                return index
        return None
