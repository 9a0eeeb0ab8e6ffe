"""Benchmark: the secret guard's scan speed on a 10 MB diff, and the secret corpus table (0 values reach a request).

Run: .venv/bin/python tests/bench/bench_secrets.py   (no network: the scripted provider on 127.0.0.1)

1. Speed: ``redact`` over a 10 MB diff built from this repository's own sources (with secrets planted every
   ~100 KB), against two baselines measured in the same run on the same text: one ``bytes.find`` of a string that
   is not there (the guard makes about twenty such passes, one per anchor) and one compiled ``re`` search (a
   single simple regex).
2. Corpus: every file of ``tests/secrets_helpers.py`` planted in a project that is a git repository, then driven
   through parse_prd, research (every file named) and review with the real SDKs; every recorded request body is
   searched for every planted value.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE.parent.parent / "server"))

from ai_helpers import ai_env, ai_project, as_json  # noqa: E402
from mcp_helpers import connected, ok  # noqa: E402
from provider_server import CHAT, MESSAGES, ProviderServer, Reply  # noqa: E402
from secrets_helpers import corpus, leaks, plant  # noqa: E402
from taskmaster_mcp.store import secrets  # noqa: E402

SIZE = 10_000_000


def best(fn: object, runs: int = 3) -> float:
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def speed() -> None:
    sources = "".join(p.read_text() for p in sorted((HERE.parent.parent / "server").rglob("*.py")))
    lines = ["+" + line for line in sources.splitlines()]
    planted = [item.text for item in corpus() if not item.whole]
    text_parts: list[str] = []
    size = 0
    for n, line in enumerate(lines * (SIZE // len(sources) + 2)):
        if n % 2_000 == 0:
            text_parts.append(planted[(n // 2_000) % len(planted)])
        text_parts.append(line + "\n")
        size += len(line) + 1
        if size >= SIZE:
            break
    diff = "".join(text_parts)
    low = diff.encode("latin-1", "replace").lower()
    floor = best(lambda: low.find(b"zqxj"))  # one search of the lower-cased text, as each of the guard's anchors
    one_regex = re.compile(r"zq[0-9]{9}")  # never matches: a full pass
    single = best(lambda: one_regex.search(diff))
    guard = best(lambda: secrets.redact(diff))
    found = secrets.redact(diff)
    print(f"10 MB diff ({len(diff) / 1e6:.1f} MB, {diff.count(chr(10)):,} lines): redact {guard * 1000:.0f} ms")
    print(
        f"  = {guard / floor:.0f}x one bytes.find pass ({floor * 1000:.1f} ms), {guard / single:.1f}x one simple regex"
    )
    print(f"  ({single * 1000:.0f} ms); {sum(found.kinds.values())} values redacted: {found.summary()}")


async def leak_check() -> None:
    server = ProviderServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        root = ai_project(Path(tmp) / "p", server)
        (root / "src").mkdir()
        (root / "src/app.py").write_text("def main():\n    return 1\n")
        for args in (("init", "-q"), ("add", "."), ("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "s")):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
        planted = plant(root)
        (root / ".taskmaster/docs").mkdir()
        (root / ".taskmaster/docs/prd.txt").write_text("# PRD\n" + corpus()[-4].text)
        task = {"id": 1, "title": "Skeleton", "description": "Start.", "details": "How.", "testStrategy": "Tests."}
        plan = {"tasks": [{**task, "priority": "high", "dependencies": []}]}
        verdict = {"verdict": "approve", "score": 90, "summary": "ok", "findings": [], "unmetRequirements": []}
        server.script(MESSAGES, Reply(text=as_json(plan)))
        async with connected(root, env=ai_env(Path(tmp))) as client:
            await ok(client, "parse_prd", numTasks=1)
            server.script(CHAT, Reply(text="- findings"))
            files = ",".join(p.rel for p in planted)
            research = await ok(client, "research", query="q", filePaths=files, includeProjectTree=True)
            server.script(MESSAGES, Reply(text=as_json({**verdict, "followUpSubtasks": []})))
            review = await ok(client, "review", id="1")
        bodies = [record.body for record in server.seen()]
        found = leaks(bodies, planted)
        values = sum(len(p.values) for p in planted)
        kinds = len({p.kind for p in planted})
        whole = [p for p in planted if p.whole]
        content_kinds = {kind for b in bodies for kind in re.findall(r"\[redacted: ([a-z ]+)\]", json.dumps(b))}
        print()
        print("secret corpus                          | count")
        print("---------------------------------------|------")
        print(f"secret kinds (file kinds + value kinds) | {kinds} + {len(content_kinds)}")
        print(f"files planted                          | {len(planted)}")
        print(f"  refused / left out whole             | {len(whole)}")
        print(f"  ordinary files with secret values    | {len(planted) - len(whole)}")
        print(f"planted values                         | {values}")
        print(f"requests recorded (parse_prd, research, review) | {len(bodies)}")
        print(
            f"research leftOut / review excluded     | {len(research.get('leftOut') or [])} / "
            f"{len(review['diff'].get('excluded') or [])}"
        )
        print(f"planted values found in request bodies | {len(found)}")
    server.stop()
    if found:
        print("LEAKED:", found)
        raise SystemExit(1)


if __name__ == "__main__":
    speed()
    asyncio.run(leak_check())
