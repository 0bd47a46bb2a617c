"""A new process answers its first requests without Slack: no auth.test on a request's way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.settings import SlackSettings
from tests.slack.conftest import SlackBot, start_bot
from tests.slack.fake_slack import BOT_USER_ID, FakeSlack, Fault


def told_to_reinstall(bot: SlackBot, *answers: str) -> bool:
    said = [*answers, *(str(payload) for _, payload in bot.fake.responses)]
    return any("reinstall" in text.lower() for text in said)


@pytest.fixture
def auth_test_limited(fake: FakeSlack) -> Fault:
    return fake.rate_limited("auth.test", retry_after=0)


@pytest.fixture
async def new_process(
    fake: FakeSlack,
    sqlite_engine: AsyncEngine,
    slack_settings: SlackSettings,
    auth_test_limited: Fault,
) -> AsyncIterator[SlackBot]:
    async for running in start_bot(fake, sqlite_engine, slack_settings, auth_retry_s=0.01):
        yield running


async def test_the_first_command_of_a_new_process_is_answered_while_auth_test_is_rate_limited(
    new_process: SlackBot, auth_test_limited: Fault
) -> None:
    await auth_test_limited.hit()
    answer = await new_process.slack.command("/feedback", "The runners are fast")
    (item,) = await new_process.items()
    assert answer.status_code == 200 and "Recorded as #1" in answer.json()["text"]
    assert item.text == "The runners are fast"


async def test_nobody_is_told_to_reinstall_when_slack_answers_429(new_process: SlackBot) -> None:
    with new_process.fake.rate_limited(retry_after=0):
        answer = await new_process.slack.command("/request", "SSO for the console")
        await new_process.settled()
    (item,) = await new_process.items()
    assert answer.status_code == 200 and "Recorded as #1" in answer.json()["text"]
    assert not told_to_reinstall(new_process, answer.text)
    assert item.text == "SSO for the console"


@pytest.fixture
async def started_while_slack_refuses(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    await fake.refuse_connections()
    async for running in start_bot(fake, sqlite_engine, slack_settings):
        yield running


async def test_the_first_command_is_answered_while_slack_refuses_connections(
    started_while_slack_refuses: SlackBot,
) -> None:
    bot = started_while_slack_refuses
    answer = await bot.slack.command("/feedback", "Deploys are slow")
    (item,) = await bot.items()
    await bot.fake.accept_connections()  # the late answers can go out before the bot stops
    assert answer.status_code == 200 and "Recorded as #1" in answer.json()["text"]
    assert not told_to_reinstall(bot, answer.text)
    assert item.text == "Deploys are slow"


async def test_the_bot_learns_who_it_is_once_auth_test_answers(
    new_process: SlackBot, auth_test_limited: Fault
) -> None:
    await auth_test_limited.hit(2)  # tried again, without waiting on any request
    auth_test_limited.end()
    identity = await new_process.adapter.identity.known()
    assert identity.user_id == BOT_USER_ID


async def test_the_bots_own_reactions_are_ignored_once_it_knows_who_it_is(
    new_process: SlackBot, auth_test_limited: Fault
) -> None:
    auth_test_limited.end()
    await new_process.adapter.identity.known()
    ts = new_process.fake.new_ts()
    new_process.fake.add_message("C1", ts, "U2", "The VPN drops every hour")
    answer = await new_process.slack.reaction(
        True, user=BOT_USER_ID, reaction="memo", ts=ts, item_user="U2"
    )
    await new_process.settled()
    assert answer.status_code == 200 and await new_process.items() == []


async def test_a_vote_on_a_thank_you_counts_before_the_bot_knows_who_it_is(
    new_process: SlackBot,
) -> None:
    await new_process.slack.command("/feedback", "The runners are fast")
    await new_process.fake.wait_for("chat.postMessage")
    await new_process.settled()
    await new_process.slack.reaction(True, user="U2", ts=thanks_ts(new_process), event_id="Ev-v")
    (item,) = await new_process.items()
    assert new_process.adapter.identity.identity is None and item.votes == 1


def thanks_ts(bot: SlackBot) -> str:
    (message,) = bot.fake.messages("C1")
    return str(message["ts"])


@pytest.fixture
async def configured(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    settings = replace(slack_settings, bot_user_id=BOT_USER_ID, bot_id="BBOT")
    async for running in start_bot(fake, sqlite_engine, settings):
        yield running


async def test_a_bot_user_id_in_the_settings_means_auth_test_is_never_called(
    configured: SlackBot,
) -> None:
    answer = await configured.slack.command("/feedback", "Nice docs")
    await configured.settled()
    assert "Recorded as #1" in answer.json()["text"]
    assert configured.fake.calls_to("auth.test") == []
    assert (await configured.adapter.identity.known()).user_id == BOT_USER_ID
