"""Benchmark: the router's overhead per AI call, the first call in a fresh process, and fallback latency.

Run: /work/.venv/bin/python tests/bench/bench_ai_overhead.py   (no network: a scripted server on 127.0.0.1)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE.parent.parent / "server"))

from pydantic import BaseModel  # noqa: E402

from provider_server import CHAT, MESSAGES, ProviderServer, Reply, write_config  # noqa: E402
from taskmaster_mcp.models.router import ModelRouter  # noqa: E402
from taskmaster_mcp.store.paths import Paths  # noqa: E402

WARM_CALLS = 60
MODEL = "claude-sonnet-4-20250514"
ENV = {"ANTHROPIC_API_KEY": "sk-bench", "OPENAI_API_KEY": "sk-bench"}


class Answer(BaseModel):
    title: str
    steps: list[str]


ANSWER = json.dumps({"title": "bench", "steps": ["a", "b", "c"]})


def project(root: Path, server: ProviderServer) -> Paths:
    write_config(
        root,
        {
            "main": {"provider": "anthropic", "modelId": MODEL, "maxTokens": 1000, "baseURL": server.url},
            "fallback": {"provider": "openai", "modelId": "gpt-4o", "maxTokens": 1000, "baseURL": server.url + "/v1"},
        },
        {"cache": {"enabled": False}},
    )  # every call must reach the model: the response cache is measured apart
    return Paths(root)


async def overhead(server: ProviderServer, root: Path) -> None:
    import anthropic

    server.defaults[MESSAGES] = Reply(text=ANSWER)
    router = ModelRouter(project(root, server), ENV, data_dir=root / "data")
    raw = anthropic.AsyncAnthropic(api_key="sk-bench", base_url=server.url, max_retries=0, timeout=120.0)
    prompt = "plan it"

    async def ours() -> None:
        await router.generate_object(command="bench", role="main", system="s", prompt=prompt, schema=Answer)

    await ours()
    sent = dict(server.seen(MESSAGES)[-1].body)  # replay exactly what the router sent (schema prompt included)

    async def sdk() -> None:
        stream = await raw.messages.create(**sent, timeout=120.0)
        text = []
        async for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                text.append(event.delta.text)
        Answer.model_validate_json("".join(text))

    for _ in range(5):  # warm both paths (imports, connection pools)
        await ours()
        await sdk()
    ours_t: list[float] = []
    sdk_t: list[float] = []
    for _ in range(WARM_CALLS):  # interleaved so both see the same machine state
        start = time.perf_counter()
        await sdk()
        sdk_t.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await ours()
        ours_t.append((time.perf_counter() - start) * 1000)
    await router.aclose()
    await raw.close()
    m_ours, m_sdk = statistics.median(ours_t), statistics.median(sdk_t)
    print(f"(a) overhead per AI call, median of {WARM_CALLS} warm calls (scripted server, zero delay)")
    print(f"    generate_object (ours) : {m_ours:7.2f} ms")
    print(f"    raw SDK stream + parse : {m_sdk:7.2f} ms")
    print(f"    overhead               : {m_ours - m_sdk:7.2f} ms   (target <= 10 ms)")


def first_call(server: ProviderServer, root: Path) -> None:
    server.defaults[MESSAGES] = Reply(text="ok")
    project(root, server)
    code = f"""
import time, asyncio
t0 = time.perf_counter()
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.store.paths import Paths
from pathlib import Path
t1 = time.perf_counter()
async def main():
    r = ModelRouter(Paths(Path({str(root)!r})), {ENV!r}, data_dir=Path({str(root / "data")!r}))
    await r.generate_text(command="bench", role="main", system="s", prompt="p")
    await r.aclose()
asyncio.run(main())
t2 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}} {{(t2 - t0) * 1000:.0f}}")
"""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={"PYTHONPATH": str(HERE.parent.parent / "server"), "PATH": "/usr/bin:/bin"},
        )
        runs.append([float(x) for x in out.stdout.split()])
    imp, call, total = (statistics.median(col) for col in zip(*runs, strict=True))
    print("(b) first AI call in a fresh process (median of 3 processes)")
    print(f"    import taskmaster_mcp.models.router   : {imp:7.0f} ms")
    print(f"    first call incl. SDK import + connect : {call:7.0f} ms")
    print(f"    total                                 : {total:7.0f} ms")


async def fallback(server: ProviderServer, root: Path) -> None:
    server.requests.clear()
    server.defaults[MESSAGES] = Reply(status=529, error_type="overloaded_error", message="Overloaded")
    server.defaults[CHAT] = Reply(text="from fallback")
    router = ModelRouter(project(root, server), ENV, data_dir=root / "data")
    await router.generate_text(command="warm", role="fallback", system="s", prompt="p")  # import + connect
    server.requests.clear()
    start = time.perf_counter()
    text, usage = await router.generate_text(command="bench", role="main", system="s", prompt="p")
    elapsed = (time.perf_counter() - start) * 1000
    await router.aclose()
    print("(c) fallback: main answers 529 (retry-after-ms: 10), fallback healthy, default retries (perRole 2)")
    print(f"    time to answer        : {elapsed:7.1f} ms  (answered by {usage.role}: {text!r})")
    print(f"    requests to main      : {len(server.seen(MESSAGES))}")
    print(f"    requests to fallback  : {len(server.seen(CHAT))}")
    print(f"    reported              : {usage.fallbacks}")


def main() -> None:
    server = ProviderServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            first_call(server, root / "b")
            asyncio.run(overhead(server, root / "a"))
            asyncio.run(fallback(server, root / "c"))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
