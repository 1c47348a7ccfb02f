"""Driving Debian's Chromium with Playwright (its own browser download cannot work offline)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls inside one.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]

BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium on the PATH (apt-get install chromium)"),
]


def snapshot(page, name: str, *, full_page: bool = True) -> None:
    """With SYNCLEAD_SCREENSHOTS set to a folder, keep a picture of the page for a look by eye."""
    folder = os.environ.get("SYNCLEAD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page, animations="disabled")
