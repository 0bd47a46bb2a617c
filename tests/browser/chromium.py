"""Where Debian's Chromium is, for the browser tests: ``FEEDBACKBOT_CHROMIUM`` when set (CI sets
it, so that a missing browser fails the tests there instead of skipping them), else the
``chromium`` on the PATH. Playwright never downloads a browser here: the machines reach only
the package registries."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM_ENV = "FEEDBACKBOT_CHROMIUM"
MISSING = (
    f"Chromium is not installed (apt-get install chromium, or set {CHROMIUM_ENV}): "
    "the browser tests are SKIPPED"
)
# Screenshots and other files a person looks at after a run; git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "browser"
# What this run saved, listed again at its end (tests/browser/conftest.py).
SAVED: list[Path] = []


def named_chromium() -> str | None:
    """The browser that ``FEEDBACKBOT_CHROMIUM`` names, when it names one."""
    return os.environ.get(CHROMIUM_ENV, "").strip() or None


def chromium() -> str | None:
    """The Chromium to drive, or None when there is none."""
    return named_chromium() or shutil.which("chromium")


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``.artifacts/browser/{name}.png``; the path is printed, and
    listed again at the end of the run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    print(f"screenshot saved: {path}")
    SAVED.append(path)
    return path
