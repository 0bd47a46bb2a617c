"""The dashboard end to end in a real browser: ``feedbackbot run``'s pieces in this process on
the fake Slack, items sent as Slack signs them, a sign-in link from ``feedbackbot dashboard
link``, and Debian's Chromium doing what a person does with it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from bot.items import Status
from tests.browser.chromium import screenshot
from tests.browser.served import ServedBot, served_bot
from tests.slack.fake_slack import FakeSlack

ALICE, BOB, ADA = "U1", "U2", "U5"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user(ALICE, "alice", "T1", display_name="Alice")
        fake.add_user(BOB, "bob", "T1", display_name="Bob")
        fake.add_user(ADA, "ada", "T1", display_name="Ada")
        for channel in ("C1", "C-PLATFORM", "C-TRIAGE"):
            fake.add_channel(channel)
        yield fake


@asynccontextmanager
async def bot_with_items(fake: FakeSlack, database_url: str) -> AsyncIterator[ServedBot]:
    """The served bot with four items and three votes, all sent as Slack sends them."""
    async with served_bot(fake, database_url) as running:
        await running.record("/request", "must-have: single sign-on for the admin console")
        await running.record("/feedback", "The deploy pipeline got much faster, thank you!")
        await running.record(
            "/request", "good-to-have: a dark theme for the status page", user_id=BOB
        )
        await running.record(
            "/request", "must-have: webhooks when it ships", user_id=BOB, channel_id="C-PLATFORM"
        )
        await running.vote(1, user_id=BOB)
        await running.vote(4, user_id=ALICE)
        await running.vote(4, user_id=ADA)
        # Time passes before anyone looks: the KPIs read up to now, excluding now itself.
        running.clock.advance(timedelta(minutes=5))
        yield running


@pytest.fixture
async def bot(fake: FakeSlack, database_url_for_test: str) -> AsyncIterator[ServedBot]:
    """On SQLite and PostgreSQL: for the whole journey and the KPIs, which the database keeps."""
    async with bot_with_items(fake, database_url_for_test) as running:
        yield running


@pytest.fixture
async def sqlite_bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[ServedBot]:
    """On SQLite alone: for what the browser shows alike on either database."""
    async with bot_with_items(fake, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}") as running:
        yield running


async def signed_in(bot: ServedBot, page: Page, *, admin: bool = True) -> None:
    """Open a fresh link from ``feedbackbot dashboard link`` and press its button."""
    link = await bot.sign_in_link("Ada", user_id=ADA, admin=admin)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Sign in to the dashboard")).to_be_visible()
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{bot.base}/backlog")


def backlog_numbers(texts: list[str]) -> list[int]:
    return [int(text.strip().lstrip("#")) for text in texts]


async def test_an_admin_signs_in_works_the_backlog_and_the_requester_hears_on_slack(
    bot: ServedBot, page: Page
) -> None:
    await signed_in(bot, page)
    rows = page.locator("table.items tbody tr")
    await expect(rows).to_have_count(4)
    # Most votes first.
    assert backlog_numbers(await rows.locator("td.num a").all_inner_texts())[:2] == [4, 1]

    # Filter: requests, must-haves, whose text names the console.
    await page.get_by_label("Search the text").fill("console")
    await page.get_by_label("Kind").select_option("request")
    await page.get_by_label("Priority").select_option("must-have")
    await page.get_by_role("button", name="Show").click()
    await expect(page).to_have_url(re.compile(r"/backlog\?.*q=console"))
    await expect(rows).to_have_count(1)
    assert backlog_numbers(await rows.locator("td.num a").all_inner_texts()) == [1]

    await rows.get_by_role("link", name="#1").click()
    await expect(page).to_have_url(f"{bot.base}/items/1")
    await expect(page.locator("blockquote.item-text")).to_have_text(
        "single sign-on for the admin console"
    )
    await expect(page.get_by_role("heading", name="1 vote")).to_be_visible()
    await expect(page.locator("ul.voters li")).to_have_count(1)

    thanks = (await bot.item(1)).thanks
    assert thanks is not None
    posted = len(bot.posts())
    await page.get_by_label("Move to").select_option(Status.PLANNED.value)
    await page.get_by_label("Note to the requester").fill("Q3, after the audit")
    await page.get_by_role("button", name="Change status").click()
    await expect(page.get_by_role("status")).to_contain_text("#1 is now planned")
    history = page.locator("ol.history li")
    await expect(history.last).to_contain_text("planned")
    await expect(history.last).to_contain_text("by Ada")
    await expect(history.last).to_contain_text("Q3, after the audit")

    # The outbox delivers through Slack's outlet: in the thank-you's thread, and by DM.
    await bot.fake.wait_for("chat.postMessage", posted + 2)
    (reply,) = bot.thread_replies(thanks.message_id)
    assert reply.startswith("<@U1>, an update: Must-have request #1")
    assert "is planned." in reply and "Q3, after the audit" in reply
    (dm,) = bot.dms(ALICE)
    assert dm.startswith("An update on what you asked: Must-have request #1")
    stored = await bot.item(1)
    assert stored.status is Status.PLANNED
    assert stored.history[-1].by is not None and stored.history[-1].by.user_id == ADA

    await page.get_by_role("link", name="Backlog").first.click()
    await expect(rows.filter(has_text="single sign-on")).to_contain_text("planned")
    await screenshot(page, f"backlog-{bot.database}")


async def test_the_kpi_charts_render_as_svg_with_their_numbers(bot: ServedBot, page: Page) -> None:
    await signed_in(bot, page, admin=False)
    await page.get_by_role("link", name="KPIs").click()
    await expect(page).to_have_url(f"{bot.base}/kpis")
    charts = page.locator("svg.chart")
    assert await charts.count() >= 5
    # Every chart is drawn (has a size on the page) and says what it is.
    for chart in await charts.all():
        box = await chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
        assert await chart.locator("title").first.text_content()
    # The four items of this week, by kind and stakeholder, on the marks themselves.
    per_week = page.locator("#items-per-week svg [data-value]")
    values = [int(v) for v in await per_week.evaluate_all("ms => ms.map(m => m.dataset.value)")]
    assert sum(values) == 4
    await screenshot(page, f"kpis-{bot.database}")


async def test_a_link_used_once_already_gets_a_page_saying_how_to_get_a_new_one(
    sqlite_bot: ServedBot, page: Page
) -> None:
    link = await sqlite_bot.sign_in_link("Ada", user_id=ADA, admin=True)
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{sqlite_bot.base}/backlog")
    await page.context.clear_cookies()
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("main")).to_contain_text("/roadmap dashboard")
    await expect(page.locator("table.items")).to_have_count(0)


async def test_a_member_sees_the_item_but_no_triage_controls(
    sqlite_bot: ServedBot, page: Page
) -> None:
    await signed_in(sqlite_bot, page, admin=False)
    await page.goto(f"{sqlite_bot.base}/items/1")
    await expect(page.locator("blockquote.item-text")).to_be_visible()
    await expect(page.get_by_role("button", name="Change status")).to_have_count(0)
    await expect(page.get_by_label("Move to")).to_have_count(0)


async def test_the_item_page_names_a_voter_who_voted_with_a_slack_reaction(
    sqlite_bot: ServedBot, page: Page
) -> None:
    await signed_in(sqlite_bot, page, admin=False)
    await page.goto(f"{sqlite_bot.base}/items/1")
    await expect(page.locator("ul.voters li")).to_have_text(["Bob"], timeout=2_000)


async def test_the_backlog_fits_a_phones_screen(sqlite_bot: ServedBot, browser: Browser) -> None:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = await context.new_page()
        await signed_in(sqlite_bot, page, admin=False)
        await expect(page.locator("table.items tbody tr")).to_have_count(4)
        # Nothing makes the page wider than the screen: the table scrolls within its frame.
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        await screenshot(page, f"backlog-phone-{sqlite_bot.database}")
    finally:
        await context.close()


async def test_the_keyboard_reaches_the_page_first_by_a_skip_link(
    sqlite_bot: ServedBot, page: Page
) -> None:
    await signed_in(sqlite_bot, page, admin=False)
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("Skip to content")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{sqlite_bot.base}/backlog#main")
