"""The base install is whole: with the optional extras' packages hidden (``google``, ``boto3``, ``botocore``,
``claude_agent_sdk``; a ``sitecustomize`` meta-path blocker in a subprocess), the ``models`` tool and ``doctor`` show
a missing extra as a status, never as "This is a bug", and no message says nothing was written when a file was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HIDDEN = ("google", "boto3", "botocore", "claude_agent_sdk")
BLOCKER = f'''import sys


class _Hide:
    """Every optional extra's top-level package is absent, as in a base install."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HIDDEN!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Hide())
'''


def run(project: Path, blocker: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(blocker),
        "TASKMASTER_MCP_HOME": str(project / "home"),
        "NO_COLOR": "1",
        "GIT_CEILING_DIRECTORIES": str(project.parent),
    }
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "VERTEX_PROJECT_ID"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "taskmaster_mcp", "-C", str(project), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=project,
    )


def setup(tmp_path: Path) -> tuple[Path, Path]:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    done = run(project, blocker, "init", "-y")
    assert done.returncode == 0, done.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import importlib.util as u; print(u.find_spec('boto3'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(blocker)},
    )
    assert "No module named 'boto3'" in probe.stderr  # the blocker is in force
    return project, blocker


def test_setting_a_vertex_role_without_the_extra_reports_the_missing_extra_and_writes_honestly(tmp_path: Path) -> None:
    project, blocker = setup(tmp_path)
    done = run(project, blocker, "models", "--set-fallback", "gemini-2.5-pro", "--vertex")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "This is a bug" not in out and "Nothing was written" not in out
    assert "taskmaster-mcp[vertex]" in out
    config = json.loads((project / ".taskmaster" / "config.json").read_text(encoding="utf-8"))
    assert config["models"]["fallback"]["provider"] == "vertex"
    shown = run(project, blocker, "models")
    assert shown.returncode == 0 and "This is a bug" not in shown.stdout + shown.stderr
    assert "google-auth" in shown.stdout


def test_doctor_and_the_models_tool_survive_every_hidden_extra(tmp_path: Path) -> None:
    project, blocker = setup(tmp_path)
    for role, model, flag in (
        ("--set-main", "gemini-2.5-pro", "--vertex"),
        ("--set-research", "us.anthropic.claude-sonnet-4-20250514-v1:0", "--bedrock"),
        ("--set-fallback", "sonnet", "--claude-code"),
    ):
        done = run(project, blocker, "models", role, model, flag)
        assert done.returncode == 0 and "This is a bug" not in done.stdout + done.stderr, done.stdout + done.stderr
    doctor = run(project, blocker, "doctor", "--json")
    assert "This is a bug" not in doctor.stdout + doctor.stderr and "Traceback" not in doctor.stderr
    checks = json.loads(doctor.stdout)["checks"]
    text = json.dumps(checks)
    for extra in ("vertex", "bedrock", "claude-code"):
        assert f"taskmaster-mcp[{extra}]" in text, extra
