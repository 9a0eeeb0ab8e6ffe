"""Server start-up imports neither a provider SDK nor the AI core: they load when a model is first needed."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_server_imports_no_provider_sdk_and_no_ai_core() -> None:
    code = (
        "import sys; from taskmaster_mcp.app import build_app; build_app(env={}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('anthropic', 'openai') "
        "or m in ('taskmaster_mcp.llm', 'taskmaster_mcp.ledger', 'taskmaster_mcp.providers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
