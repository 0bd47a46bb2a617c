"""A real Chromium driven by Playwright's async API (its sync API refuses to run inside the
event loop that pytest-asyncio gives every test), launched from Debian's package with
``executable_path``. Without one the tests are skipped, loudly, as the PostgreSQL ones are."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.chromium import CHROMIUM_ENV, MISSING, SAVED, chromium, named_chromium


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SAVED:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in SAVED:
            terminalreporter.write_line(str(path))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium()
    if path is None:
        pytest.skip(MISSING)
    named = named_chromium()
    if named is not None and not os.access(named, os.X_OK):
        pytest.fail(f"{CHROMIUM_ENV}={named} is not an executable browser")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page in a context of its own (no cookies shared between tests), sized like a
    laptop's screen; a missing element fails within 10 s rather than Playwright's 30."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()
