"""Benchmark: how long a call takes to be answered by the fallback when main fails, with DEFAULT settings.

Run: cd tests/bench && ../../.venv/bin/python bench_fallback.py   (no network: scripted servers on 127.0.0.1)

Every scenario uses the default timeouts, retries and back-off (nothing under ``taskmasterMcp`` in config.json);
only main's behaviour is scripted. Clients such as Claude Desktop cancel a tool call at about 60 s, so the figure
that matters is the time to the fallback's answer. It takes about 50 s in all (the hang alone waits ~25 s).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE.parent.parent / "server"))

from provider_server import CHAT, MESSAGES, ProviderServer, Reply, closed_port_url, write_config  # noqa: E402
from taskmaster_mcp.models.router import ModelRouter  # noqa: E402
from taskmaster_mcp.store.paths import Paths  # noqa: E402
from taskmaster_mcp.store.settings import RouterSettings  # noqa: E402

ENV = {"ANTHROPIC_API_KEY": "sk-bench", "OPENAI_API_KEY": "sk-bench"}
NO_HINT = {"retry-after-ms": ""}  # an empty hint is ignored: plain exponential back-off
SCENARIOS: list[tuple[str, Reply | None]] = [
    ("hangs (accepts, never answers)", Reply(hang=True)),
    ("refuses the connection", None),
    ("answers 503, no retry-after", Reply(status=503, error_type="api_error", headers=NO_HINT)),
    (
        "answers 529, retry-after: 30 s",
        Reply(status=529, error_type="overloaded_error", headers={"retry-after-ms": "", "retry-after": "30"}),
    ),
    ("answers 529, retry-after-ms: 10", Reply(status=529, error_type="overloaded_error")),
]


async def scenario(root: Path, main: Reply | None) -> tuple[float, str, int, int, list[str]]:
    """Time one call that starts on main; return seconds, the answering role, requests to main and fallback."""
    server = ProviderServer().start()
    try:
        main_url = closed_port_url() if main is None else server.url
        if main is not None:
            server.defaults[MESSAGES] = main
        server.defaults[CHAT] = Reply(text="from fallback")
        write_config(
            root,
            {
                "main": {"provider": "anthropic", "modelId": "claude-sonnet-4-20250514", "baseURL": main_url},
                "fallback": {"provider": "openai", "modelId": "gpt-4o", "baseURL": server.url + "/v1"},
            },
            {"cache": {"enabled": False}},
        )  # the warm-up's answer must not answer the measured call
        router = ModelRouter(Paths(root), ENV, data_dir=root / "data")
        await router.generate_text(command="warm", role="fallback", system="s", prompt="p")  # connect
        server.requests.clear()
        start = time.perf_counter()
        _, usage = await router.generate_text(command="bench", role="main", system="s", prompt="p")
        elapsed = time.perf_counter() - start
        await router.aclose()
        return elapsed, usage.role, len(server.seen(MESSAGES)), len(server.seen(CHAT)), usage.fallbacks
    finally:
        server.stop()


def main() -> None:
    import anthropic  # noqa: F401  (import both SDKs up front: their first-use cost is bench_ai_overhead's (b))
    import openai  # noqa: F401

    d = RouterSettings()
    print(
        f"fallback latency with DEFAULT settings: firstByteSeconds {d.first_byte_seconds:g}, roleSeconds "
        f"{d.role_seconds:g}, requestSeconds {d.request_seconds:g}, totalSeconds {d.total_seconds:g}, "
        f"retries.perRole {d.retries_per_role}, back-off {d.base_delay:g} s doubling, capped at {d.max_delay:g} s"
    )
    print(f"    {'main':34} {'answered in':>11}  {'by':8} {'main reqs':>9} {'fallback reqs':>13}")
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, reply) in enumerate(SCENARIOS):
            elapsed, role, to_main, to_fallback, fallbacks = asyncio.run(scenario(Path(tmp) / str(number), reply))
            print(f"    {name:34} {elapsed:9.2f} s  {role:8} {to_main:9d} {to_fallback:13d}")
            notes.append(f"    {name}: {fallbacks[0] if fallbacks else '-'}")
    print("reported reason for leaving main:")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
