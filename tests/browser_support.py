"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium (or $REFS_CHROMIUM),
driven by Playwright, never a browser Playwright downloads."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("REFS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
UPDATE_DOCS = os.environ.get("REFS_UPDATE_SCREENSHOT") == "1"  # renew docs/*.png

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium; "
           "`bash scripts/test.sh` does it) or set REFS_CHROMIUM")


@contextmanager
def chromium(profile: Path, width: int = 1100, height: int = 900):
    """One Chromium with a fresh, empty profile; yields its browser context."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height}, service_workers="block")
        context.set_default_timeout(10000)
        try:
            yield context
        finally:
            context.close()


def in_first_screen(locator, width: int, height: int) -> bool:
    """Whether the element lies wholly within the first screen (the page not scrolled)."""
    box = locator.bounding_box()
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height
            and box["x"] + box["width"] <= width)
