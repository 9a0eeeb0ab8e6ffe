"""``taskmaster-mcp ui`` as a person runs it, and the dashboard beside /mcp under ``serve --http``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx2

from dashboard_helpers import wait_until
from servers import TOKEN as HTTP_TOKEN
from servers import console_script, serving
from taskmaster_mcp.cli.main import run


def _env(project: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(project),
        "TASKMASTER_MCP_DATA_DIR": str(project / "data"),
    }


def test_ui_prints_its_url_to_stderr_serves_the_board_and_ends_with_0_on_ctrl_c(messy_project: Path) -> None:
    with subprocess.Popen(
        [console_script(), "ui", "--no-browser"],
        cwd=messy_project,
        env=_env(messy_project),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stderr is not None and proc.stdout is not None
            line = proc.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
            assert found, line
            base, token = found.groups()
            board = httpx2.get(f"{base}/api/board", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert board.status_code == 200 and board.json()["total"] == 8
            assert httpx2.get(f"{base}/api/board", timeout=10).status_code == 401
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
            assert proc.stdout.read() == ""
            assert token not in proc.stderr.read()  # printed once for the person, never logged again
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_ui_outside_a_project_or_with_a_bad_port_fails_before_listening(tmp_path: Path) -> None:
    assert run(["-C", str(tmp_path), "ui", "--no-browser"], env={}) == 1
    assert run(["-C", str(tmp_path), "ui", "--no-browser", "--port", "70000"], env={}) == 2


def test_the_dashboard_is_served_beside_mcp_with_the_same_token(messy_project: Path) -> None:
    with serving(messy_project, env={"TASKMASTER_MCP_TOKEN": HTTP_TOKEN}) as mcp_url:
        base = mcp_url.removesuffix("/mcp")
        assert httpx2.get(f"{base}/api/board", timeout=10).status_code == 401
        assert httpx2.post(mcp_url, json={}, timeout=10).status_code == 401  # /mcp still wants the bearer token
        with httpx2.Client(base_url=base, timeout=10) as browser:
            assert browser.get(f"/?token={HTTP_TOKEN}").status_code == 303
            page = browser.get("/")
            board = browser.get("/api/board")
        assert page.status_code == 200 and 'name="csrf-token"' in page.text and HTTP_TOKEN not in page.text
        assert board.json()["total"] == 8
        rebinding = httpx2.get(f"{base}/", headers={"host": "evil.example"}, timeout=10)
        assert rebinding.status_code == 421


def test_ui_opens_the_printed_url_in_the_browser_unless_told_not_to(messy_project: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "fake-browser"
    fake_browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake_browser.chmod(0o755)
    env = {**_env(messy_project), "BROWSER": str(fake_browser)}  # stdlib webbrowser's documented override
    with subprocess.Popen(
        [console_script(), "ui"],
        cwd=messy_project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stderr is not None
            printed = re.search(r"http://\S+", proc.stderr.readline())
            wait_until(lambda: opened.exists() and opened.read_text().strip() != "", what="the browser to be opened")
            assert printed is not None and opened.read_text().strip() == printed.group(0)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
