"""Debian's Chromium driven by playwright, for the staff web's browser tests. Never a downloaded browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"
SQLITE_ONLY = pytest.mark.parametrize("database_url", [pytest.param(None, id="sqlite")])


def launch_chromium() -> Iterator[Browser]:
    """A headless Chromium for a module's tests; skips without one (fails under CI, which installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's Chromium (/usr/bin/chromium) is missing; scripts/setup installs it")
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
