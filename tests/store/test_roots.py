"""Which directory is the project root, and that paths stay confined to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_project
from taskmaster_mcp.errors import InvalidInput, NotFound
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.roots import resolve_root

# --- path confinement -------------------------------------------------------------------------------------------


def test_inside_accepts_paths_in_the_root_and_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "docs").mkdir(parents=True)
    paths = Paths(root)
    assert paths.inside("docs/prd.txt") == (root / "docs" / "prd.txt").resolve()
    assert paths.inside(root / "docs") == (root / "docs").resolve()
    for escape in ("../outside.txt", "docs/../../outside.txt", str(tmp_path / "outside.txt"), "/etc/passwd"):
        with pytest.raises(InvalidInput, match="outside the project root"):
            paths.inside(escape, what="input")


def test_inside_refuses_a_symlink_pointing_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (tmp_path / "secret").mkdir()
    (root / "link").symlink_to(tmp_path / "secret", target_is_directory=True)
    (root / "ok").symlink_to(root, target_is_directory=True)
    with pytest.raises(InvalidInput, match="outside"):
        Paths(root).inside("link/key.pem")
    assert Paths(root).inside("ok/file") == (root / "file").resolve()


# --- root resolution --------------------------------------------------------------------------------------------


def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    arg, env, client = tmp_path / "arg", tmp_path / "env", tmp_path / "client"
    for d in (arg, env, client):
        d.mkdir()
    return arg, env, client


def test_resolve_root_prefers_argument_then_env_then_client_roots_then_upward_search(tmp_path: Path) -> None:
    arg, env, client = dirs(tmp_path)
    cwd = make_project(tmp_path / "found") / "deep" / "er"
    cwd.mkdir(parents=True)
    assert resolve_root(str(arg), env_root=str(env), client_roots=None, cwd=cwd) == arg.resolve()
    assert resolve_root(None, env_root=str(env), client_roots=[client], cwd=cwd) == env.resolve()
    assert resolve_root(None, env_root=None, client_roots=[client], cwd=cwd) == client.resolve()
    assert resolve_root(None, env_root=None, client_roots=None, cwd=cwd) == (tmp_path / "found").resolve()


def test_resolve_root_refuses_a_project_root_outside_the_declared_roots(tmp_path: Path) -> None:
    arg, _, client = dirs(tmp_path)
    (client / "inner").mkdir()
    with pytest.raises(InvalidInput, match="outside the workspace roots"):
        resolve_root(str(arg), env_root=None, client_roots=[client], cwd=tmp_path)
    with pytest.raises(InvalidInput, match="outside the workspace roots"):
        resolve_root(str(client / ".." / "arg"), env_root=None, client_roots=[client], cwd=tmp_path)
    assert (
        resolve_root(str(client / "inner"), env_root=None, client_roots=[client], cwd=tmp_path)
        == (client / "inner").resolve()
    )


@pytest.mark.parametrize("relative", ["../arg", "inner", ".", "../.."])
def test_resolve_root_refuses_a_relative_project_root_and_says_to_pass_an_absolute_path(
    tmp_path: Path, relative: str
) -> None:
    _, _, client = dirs(tmp_path)
    (client / "inner").mkdir()
    for roots in ([client], None):
        with pytest.raises(InvalidInput, match=r"relative path.*Pass the absolute path"):
            resolve_root(relative, env_root=None, client_roots=roots, cwd=client)


def test_resolve_root_refuses_the_filesystem_root(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"filesystem root.*Pass projectRoot"):
        resolve_root("/", env_root=None, client_roots=None, cwd=tmp_path)
    with pytest.raises(InvalidInput, match="filesystem root"):
        resolve_root(None, env_root="/", client_roots=None, cwd=tmp_path)
    with pytest.raises(InvalidInput, match=r"working directory .* is the filesystem root"):
        resolve_root(None, env_root=None, client_roots=None, cwd=Path("/"), creating=True)


def test_resolve_root_reports_missing_directories_and_no_project(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not a directory"):
        resolve_root(str(tmp_path / "nope"), env_root=None, client_roots=None, cwd=tmp_path)
    with pytest.raises(NotFound, match="TASK_MASTER_PROJECT_ROOT"):
        resolve_root(None, env_root=str(tmp_path / "nope"), client_roots=None, cwd=tmp_path)
    with pytest.raises(NotFound, match="No project found"):
        resolve_root(None, env_root=None, client_roots=None, cwd=tmp_path)


def test_client_roots_never_resolve_to_a_folder_above_the_declared_root(tmp_path: Path) -> None:
    (tmp_path / ".taskmaster").mkdir()
    declared = tmp_path / "packages" / "app"
    declared.mkdir(parents=True)
    assert resolve_root(None, env_root=None, client_roots=[declared], cwd=tmp_path) == declared.resolve()
