"""Headless Chromium from the distribution's packages (apt: chromium, chromium-driver), driven by Selenium.

:func:`browser_missing` says why no browser test can run here (None when one can), so the tests skip with that
reason on a machine that ran only the README's test command. Chromium runs with its own background networking off
(no update checks, no sync), so a browser test reaches only the loopback dashboard.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--window-size=1400,900",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--mute-audio",
)


def _binaries() -> tuple[str | None, str | None]:
    return shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")


def browser_missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    chromium, driver = _binaries()
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[dev]' or '.[browser]')"
    if chromium is None or driver is None:
        return "no Chromium here: apt-get install chromium chromium-driver (.ci/run does)"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium WebDriver, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _binaries()
    assert binary is not None and driver_path is not None, browser_missing()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    """Save a PNG of the page under test-artifacts/dashboard/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
