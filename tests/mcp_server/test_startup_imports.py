"""Server start-up imports neither a provider SDK nor the AI core: they load when a model is first needed."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_server_imports_no_provider_sdk_and_no_ai_core() -> None:
    code = (
        "import sys; from taskmaster_mcp.mcp_server.app import build_app; build_app(env={}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('anthropic', 'openai', 'rich') "
        "or m.startswith(('taskmaster_mcp.models', 'taskmaster_mcp.ai', 'taskmaster_mcp.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
