"""Nothing owed is lost: a thank-you Slack could not take is posted once it can, exactly once,
and noted so that people can vote on it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.settings import SlackSettings
from tests.slack.conftest import SlackBot, start_bot
from tests.slack.fake_slack import FakeSlack


async def test_a_thank_you_slack_answers_500_to_is_posted_once_slack_recovers(
    bot: SlackBot,
) -> None:
    with bot.fake.server_error("chat.postMessage"):
        answer = await bot.slack.command("/feedback", "The pipeline is slow")
        await bot.catch_up(timedelta(seconds=1))
    assert "Recorded as #1" in answer.json()["text"]
    assert bot.fake.posted_texts("C1") == []
    await bot.catch_up(timedelta(seconds=15))
    (thanks,) = bot.fake.posted_texts("C1")
    (item,) = await bot.items()
    assert "#1" in thanks and item.thanks is not None
    assert await bot.owed() == 0


async def test_a_thank_you_whose_answer_was_lost_is_found_and_not_posted_again(
    bot: SlackBot,
) -> None:
    with bot.fake.dropped("chat.postMessage", handled=True) as fault:
        await bot.slack.command("/feedback", "Flaky networks happen")
        await bot.settled()
        assert fault.hits >= 1
    await bot.catch_up(timedelta(seconds=15))
    (thanks,) = bot.fake.messages("C1")
    (item,) = await bot.items()
    assert item.thanks is not None and item.thanks.message_id == thanks["ts"]
    assert bot.fake.calls_to("conversations.history")
    assert await bot.owed() == 0


async def test_a_thank_you_owed_while_slack_is_unreachable_is_posted_when_it_is_back(
    bot: SlackBot,
) -> None:
    await bot.fake.refuse_connections()
    answer = await bot.slack.command("/request", "Faster builds")
    await bot.catch_up(timedelta(seconds=1))
    await bot.fake.accept_connections()
    assert "Recorded as #1" in answer.json()["text"]
    await bot.catch_up(timedelta(seconds=15))
    assert len(bot.fake.posted_texts("C1")) == 1
    assert await bot.owed() == 0


async def test_a_rate_limited_channel_is_left_alone_until_slack_says_to_come_back(
    bot: SlackBot,
) -> None:
    with bot.fake.rate_limited("chat.postMessage", retry_after=10) as fault:
        await bot.slack.command("/feedback", "first")
        await bot.slack.command("/feedback", "second")
        await bot.catch_up(timedelta(seconds=5))
        tried_while_held = fault.hits
    assert tried_while_held == 1
    await bot.catch_up(timedelta(seconds=5))
    assert len(bot.fake.posted_texts("C1")) == 2
    assert await bot.owed() == 0


async def test_a_vote_counts_on_a_thank_you_that_was_posted_late(bot: SlackBot) -> None:
    with bot.fake.server_error("chat.postMessage"):
        await bot.slack.command("/feedback", "Late but votable")
        await bot.settled()
    await bot.catch_up(timedelta(seconds=15))
    (thanks,) = bot.fake.messages("C1")
    await bot.slack.reaction(True, ts=thanks["ts"])
    (item,) = await bot.items()
    assert item.votes == 1


async def test_a_thank_you_the_channel_cannot_take_goes_to_its_author_privately(
    bot: SlackBot,
) -> None:
    bot.fake.fail("chat.postMessage", "not_in_channel")
    await bot.slack.command("/feedback", "From a channel without the bot")
    await bot.settled()
    ((_, body),) = await bot.fake.wait_for_responses()
    (item,) = await bot.items()
    assert "From a channel without the bot" in body["text"]
    assert item.acknowledged_at is not None and item.thanks is None
    assert await bot.owed() == 0


async def test_a_late_confirmation_slack_could_not_take_reaches_its_author_when_it_can(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings, sqlite_path: Path
) -> None:
    async for bot in start_bot(fake, sqlite_engine, slack_settings, ack_budget_s=0.01):
        # Another writer holds SQLite's write lock, so the acknowledgement goes without the
        # answer; then no way to the author works: the response URL has expired and the Web
        # API answers 500.
        bot.fake.expire_response_url("r1")
        blocker = sqlite3.connect(sqlite_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        with bot.fake.server_error():
            try:
                answer = await bot.slack.command("/feedback", "said while Slack was failing")
            finally:
                blocker.rollback()
                blocker.close()
            await bot.catch_up(timedelta(seconds=1))
        assert answer.text == "" and await bot.owed() == 2  # the thank-you, the confirmation
        await bot.catch_up(timedelta(seconds=15))
        (ephemeral,) = bot.fake.calls_to("chat.postEphemeral")[-1:]
        assert "Recorded as #1" in ephemeral.args["text"] and ephemeral.args["user"] == "U1"
        assert len(bot.fake.posted_texts("C1")) == 1
        assert await bot.owed() == 0
