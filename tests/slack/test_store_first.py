"""Store first, enrich later: users.info never decides whether a voice is recorded."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.settings import SlackSettings
from bot.items import Stakeholder
from tests.slack.conftest import SlackBot, start_bot
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_commands import open_form, send_form


async def test_a_command_is_stored_and_confirmed_while_users_info_is_unreachable(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    with bot.fake.dropped("users.info") as fault:
        answer = await bot.slack.command("/feedback", "The runners are fast")
        await bot.settled()
        assert fault.hits >= 1  # aiohttp may try a dropped keep-alive connection twice
    (item,) = await bot.items()
    assert "Recorded as #1" in answer.json()["text"]
    assert item.author is not None and item.author.display_name == "alice"  # as Slack sent it
    (warning,) = [r for r in caplog.records if "users.info" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.exc_info is None


async def test_a_command_is_answered_before_users_info_has_answered(bot: SlackBot) -> None:
    with bot.fake.slow("users.info"):
        answer = await bot.slack.command("/request", "SSO for the console")
        (item,) = await bot.items()
        assert "Recorded as #1" in answer.json()["text"]
        assert item.author is not None and item.author.display_name == "alice"


async def test_the_authors_display_name_is_corrected_after_users_info_answers(
    bot: SlackBot,
) -> None:
    with bot.fake.slow("users.info") as fault:
        await bot.slack.command("/feedback", "The docs are clear")
        await fault.hit()
    await bot.settled()
    (item,) = await bot.items()
    assert item.author is not None and item.author.display_name == "Alice"


async def test_a_partner_is_stored_external_once_users_info_answers(bot: SlackBot) -> None:
    await bot.slack.command("/request", "partner API", user_id="U9", user_name="gina")
    await bot.settled()
    (item,) = await bot.items()
    assert item.author is not None
    assert (item.author.display_name, item.stakeholder) == (
        "Gina (Partner Co)",
        Stakeholder.EXTERNAL,
    )


async def test_a_remembered_name_is_used_at_once_for_the_next_command(bot: SlackBot) -> None:
    await bot.slack.command("/feedback", "first")
    await bot.settled()
    with bot.fake.dropped("users.info"):
        await bot.slack.command("/feedback", "second")
        _, second = await bot.items()
    assert second.author is not None and second.author.display_name == "Alice"


async def test_a_channel_configured_as_external_is_external_while_users_info_is_unreachable(
    bot_with_external_channel: SlackBot,
) -> None:
    bot = bot_with_external_channel
    with bot.fake.server_error("users.info"):
        await bot.slack.command("/feedback", "from the shared channel", channel_id="C-SHARED")
        await bot.settled()
    (item,) = await bot.items()
    assert item.stakeholder is Stakeholder.EXTERNAL


async def test_a_form_is_stored_and_confirmed_while_users_info_is_unreachable(
    bot: SlackBot,
) -> None:
    view = await open_form(bot)
    with bot.fake.dropped("users.info"):
        answer = await send_form(bot, view, "The runbooks are great")
        ((_, confirmation),) = await bot.fake.wait_for_responses()
        await bot.settled()
    (item,) = await bot.items()
    assert answer.status_code == 200 and "Recorded as #1" in confirmation["text"]
    assert item.text == "The runbooks are great"


async def test_roadmap_answers_while_users_info_is_unreachable(bot: SlackBot) -> None:
    with bot.fake.dropped("users.info"):
        answer = await bot.slack.command("/roadmap", "")
        ((_, digest),) = await bot.fake.wait_for_responses()
    assert answer.status_code == 200 and digest["text"]


@pytest.fixture
async def impatient_bot(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    async for running in start_bot(fake, sqlite_engine, slack_settings, users_info_timeout_s=0.05):
        yield running


async def test_a_marked_message_is_captured_while_users_info_times_out(
    impatient_bot: SlackBot,
) -> None:
    bot = impatient_bot
    ts = bot.fake.new_ts()
    bot.fake.add_message("C1", ts, "U2", "The VPN drops every hour")
    with bot.fake.slow("users.info"):
        await bot.slack.reaction(True, user="U1", reaction="memo", ts=ts, item_user="U2")
        await bot.settled()
    (item,) = await bot.items()
    assert item.text == "The VPN drops every hour" and item.author is not None
    assert item.author.user_id == "U2"
