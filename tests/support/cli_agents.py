"""Scripted stand-ins for the CLI agents (claude, codex, gemini, grok): small Python executables put on a PATH.

:func:`install` writes one into ``bin/`` under a folder, with a scenario (``scenario.json`` beside it) saying what to
answer. Each run appends what it received (argv, stdin, a few environment variables, its pid) to ``calls.jsonl``.

- ``claude`` speaks the stream-json protocol the Claude Agent SDK speaks to the real CLI: it answers the SDK's
  ``initialize`` control request, reads the user message, then writes ``system/init``, partial ``stream_event``
  messages, the ``assistant`` message and a ``result`` (an error result with ``api_error_status`` when scripted),
  and exits when the SDK closes its stdin.
- ``codex`` prints ``codex exec --json`` events; ``gemini`` one ``--output-format json`` object; ``grok`` JSON lines.

Scenario keys: ``text``, ``usage`` [input, output, cached], ``error`` (message), ``status`` (HTTP status of the
error), ``exit`` (exit code), ``hang`` (sleep that many seconds before answering).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

SCRIPT = r"""
import json, os, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = Path(sys.argv[0]).name
scenario = json.loads((HERE / "scenario.json").read_text())
text = scenario.get("text", "scripted answer")
inp, out, cached = scenario.get("usage", [40, 8, 10])
error, status, code = scenario.get("error"), scenario.get("status"), scenario.get("exit", 0)


def log(stdin):
    env = {k: os.environ.get(k) for k in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY",
                                          "GROK_CLI_API_KEY")}
    with open(HERE / "calls.jsonl", "a") as handle:
        handle.write(json.dumps({"name": NAME, "argv": sys.argv[1:], "stdin": stdin, "env": env,
                                 "pid": os.getpid(), "cwd": os.getcwd()}) + "\n")


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def claude():
    lines = []
    for line in sys.stdin:
        message = json.loads(line)
        lines.append(message)
        if message.get("type") == "control_request":
            emit({"type": "control_response", "response": {"subtype": "success",
                                                           "request_id": message["request_id"], "response": {}}})
        elif message.get("type") == "user":
            break
    log(lines)
    # The SDK passes ``--model X`` (0.2.x before ~0.2.100) or ``--model=X`` (later 0.2.x).
    model = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--model=")), None)
    if model is None:
        model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "default"
    emit({"type": "system", "subtype": "init", "session_id": "s1", "claude_code_version": "2.1.300",
          "model": model, "tools": [], "mcp_servers": []})
    time.sleep(scenario.get("hang", 0))
    if error:
        emit({"type": "result", "subtype": "success", "is_error": True, "duration_ms": 3, "duration_api_ms": 2,
              "num_turns": 1, "session_id": "s1", "result": error, "api_error_status": status})
        sys.stdin.read()
        sys.exit(1)
    usage = {"input_tokens": inp - cached, "output_tokens": out, "cache_read_input_tokens": cached,
             "cache_creation_input_tokens": 0}
    events = [{"type": "message_start", "message": {"id": "m1", "model": model, "usage": usage}}]
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
               for piece in (text[:len(text) // 2], text[len(text) // 2:])]
    events.append({"type": "message_stop"})
    for index, event in enumerate(events):
        emit({"type": "stream_event", "uuid": f"e{index}", "session_id": "s1", "event": event,
              "parent_tool_use_id": None})
    emit({"type": "assistant", "message": {"id": "m1", "model": model, "role": "assistant",
                                           "content": [{"type": "text", "text": text}], "usage": usage},
          "parent_tool_use_id": None, "session_id": "s1", "uuid": "a1"})
    emit({"type": "result", "subtype": "success", "is_error": False, "duration_ms": 3, "duration_api_ms": 2,
          "num_turns": 1, "session_id": "s1", "result": text, "total_cost_usd": 0.0123, "usage": usage})
    sys.stdin.read()


def codex():
    log(sys.stdin.read())
    time.sleep(scenario.get("hang", 0))
    emit({"type": "thread.started", "thread_id": "t1"})
    emit({"type": "turn.started"})
    if error:
        emit({"type": "error", "message": error})
        emit({"type": "turn.failed", "error": {"message": error}})
        sys.exit(code or 1)
    emit({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "**thinking**"}})
    emit({"type": "item.completed", "item": {"id": "item_1", "type": "agent_message", "text": text}})
    emit({"type": "turn.completed", "usage": {"input_tokens": inp, "cached_input_tokens": cached,
                                              "output_tokens": out}})


def gemini():
    log(sys.stdin.read())
    time.sleep(scenario.get("hang", 0))
    if error:
        emit({"error": {"type": "ApiError", "message": error, "code": status}})
        sys.exit(code or 1)
    model = sys.argv[sys.argv.index("-m") + 1]
    emit({"response": text, "stats": {"models": {model: {"api": {"totalRequests": 1}, "tokens": {
        "prompt": inp, "candidates": out, "total": inp + out, "cached": cached, "thoughts": 0}}}}})


def grok():
    log(None)
    if error:
        sys.stderr.write(error + "\n")
        sys.exit(code or 1)
    emit({"role": "user", "content": "(the prompt)"})
    emit({"role": "assistant", "content": text, "usage": {"prompt_tokens": inp, "completion_tokens": out,
                                                          "total_tokens": inp + out}})


{"claude": claude, "codex": codex, "gemini": gemini, "grok": grok}[NAME]()
sys.exit(code)
"""


def install(folder: Path, name: str, **scenario: Any) -> Path:
    """Write the scripted ``name`` CLI into ``folder/bin`` (returned: put it on the PATH) with ``scenario``."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\n{SCRIPT}", encoding="utf-8")
    path.chmod(0o755)
    (bin_dir / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
    return bin_dir


def rescript(bin_dir: Path, **scenario: Any) -> None:
    """Change what the CLIs in ``bin_dir`` answer next."""
    (bin_dir / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")


def calls(bin_dir: Path) -> list[dict[str, Any]]:
    """What each run of a CLI in ``bin_dir`` received, in order."""
    log = bin_dir / "calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ", 1)[1].startswith("Z"))
