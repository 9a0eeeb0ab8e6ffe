"""README and the server agree: every tool is documented, and the two commands are at the top."""

from __future__ import annotations

import re
from pathlib import Path

from mcp_helpers import connected

README = Path(__file__).resolve().parents[1] / "README.md"


async def test_readme_lists_every_tool_the_server_offers(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "all"}) as client:
        names = {t.name for t in (await client.list_tools()).tools} | {"enable_tools"}  # the switcher: default only
    documented = set(re.findall(r"^\| `([a-z_-]+)` \|", README.read_text(encoding="utf-8"), re.MULTILINE))
    assert names - documented == set(), f"tools missing from README: {sorted(names - documented)}"
    assert documented - names == set(), f"README documents tools that do not exist: {sorted(documented - names)}"


def test_readme_opens_with_the_install_and_test_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert "pip install ." in blocks[0] and "taskmaster-mcp" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 .ci/readme_test_command.py" in ci  # CI runs README's command itself (tests/test_ci_run.py)
