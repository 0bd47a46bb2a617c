"""The browser tests' own pieces: Debian's Chromium driven through Playwright's async API
against the bot served in this process, and screenshots kept under .artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from tests.browser.chromium import ARTIFACTS, screenshot
from tests.browser.served import ServedBot, served_bot
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "alice", "T1", display_name="Alice")
        fake.add_channel("C1")
        yield fake


@pytest.fixture
async def bot(fake: FakeSlack, database_url_for_test: str) -> AsyncIterator[ServedBot]:
    async with served_bot(fake, database_url_for_test) as running:
        yield running


async def test_chromium_reads_what_the_served_bot_answers(bot: ServedBot, page: Page) -> None:
    answer = await page.goto(f"{bot.base}/healthz")
    assert answer is not None and answer.status == 200
    assert "ok" in (await page.inner_text("body")).lower()


async def test_an_item_sent_as_slack_signs_it_is_thanked_in_the_fake_slack(bot: ServedBot) -> None:
    item = await bot.record("/request", "must-have: SSO for the admin console")
    assert item.number == 1 and item.thanks is not None
    (thanks,) = bot.fake.posted_texts("C1")
    assert "#1" in thanks


async def test_a_screenshot_is_saved_under_artifacts(page: Page) -> None:
    await page.set_content("<main><h1>feedbackbot</h1></main>")
    path = await screenshot(page, "harness")
    assert path.parent == ARTIFACTS and path.read_bytes().startswith(b"\x89PNG")


async def test_feedbackbot_dashboard_link_points_at_the_served_bot(bot: ServedBot) -> None:
    link = await bot.sign_in_link("Ada", user_id="U5", admin=True)
    assert link.startswith(f"{bot.base}/signin/")
