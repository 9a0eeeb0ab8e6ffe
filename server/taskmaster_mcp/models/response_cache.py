"""The response cache: an identical request is answered with the validated answer stored the first time.

Chief use: a client that gave up on ``expand_all`` or ``parse_prd`` at 60 s re-runs it, and the parts the models
had already answered cost nothing the second time.

Decisions:

- The key is a sha256 over everything that shapes the answer: provider, model, base URL, system prompt (which
  carries the response language), user prompt, the output schema's name and JSON schema, whether it is asked for
  natively (the native form derives from the same schema), max_tokens and temperature. It is taken before the
  schema is added to the request, so a hit needs no provider SDK (no import, no client). Never a key, a header or an env
  value: the request is hashed, not the HTTP call, so no secret can reach the cache.
- Only answers that passed validation are stored (the router stores after :func:`parse` succeeded); errors and
  invalid output never are. A hit is validated against the schema again, so an entry that no longer fits is a miss.
- Files: ``<cache dir>/responses/<key>.json`` where the cache dir is env ``TASKMASTER_MCP_CACHE_DIR`` (shared with
  the ``tools/list`` cache) or the platform's user cache dir. The folder is 0700, entries 0600 (they hold prompts
  and answers), written atomically (a temp file, then ``os.replace``).
- Age is the file's mtime, so the TTL needs no clock in the entry and tests age an entry with ``os.utime``.
  An expired, unreadable or corrupt entry is a miss and is removed; the cache never raises into a command.
- Bound: ``cache.maxMegabytes`` (default 50) and :data:`MAX_ENTRIES`; past either, the oldest entries go first.
  Eviction scans the folder after each store, which is cheap next to the model call that preceded it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from taskmaster_mcp.models.providers import Completion, Request
from taskmaster_mcp.store.settings import CacheSettings

log = logging.getLogger(__name__)
CACHE_DIR_VARIABLE = "TASKMASTER_MCP_CACHE_DIR"
MAX_ENTRIES = 5000
FORMAT = 1


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``<TASKMASTER_MCP_CACHE_DIR or the user cache dir>/responses``."""
    configured = env.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser() / "responses"
    import platformdirs

    return platformdirs.user_cache_path("taskmaster-mcp") / "responses"


@dataclass(frozen=True)
class Hit:
    """A stored answer: the value (validated again), the model that gave it, when it was saved (UTC ISO)."""

    value: Any
    model: str
    saved_at: str


def request_key(
    provider: str,
    model: str,
    base_url: str | None,
    request: Request,
    schema: type[BaseModel] | None,
    native: bool = False,
    temperature_sent: bool = True,
) -> str:
    """The sha256 of everything that shapes the answer to ``request`` (see the module docstring); a temperature
    the wire does not send (``temperature_sent`` False: the anthropic SDK 2.x) shapes nothing and is left out."""
    shape = {
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "system": request.system,
        "prompt": request.prompt,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature if temperature_sent else None,
        "native": native,
        "schema": None if schema is None else _schema_text(schema),
    }
    text = json.dumps(shape, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _schema_text(schema: type[BaseModel]) -> str:
    """A schema's name and JSON schema, once per class (building it costs more than the rest of a hit)."""
    return schema.__name__ + json.dumps(schema.model_json_schema(), sort_keys=True, separators=(",", ":"))


class ResponseCache:
    """Validated answers on disk, by request key; ``clock`` (epoch seconds) is injectable for tests."""

    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self._clock = clock

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str, settings: CacheSettings, schema: type[BaseModel] | None) -> Hit | None:
        """The stored answer for ``key`` when it is younger than the TTL and still valid; else None."""
        path = self._path(key)
        try:
            saved = path.stat().st_mtime
            if self._clock() - saved > settings.ttl_seconds:
                self._drop(path)
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("unknown format")
            raw = data["value"]
            value = raw if schema is None else schema.model_validate(raw)
            if schema is None and not isinstance(raw, str):
                raise ValueError("a text answer that is not text")
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(saved))
            return Hit(value, str(data.get("model") or ""), stamp)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            log.debug("response cache entry %s is unusable (%s); dropped", path.name, exc)
            self._drop(path)
            return None

    def put(self, key: str, value: Any, completion: Completion, settings: CacheSettings) -> None:
        """Store a validated answer (a pydantic object or text); a failure to write is logged, never raised."""
        stored = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        data = {
            "format": FORMAT,
            "model": completion.model,
            "value": stored,
            "usage": {
                "input_tokens": completion.input_tokens,
                "output_tokens": completion.output_tokens,
                "cached_tokens": completion.cached_tokens,
            },
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    os.chmod(temp, 0o600)
                    json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
                os.replace(temp, self._path(key))
            except BaseException:
                self._drop(Path(temp))
                raise
            self._evict(settings.max_bytes)
        except OSError as exc:
            log.warning("could not write the response cache in %s: %s", self.directory, exc)

    def _evict(self, max_bytes: int) -> None:
        """Remove the oldest entries while the folder is over ``max_bytes`` or :data:`MAX_ENTRIES`."""
        entries: list[tuple[float, int, Path]] = []
        for path in self.directory.glob("*.json"):
            with contextlib.suppress(OSError):
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        entries.sort()
        for index, (_, size, path) in enumerate(entries):
            if total <= max_bytes and len(entries) - index <= MAX_ENTRIES:
                break
            self._drop(path)
            total -= size

    @staticmethod
    def _drop(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
