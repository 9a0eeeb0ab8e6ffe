"""`.ci/run` runs README's own test command, in a fresh venv with only ``.[test]`` (not the dev venv with every
extra), and a run that collects no tests fails CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command_in_a_fresh_venv() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    second = re.findall(r"^```sh\n(.*?)```", readme, flags=re.MULTILINE | re.DOTALL)[1].strip()
    done = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "readme_test_command.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    command = done.stdout.strip()
    assert command == second.replace(".venv", ".venv-test")
    assert command.startswith("python3 -m venv .venv-test && ") and '".[test]"' in command
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tail = script[script.index("readme_test_command.py") :]
    assert "rm -rf .venv-test" in tail and 'bash -c "$command"' in tail and ".venv/bin/python -m pytest" not in tail
    assert '"$status" -ne 5' in tail and tail.rstrip().endswith('exit "$status"')


def test_a_readme_command_of_another_shape_stops_ci(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / ".ci"))
    try:
        import readme_test_command as ci
    finally:
        sys.path.remove(str(ROOT / ".ci"))
    assert ci.fresh_command("python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m pytest") == (
        "python3 -m venv .venv-test && .venv-test/bin/pip install -e . && .venv-test/bin/python -m pytest"
    )
    for wrong in ("pip install -e . && pytest", "python3 -m venv .venv && .venv/bin/pip install ."):
        try:
            ci.fresh_command(wrong)
        except ValueError:
            continue
        raise AssertionError(wrong)
