"""Install taskmaster-mcp the ways README "Install" shows, as a new user would, and start each install as an editor.

    .venv/bin/python tests/install_trials.py      # needs uv, uvx and pipx on the PATH and the PyPI registry

Not part of the suite: every trial downloads the dependencies from PyPI into a fresh uv cache (tests never reach the
network). It prints a transcript (each command, its output, and the tool count an MCP client saw) and exits 1 when
any trial failed. The trials:

1. ``uvx --from <clone>``, ``uvx --from <wheel>`` and ``uvx --from git+file://<clone>`` (uv's git path, which the
   ``git+https://`` form of README takes too): ``taskmaster-mcp --version``.
2. ``pipx install <clone>`` and ``pipx install <wheel>`` into a throwaway PIPX_HOME: ``--version``.
3. A Claude Desktop/Cursor-style ``mcpServers`` entry whose command is ``uvx``, started by the SDK's stdio client.
4. The packed Claude Desktop bundle, unzipped and started as Claude Desktop does: ``mcp_config`` with
   ``${__dirname}`` and the user's fields substituted (empty fields left as literal text), through ``uv run``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "editor-configs" / "claude-desktop" / "mcpb" / "bundle.py"
failures: list[str] = []


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run and print one command with its output; record a failure on a non-zero exit."""
    print(f"$ {' '.join(command)}", flush=True)
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
    output = (result.stdout + result.stderr).strip()
    lines = output.splitlines()
    shown = lines if len(lines) <= 12 else [*lines[:5], f"... ({len(lines) - 10} lines)", *lines[-5:]]
    print("\n".join(f"  {line}" for line in shown) + f"\n  (exit {result.returncode})", flush=True)
    if result.returncode != 0:
        failures.append(" ".join(command))
    return result.stdout


def expect_version(command: list[str], env: dict[str, str], cwd: Path, version: str) -> None:
    """``command --version`` must print ``taskmaster-mcp <version>``."""
    out = run([*command, "--version"], env, cwd).strip()
    if out != f"taskmaster-mcp {version}":
        failures.append(f"{' '.join(command)} --version printed {out!r}")


async def tool_count(command: str, args: list[str], env: dict[str, str], cwd: Path) -> int:
    """Start the server as an editor does and count the tools it lists."""
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(cwd))
    async with Client(params, read_timeout_seconds=600) as client:
        return len((await client.list_tools()).tools)


def expect_tools(label: str, command: str, args: list[str], env: dict[str, str], cwd: Path, wanted: int) -> None:
    """Print and check the tool count of one launch."""
    print(f"$ [MCP client] {command} {' '.join(args)}", flush=True)
    try:
        count = asyncio.run(tool_count(command, args, env, cwd))
    except Exception as exc:  # a launch that fails is a trial result, not a crash of the script
        failures.append(f"{label}: {exc!r}")
        print(f"  failed: {exc!r}")
        return
    print(f"  {count} tools listed (catalogue: {wanted})", flush=True)
    if count != wanted:
        failures.append(f"{label}: {count} tools, expected {wanted}")


def main() -> int:
    """Run every trial; 0 when all passed."""
    missing = [tool for tool in ("uv", "uvx", "pipx") if shutil.which(tool) is None]
    if missing:
        print(f"install_trials needs {', '.join(missing)} on the PATH (pip install uv pipx)", file=sys.stderr)
        return 2
    manifest: dict[str, Any] = json.loads((BUNDLE.parent / "manifest.json").read_text(encoding="utf-8"))
    version, wanted = manifest["version"], len(manifest["tools"])
    with tempfile.TemporaryDirectory(prefix="taskmaster-install-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            **os.environ,
            "UV_CACHE_DIR": str(tmp / "uv-cache"),
            "PIPX_HOME": str(tmp / "pipx"),
            "PIPX_BIN_DIR": str(tmp / "pipx-bin"),
            "UV_TOOL_DIR": str(tmp / "uv-tools"),
        }
        print(f"uv: {run(['uv', '--version'], env, tmp).strip()}; pipx: {run(['pipx', '--version'], env, tmp).strip()}")
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "wheel"), str(REPO)], env, tmp)
        wheel = str(next((tmp / "wheel").glob("taskmaster_mcp-*.whl")))
        for source in (str(REPO), wheel, f"git+file://{REPO}"):
            expect_version(["uvx", "--from", source, "taskmaster-mcp"], env, tmp, version)
        for source in (str(REPO), wheel):
            run(["pipx", "install", "--force", source], env, tmp)
            expect_version([str(tmp / "pipx-bin" / "taskmaster-mcp")], env, tmp, version)
            run(["pipx", "uninstall", "taskmaster-mcp"], env, tmp)

        args = ["--from", str(REPO), "taskmaster-mcp"]
        root = {"TASK_MASTER_PROJECT_ROOT": str(tmp)}
        print(
            "editor config: "
            + json.dumps({"mcpServers": {"taskmaster": {"command": "uvx", "args": args, "env": root}}})
        )
        every = {"TASK_MASTER_TOOLS": "all"}  # the manifest lists every tool; the default lists the daily loop
        expect_tools("uvx editor entry", "uvx", args, {**env, **root, **every}, tmp, wanted)

        run([sys.executable, str(BUNDLE), "pack"], env, REPO)
        extension = tmp / "extension"
        zipfile.ZipFile(REPO / "dist" / f"taskmaster-mcp-{version}.mcpb").extractall(extension)
        config = manifest["server"]["mcp_config"]
        values = {"__dirname": str(extension), "user_config.project_root": str(tmp), "user_config.tool_profile": "all"}
        child_env: dict[str, str] = {}
        for name, raw in config["env"].items():
            for key, value in values.items():
                raw = raw.replace("${" + key + "}", value)
            child_env[name] = raw
        args = [arg.replace("${__dirname}", str(extension)) for arg in config["args"]]
        print(f"bundle env (empty fields stay literal): {sorted(child_env)}")
        expect_tools("bundle via uv run", config["command"], args, {**env, **child_env}, Path("/"), wanted)
    print("\nall trials passed" if not failures else "\nFAILED:\n" + "\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
