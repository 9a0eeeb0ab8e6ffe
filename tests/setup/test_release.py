"""The release files agree with each other: pyproject, server.json (MCP Registry), README's registry marker, LICENSE."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_server_json_names_the_package_and_version_pyproject_builds() -> None:
    server = json.loads((REPO / "server.json").read_text(encoding="utf-8"))
    project = PYPROJECT["project"]
    assert server["version"] == project["version"]
    (package,) = server["packages"]
    assert (package["registryType"], package["identifier"], package["version"]) == (
        "pypi",
        project["name"],
        project["version"],
    )
    assert package["transport"] == {"type": "stdio"}
    assert len(server["description"]) <= 100  # the registry refuses longer ones
    assert server["name"].count("/") == 1
    # PyPI ownership: the README carries the server's name in an mcp-name marker
    assert f"<!-- mcp-name: {server['name']} -->" in (REPO / "README.md").read_text(encoding="utf-8")
    assert all(v["isSecret"] for v in package["environmentVariables"] if v["name"].endswith("_KEY"))


def test_the_license_pyproject_declares_ships_and_the_build_floor_reads_it() -> None:
    assert PYPROJECT["project"]["license"] == "MIT" and "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    floor = re.search(r"setuptools>=([\d.]+)", PYPROJECT["build-system"]["requires"][0])
    assert floor and tuple(map(int, floor.group(1).split("."))) >= (77, 0, 3)  # older ones fail on license = "MIT"
    assert f"setuptools>={floor.group(1)}" in " ".join(PYPROJECT["project"]["optional-dependencies"]["test"])


def test_the_project_files_a_release_needs_are_there() -> None:
    for name in ("LICENSE", "CHANGELOG.md", "SECURITY.md", "CONTRIBUTING.md", "server.json"):
        assert (REPO / name).is_file(), name
    assert "## Unreleased" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(PYPROJECT["project"]["urls"])
