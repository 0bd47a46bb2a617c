"""A vote by reaction names its voter: Slack's reaction_added event carries only a user id, so
the name comes from an earlier users.info, or from one asked after Slack has its answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backlog import BacklogService, Voter
from storage import tables
from storage.unit_of_work import SqlStorage
from tests.fakes import FixedClock
from tests.slack.conftest import ACME, SlackBot
from tests.slack.test_reactions import thanked


async def voters(engine: AsyncEngine) -> list[Voter]:
    """Who voted for item #1, as the dashboard's item page reads it."""
    detail = await BacklogService(SqlStorage(engine).unit_of_work, FixedClock()).detail(ACME, 1)
    assert detail is not None
    return detail.voters


async def stored_names(engine: AsyncEngine) -> list[str | None]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(tables.votes.c.voter_name))).scalars())


def users_info_asked(bot: SlackBot, user: str) -> int:
    return len([c for c in bot.fake.calls_to("users.info") if c.args.get("user") == user])


async def test_a_vote_by_reaction_names_the_voter_once_slack_says_who_they_are(
    bot: SlackBot, sqlite_engine: AsyncEngine
) -> None:
    ts = await thanked(bot)
    answer = await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-vote")
    await bot.settled()
    assert answer.status_code == 200
    assert await voters(sqlite_engine) == [Voter("U2", "Bob")]
    assert await stored_names(sqlite_engine) == ["Bob"]


async def test_the_vote_is_counted_before_slack_says_who_voted(
    bot: SlackBot, sqlite_engine: AsyncEngine
) -> None:
    ts = await thanked(bot)
    with bot.fake.slow("users.info") as held:
        answer = await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-vote")
        await held.hit()
        (item,) = await bot.items()
        assert (answer.status_code, item.votes) == (200, 1)
        assert await voters(sqlite_engine) == [Voter("U2", "U2")]
    await bot.settled()
    assert await voters(sqlite_engine) == [Voter("U2", "Bob")]


async def test_a_voter_slack_cannot_describe_keeps_their_id(
    bot: SlackBot, sqlite_engine: AsyncEngine
) -> None:
    ts = await thanked(bot)
    bot.fake.fail("users.info", "user_not_found")
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-vote")
    await bot.settled()
    (item,) = await bot.items()
    assert item.votes == 1
    assert await voters(sqlite_engine) == [Voter("U2", "U2")]


async def test_a_remembered_name_is_kept_with_the_vote_without_asking_slack_again(
    bot: SlackBot, sqlite_engine: AsyncEngine
) -> None:
    ts = await thanked(bot)
    await bot.slack.command("/feedback", "Bob's own idea", user_id="U2", user_name="bob")
    await bot.settled()
    asked = users_info_asked(bot, "U2")
    assert asked == 1
    await bot.slack.reaction(True, user="U2", ts=ts, event_id="Ev-vote")
    await bot.settled()
    assert await stored_names(sqlite_engine) == ["Bob"]
    assert users_info_asked(bot, "U2") == asked


async def test_a_vote_on_another_message_asks_slack_nothing(bot: SlackBot) -> None:
    await thanked(bot)
    bot.fake.add_message("C1", "1600000000.000001", "U1", "lunch?")
    await bot.slack.reaction(True, user="U2", ts="1600000000.000001", item_user="U1")
    await bot.settled()
    assert users_info_asked(bot, "U2") == 0
