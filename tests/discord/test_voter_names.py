"""A vote by reaction names its voter: MESSAGE_REACTION_ADD in a guild carries the member, and
the item page shows who voted by the name people see on Discord."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backlog import BacklogService, Voter
from storage.unit_of_work import SqlStorage
from tests.discord.conftest import ACME, BOB, DiscordBot
from tests.discord.test_reactions import Reactions, thanked
from tests.fakes import FixedClock


async def test_a_thumbs_up_names_the_voter_as_the_guild_shows_them(
    bot: DiscordBot, engine: AsyncEngine
) -> None:
    thanks = await thanked(bot)

    await Reactions(bot)(True, thanks, user_id=BOB)

    detail = await BacklogService(SqlStorage(engine).unit_of_work, FixedClock()).detail(ACME, 1)
    assert detail is not None
    # The fake's members have a global name: their user name capitalised.
    assert detail.voters == [Voter(BOB, "Bob")]
