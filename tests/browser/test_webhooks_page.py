"""The webhooks page in a real browser: an admin adds an endpoint and is shown its secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from adapters.sealing import SEAL_VARIABLE, new_key
from tests.browser.chromium import screenshot
from tests.browser.served import ServedBot, served_bot
from tests.browser.test_dashboard import signed_in
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ServedBot]:
    async with (
        FakeSlack() as fake,
        served_bot(
            fake, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", {SEAL_VARIABLE: new_key()}
        ) as running,
    ):
        yield running


async def test_an_admin_adds_an_endpoint_and_is_shown_its_secret(
    bot: ServedBot, page: Page
) -> None:
    await signed_in(bot, page)
    await page.get_by_role("link", name="Webhooks").click()
    await expect(page).to_have_url(f"{bot.base}/webhooks")
    await page.get_by_label("URL").fill("https://hooks.example.test/feedbackbot")
    await page.get_by_label("item.voted").uncheck()
    await page.get_by_role("button", name="Add endpoint").click()
    await expect(page.get_by_role("heading", name="Endpoint #1 is added")).to_be_visible()
    secret = await page.locator("#secret").inner_text()
    assert secret.startswith("whsec_")
    row = page.locator("table.items tbody tr").first
    await expect(row).to_contain_text("https://hooks.example.test/feedbackbot")
    await expect(row).to_contain_text("enabled")
    await screenshot(page, "webhooks-added")
    # Read again, the page lists the endpoint and never the secret.
    await page.get_by_role("link", name="Webhooks").click()
    await expect(page.locator("table.items").first).to_contain_text("hooks.example.test")
    assert secret not in await page.content()
