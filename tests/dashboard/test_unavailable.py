"""When the database fails, the dashboard says so in a page: never a 500, never a traceback."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from tests.dashboard.conftest import Browser, sign_in


async def test_a_database_that_fails_gets_a_page_asking_to_try_again(
    browser: Browser, core: Core, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_in(browser, core)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE dashboard_sessions"))
    with caplog.at_level(logging.WARNING):
        page = await browser.get("/backlog")
    assert page.status == 503
    assert "Try again in a moment" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in caplog.text and "could not use the database" in caplog.text
