"""The one-click installs: the Claude Desktop bundle (editor-configs/claude-desktop/mcpb/) and the wheel.

The manifest is checked against the MCPB spec's required fields, pyproject's version, the live tool catalogue and the
secrets rule (every provider key a sensitive, optional field mapped into the server's env, never a default). The
staged bundle is started with the env Claude Desktop builds from the manifest. ``mcpb validate`` / ``mcpb pack`` run
when the pinned CLI is installed in build/mcpb-cli (.ci/run installs it before the tests; a test never installs
it, as that needs the npm registry). The uv/uvx/pipx installs themselves need PyPI: tests/install_trials.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from taskmaster_mcp.models.registry import key_variables, resolve_key
from taskmaster_mcp.store.paths import Paths

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "editor-configs" / "claude-desktop" / "mcpb"
TEMPLATE = re.compile(r"\$\{user_config\.([A-Za-z0-9_]+)\}")


def _load_bundle() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mcpb_bundle", SOURCE / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle = _load_bundle()


def manifest() -> dict[str, Any]:
    return dict(json.loads((SOURCE / "manifest.json").read_text(encoding="utf-8")))


def claude_desktop_env(document: dict[str, Any], dirname: Path, chosen: dict[str, str]) -> dict[str, str]:
    """The env Claude Desktop gives the server: MCPB's reference substitution (defaults, then the user's values;
    a variable with no value stays as literal text)."""
    values = {k: str(v["default"]) for k, v in document["user_config"].items() if "default" in v} | chosen
    variables = {"__dirname": str(dirname)} | {f"user_config.{k}": v for k, v in values.items()}
    env: dict[str, str] = {}
    for name, raw in document["server"]["mcp_config"]["env"].items():
        for key, value in variables.items():
            raw = raw.replace("${" + key + "}", value)
        env[name] = raw
    return env


def test_the_manifest_has_every_field_the_mcpb_spec_requires_and_runs_our_launcher_with_uv() -> None:
    document = manifest()
    assert document["manifest_version"] == bundle.MANIFEST_VERSION == "0.4"
    for field in ("name", "version", "description"):
        assert isinstance(document[field], str) and document[field], field
    assert document["author"]["name"]
    server = document["server"]
    assert server["type"] == "uv"
    assert (SOURCE / server["entry_point"]).is_file()
    config = server["mcp_config"]
    assert config["command"] == "uv"
    assert config["args"] == ["run", "--project", "${__dirname}", "${__dirname}/" + server["entry_point"]]
    assert "runtimes" not in document.get("compatibility", {})  # uv brings Python; see the folder's README


def test_the_manifest_version_is_the_project_version() -> None:
    assert manifest()["version"] == bundle.project_version()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'\nversion = "{manifest()["version"]}"\n' in pyproject


def test_the_manifest_lists_exactly_the_tools_the_server_serves() -> None:
    from taskmaster_mcp.mcp_server.catalogue import CATALOGUE, SWITCHER

    listed = manifest()["tools"]  # the bundle's profile is all: every tool listed, so no switcher
    assert [t["name"] for t in listed] == [spec.name for spec in CATALOGUE if spec.name != SWITCHER]
    assert listed == bundle.catalogue_tools()
    assert all(t["description"] for t in listed)
    assert bundle.stale() == []


def test_every_provider_key_is_an_optional_sensitive_field_mapped_into_env_with_no_default() -> None:
    document = manifest()
    fields, env = document["user_config"], document["server"]["mcp_config"]["env"]
    for variable in key_variables():
        match = TEMPLATE.fullmatch(env.get(variable, ""))
        assert match, f"{variable} is not mapped from a user_config field"
        field = fields[match.group(1)]
        assert field["type"] == "string" and field["sensitive"] is True and field["required"] is False, variable
        assert "default" not in field, variable
    for name, field in fields.items():
        if field.get("sensitive"):
            assert "default" not in field, name
    used = {m.group(1) for raw in env.values() for m in TEMPLATE.finditer(raw)}
    assert used == set(fields), "every field is passed to the server, and every mapping names a field"
    assert env["TASK_MASTER_PROJECT_ROOT"] == "${user_config.project_root}"
    assert fields["project_root"]["type"] == "directory" and "default" not in fields["project_root"]
    assert env["TASK_MASTER_TOOLS"] == "${user_config.tool_profile}" and fields["tool_profile"]["default"] == "all"


def test_sync_rewrites_a_stale_manifest_and_check_reports_it(tmp_path: Path) -> None:
    stale_copy = manifest()
    stale_copy["version"] = "0.0.1"
    stale_copy["tools"] = stale_copy["tools"][1:]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(stale_copy), encoding="utf-8")
    problems = bundle.stale(path)
    assert any("version" in p for p in problems) and any("get_tasks" in p for p in problems)
    assert bundle.sync(path) is True
    assert path.read_text(encoding="utf-8") == (SOURCE / "manifest.json").read_text(encoding="utf-8")
    assert bundle.sync(path) is False and bundle.stale(path) == []


def test_an_empty_optional_field_of_the_bundle_counts_as_unset(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv\n", encoding="utf-8")
    found = resolve_key("anthropic", {"ANTHROPIC_API_KEY": "${user_config.anthropic_api_key}"}, Paths(tmp_path))
    assert (found.source, found.value) == (".env", "from-dotenv")
    missing = resolve_key("openai", {"OPENAI_API_KEY": "${user_config.openai_api_key}"}, Paths(tmp_path))
    assert missing.source == "missing"


async def test_the_staged_bundle_starts_with_claude_desktops_env_and_serves_every_tool(
    tmp_path: Path, messy_project: Path
) -> None:
    staged = bundle.stage(tmp_path / "bundle")
    files = {str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file()}
    assert {
        "manifest.json",
        "pyproject.toml",
        "README.md",
        "server/main.py",
        "server/taskmaster_mcp/__main__.py",
        "server/taskmaster_mcp/data/models.json",
        "server/taskmaster_mcp/py.typed",
    } <= files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    document = json.loads((staged / "manifest.json").read_text(encoding="utf-8"))
    # The user picked the project and gave one key; every other field stays empty.
    env = claude_desktop_env(
        document, staged, {"project_root": str(messy_project), "anthropic_api_key": "sk-ant-bundle-test"}
    )
    assert env["OPENAI_API_KEY"] == "${user_config.openai_api_key}"  # what an empty field really passes
    params = StdioServerParameters(
        command=sys.executable, args=[str(staged / document["server"]["entry_point"])], env=env, cwd=str(tmp_path)
    )
    async with Client(params, read_timeout_seconds=60) as client:
        count = len((await client.list_tools()).tools)
        tasks = await client.call_tool("get_tasks", {})
        models = await client.call_tool("models", {})
    assert count == len(document["tools"])  # the tool_profile default "all"
    assert not tasks.is_error, "TASK_MASTER_PROJECT_ROOT from the directory field picked the project"
    assert not models.is_error and models.structured_content is not None
    keys = {r["role"]: r["key"] for r in models.structured_content["roles"]}
    assert "MISSING" not in keys["main"] and "sk-ant-bundle-test" not in json.dumps(models.structured_content)
    assert keys["research"].startswith("MISSING")  # ${user_config.perplexity_api_key} is not a key


def _mcpb_or_skip() -> None:
    if bundle.mcpb_command(install=False) is None:
        pytest.skip(
            f"the mcpb CLI is not installed in {bundle.CLI_PREFIX} (.ci/run installs it: "
            "editor-configs/claude-desktop/mcpb/bundle.py pack)"
        )


def test_mcpb_validate_accepts_the_manifest() -> None:
    _mcpb_or_skip()
    result = bundle.run_mcpb(["validate", str(SOURCE / "manifest.json")], install=False)
    assert result.returncode == 0, result.stdout
    assert "Manifest schema validation passes!" in result.stdout


def test_mcpb_validate_rejects_a_manifest_without_its_server(tmp_path: Path) -> None:
    _mcpb_or_skip()
    broken = manifest()
    del broken["server"]
    (tmp_path / "manifest.json").write_text(json.dumps(broken), encoding="utf-8")
    result = bundle.run_mcpb(["validate", str(tmp_path / "manifest.json")], install=False)
    assert result.returncode != 0 and "server" in result.stdout


def test_mcpb_pack_writes_a_bundle_holding_the_launcher_the_project_and_the_package(tmp_path: Path) -> None:
    _mcpb_or_skip()
    staged = bundle.stage(tmp_path / "bundle")
    out = tmp_path / "taskmaster-mcp.mcpb"
    result = bundle.run_mcpb(["pack", str(staged), str(out)], install=False)
    assert result.returncode == 0, result.stdout
    names = set(zipfile.ZipFile(out).namelist())
    assert {
        "manifest.json",
        "pyproject.toml",
        "README.md",
        "server/main.py",
        "server/taskmaster_mcp/data/models.json",
    } <= names
    assert json.loads(zipfile.ZipFile(out).read("manifest.json")) == manifest()


async def test_the_wheel_holds_the_package_data_and_its_console_script_serves_tools(tmp_path: Path) -> None:
    built = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "-q",
            "-w",
            str(built),
            str(REPO),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = built.glob("taskmaster_mcp-*.whl")
    assert wheel.name.startswith(f"taskmaster_mcp-{bundle.project_version()}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"taskmaster_mcp/data/models.json", "taskmaster_mcp/py.typed", "taskmaster_mcp/__main__.py"} <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "taskmaster-mcp = taskmaster_mcp.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    # A fresh environment holding only the wheel; its dependencies come from this one (read-only, by a .pth line,
    # which does not run this environment's editable-install hook, so taskmaster_mcp can only come from the wheel).
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    bin_dir = target / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / Path(sys.executable).name
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    import mcp

    (site / "deps.pth").write_text(str(Path(mcp.__file__).parents[1]) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    script = bin_dir / "taskmaster-mcp"
    version = subprocess.run([str(script), "--version"], check=True, capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"taskmaster-mcp {bundle.project_version()}"
    where = subprocess.run(
        [str(python), "-c", "import taskmaster_mcp; print(taskmaster_mcp.__file__)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site)
    async with Client(
        StdioServerParameters(command=str(script), args=[], cwd=str(tmp_path), env={"TASK_MASTER_TOOLS": "all"}),
        read_timeout_seconds=60,
    ) as client:
        assert len((await client.list_tools()).tools) == len(manifest()["tools"])


def test_an_editor_entry_that_runs_us_through_uvx_or_pipx_is_recognised_as_ours() -> None:
    from taskmaster_mcp.setup.editors import points_at_us

    assert points_at_us(
        {"command": "/home/me/.local/bin/uvx", "args": ["--from", "/src/taskmaster-mcp", "taskmaster-mcp"]}
    )
    assert points_at_us(
        {"command": "C:\\Users\\me\\.local\\bin\\uvx.exe", "args": ["--from", "git+https://x/y", "taskmaster-mcp"]}
    )
    assert points_at_us({"command": "pipx", "args": ["run", "--spec", "dist/t.whl", "taskmaster-mcp"]})
    assert not points_at_us({"command": "uvx", "args": ["mcp-server-git"]})
