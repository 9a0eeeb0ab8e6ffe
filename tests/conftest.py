"""Shared test setup: the network guard, the fixtures directory, and small project builders.

The guard makes every attempt to reach a host outside 127.0.0.0/8 or ::1 fail the test at once, so no test can
silently depend on (or leak to) a real model API.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Property tests (tests/tasks/test_properties.py): bounded example counts so CI stays fast, and a committed database
# of the failing examples hypothesis has found, replayed first on every run. HYPOTHESIS_PROFILE=deep explores further.
_EXAMPLES = DirectoryBasedExampleDatabase(str(Path(__file__).resolve().parent / "hypothesis-db"))
settings.register_profile("ci", max_examples=60, database=_EXAMPLES, print_blob=True)
settings.register_profile("deep", max_examples=1000, database=_EXAMPLES, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Copies of ../shared/fixtures, kept in the repo so a clean clone tests the same bytes everywhere.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


class NetworkGuardError(RuntimeError):
    """A test tried to reach a non-loopback host."""


def _is_loopback(host: Any) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkGuardError(f"test tried to connect to non-loopback host {address[0]!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise NetworkGuardError(f"test tried to connect to non-loopback host {address[0]!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, bytes):
        host = host.decode()
    if not _is_loopback(host):
        raise NetworkGuardError(f"test tried to resolve non-loopback host {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


@pytest.fixture
def shared_fixtures() -> Path:
    """The fixtures directory (messy-tasks.json, legacy-tasks.json, prd-bookmarks.md)."""
    return FIXTURES


def make_project(root: Path, tasks_source: Path | None = None) -> Path:
    """Create ``root/.taskmaster`` and copy ``tasks_source`` in as tasks.json (when given)."""
    (root / ".taskmaster" / "tasks").mkdir(parents=True, exist_ok=True)
    if tasks_source is not None:
        shutil.copyfile(tasks_source, root / ".taskmaster" / "tasks" / "tasks.json")
    return root


@pytest.fixture
def messy_project(tmp_path: Path, shared_fixtures: Path) -> Iterator[Path]:
    """A project whose tasks.json is a copy of the messy, tagged fixture."""
    yield make_project(tmp_path / "proj", shared_fixtures / "messy-tasks.json")


@pytest.fixture
def legacy_project(tmp_path: Path, shared_fixtures: Path) -> Iterator[Path]:
    """A project whose tasks.json is a copy of the legacy (untagged) fixture."""
    yield make_project(tmp_path / "proj", shared_fixtures / "legacy-tasks.json")


# --- scripted model-provider server (tests/support/provider_server.py) ---
from provider_server import ProviderServer  # noqa: E402


@pytest.fixture
def provider_server() -> Iterator[ProviderServer]:
    """A scripted Anthropic/OpenAI-compatible HTTP server on 127.0.0.1 (see tests/support/provider_server.py)."""
    server = ProviderServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["legacy", "auto"])
def era(request: pytest.FixtureRequest) -> str:
    """An MCP client connection mode: "legacy" (2025-11-25 handshake) or "auto" (negotiates 2026-07-28)."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _private_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets its own user cache folder (platformdirs reads XDG_CACHE_HOME), so the response cache of one
    test never answers another's requests and no test writes to the real user cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
