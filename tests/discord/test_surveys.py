"""Surveys on Discord, through the real discord.py client and the fake Discord, on a real
database: a shipped item's requester and voters get a DM with "Did this solve it?" and its
buttons; their presses (component interactions) are kept once, a later one replacing the
earlier; *No* tells the triage channel; "Add a comment" opens a form; a pulse survey is posted
with buttons and answered by members, internal and external; the buttons still work after a
restart; payloads that are not what Discord sends are ignored without a traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from discord import app_commands
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import DiscordAdapter, discord_surface
from adapters.discord.roadmap import discord_outlets, serve_triage_channel
from adapters.scheduler.directory import PlatformDirectory
from adapters.sealing import FernetSeal, new_key
from bot.core import Core
from bot.identity import Platform
from bot.roadmap import FireOutcome
from bot.slas import TriageChannels
from bot.surveying import MAX_COMMENT_LENGTH
from storage import tables
from tests.core import core_on
from tests.discord.conftest import (
    ACME,
    ACME_CHANNEL,
    ACME_GUILD,
    ALICE,
    BOB,
    GINA,
    DiscordBot,
    settings_for,
)
from tests.discord.counted import CountedDiscordAdapter
from tests.discord.fake_discord import DM, EPHEMERAL, Dispatched, FakeDiscord, StoredMessage
from tests.fakes import FixedClock
from tests.payloads.checks import tracebacks
from tests.scan import every_row

MANAGE_GUILD = 1 << 5
TRIAGER = "344444444444444444"
TRIAGE_CHANNEL = "255555555555555555"
# Monday 3 March 2025, 08:00 UTC.
MONDAY = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
FOLLOWUP = r"/webhooks/\d+/[^/]+"
ANSWERS = ["Solved it", "Partly", "No", "Add a comment"]
SEAL = FernetSeal(new_key())


def dm_of(user_id: str) -> str:
    """The fake Discord's DM channel with a person."""
    return f"7{user_id[1:]}"


@dataclass
class SurveyBot:
    """The bot on the fake Discord, with a triage channel and a clock of its own."""

    fake: FakeDiscord
    engine: AsyncEngine
    core: Core
    clock: FixedClock
    adapter: CountedDiscordAdapter

    @property
    def bot(self) -> DiscordBot:
        return DiscordBot(self.fake, self.adapter, self.core.feedback)

    async def roadmap_command(self, subcommand: str, user_id: str, **options: Any) -> str:
        """``/roadmap subcommand`` in Acme's channel; the private answer it got."""
        handled = self.adapter.interactions.count
        before = len(self.fake.requests_to("POST", FOLLOWUP))
        await self.fake.command(
            "roadmap",
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            user_id=user_id,
            options=dict(options),
            subcommand=subcommand,
        )
        await self.bot.handled(handled + 1)
        return "\n".join(
            str(r.json["content"]) for r in self.fake.requests_to("POST", FOLLOWUP)[before:]
        )

    async def shipped(self, requester: str = GINA, voters: tuple[str, ...] = (BOB,)) -> None:
        """``requester`` asks for dark mode, ``voters`` vote for it, and it ships."""
        await self.bot.command("request", text="dark mode", user_id=requester)
        thanks = self.fake.channel_messages(ACME_CHANNEL)[-1]
        for count, voter in enumerate(voters, start=self.adapter.reactions.count + 1):
            await self.fake.react(
                True,
                guild_id=ACME_GUILD,
                channel_id=ACME_CHANNEL,
                message_id=thanks.id,
                user_id=voter,
            )
            await self.adapter.reactions.reach(count)
        await self.ship(1)

    async def ship(self, number: int) -> None:
        """The triager plans item ``number``, and ships it a day later."""
        await self.roadmap_command("status", TRIAGER, number=number, status="planned")
        self.clock.advance(timedelta(days=1))
        await self.roadmap_command("status", TRIAGER, number=number, status="shipped")

    def question_to(self, user_id: str) -> StoredMessage:
        """The DM asking ``user_id`` whether the item solved it (the one with buttons)."""
        (asked,) = [m for m in self.fake.channel_messages(dm_of(user_id)) if m.components]
        return asked

    async def press(
        self, message: StoredMessage, label: str, user_id: str, guild_id: str | None = None
    ) -> Dispatched:
        """``user_id`` presses the button ``label`` under ``message`` (in a DM unless
        ``guild_id``); returns once the bot has handled it."""
        return await self.press_id(message, message.button(label)["custom_id"], user_id, guild_id)

    async def press_id(
        self, message: StoredMessage, custom_id: str, user_id: str, guild_id: str | None = None
    ) -> Dispatched:
        """A press of a button with ``custom_id`` under ``message``, whatever it shows."""
        handled = self.adapter.interactions.count
        pressed = await self.fake.press(message.id, custom_id, user_id=user_id, guild_id=guild_id)
        await self.bot.handled(handled + 1)
        return pressed

    async def replayed(self, pressed: Dispatched) -> None:
        handled = self.adapter.interactions.count
        await self.fake.replay(pressed)
        await self.bot.handled(handled + 1)

    def answer_to(self, pressed: Dispatched) -> str:
        """What the person who pressed was shown: the interaction's ephemeral answers."""
        answers = [m for m in self.fake.messages.values() if m.interaction_id == pressed.data["id"]]
        assert answers and all(m.ephemeral for m in answers), answers
        return "\n".join(m.content for m in answers)

    def triage_lines(self) -> list[str]:
        return [m.content for m in self.fake.channel_messages(TRIAGE_CHANNEL)]

    async def rows(self, table: Any) -> list[dict[str, Any]]:
        async with self.engine.connect() as connection:
            result = await connection.execute(select(table))
            return [dict(row._mapping) for row in result]


async def start_survey_bot(
    fake: FakeDiscord, engine: AsyncEngine, clock: FixedClock, defer_after: float = 1.0
) -> AsyncIterator[SurveyBot]:
    core = core_on(engine, clock, seal=SEAL)
    settings = settings_for(fake)
    adapter = CountedDiscordAdapter(
        core.conversation(discord_surface(settings)), settings, defer_after=defer_after
    )
    channels = TriageChannels()
    serve_triage_channel(channels, adapter.client, (ACME_GUILD, TRIAGE_CHANNEL))
    core.surveys.channels = channels
    await adapter.start()
    try:
        await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
        yield SurveyBot(fake, engine, core, clock, adapter)
    finally:
        await adapter.close()


@pytest.fixture
async def survey_bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[SurveyBot]:
    fake.add_member(ACME_GUILD, TRIAGER, "tess", permissions=MANAGE_GUILD)
    fake.guilds[ACME_GUILD].channels[TRIAGE_CHANNEL] = "triage"
    async for running in start_survey_bot(fake, engine, FixedClock(MONDAY)):
        yield running


# -- "Did this solve it?" ------------------------------------------------------------------------


async def test_a_shipped_item_asks_its_requester_and_voter_by_dm_with_four_buttons(
    survey_bot: SurveyBot,
) -> None:
    await survey_bot.shipped(requester=GINA, voters=(BOB,))
    for person in (GINA, BOB):
        asked = survey_bot.question_to(person)
        assert "Did this solve it?" in asked.content and "#1" in asked.content
        assert [b["label"] for b in asked.buttons] == ANSWERS
        assert [b["style"] for b in asked.buttons] == [1, 2, 4, 2]
        assert all(b["custom_id"].startswith("fb:") for b in asked.buttons)
    # Nobody else is asked, and the question is never posted in the channel.
    assert survey_bot.fake.channel_messages(dm_of(ALICE)) == []
    assert not any(m.components for m in survey_bot.fake.channel_messages(ACME_CHANNEL))


async def test_a_press_in_the_dm_is_kept_and_acknowledged_to_the_presser_alone(
    survey_bot: SurveyBot,
) -> None:
    await survey_bot.shipped()
    pressed = await survey_bot.press(survey_bot.question_to(GINA), "Solved it", GINA)
    answer = survey_bot.answer_to(pressed)
    assert "Thanks" in answer and "Solved it" in answer and "#1" in answer
    (callback,) = [c for c in survey_bot.fake.callbacks() if pressed.data["id"] in c.path]
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] & EPHEMERAL
    (kept,) = await survey_bot.rows(tables.survey_answers)
    assert (kept["user_id"], kept["role"], kept["answer"]) == (GINA, "requester", "solved")


async def test_a_later_press_replaces_the_answer_and_the_same_press_again_keeps_one(
    survey_bot: SurveyBot,
) -> None:
    await survey_bot.shipped()
    asked = survey_bot.question_to(BOB)
    await survey_bot.press(asked, "Partly", BOB)
    changed = await survey_bot.press(asked, "Solved it", BOB)
    assert "Solved it" in survey_bot.answer_to(changed)
    again = await survey_bot.press(asked, "Solved it", BOB)
    assert "nothing changed" in survey_bot.answer_to(again)
    (kept,) = await survey_bot.rows(tables.survey_answers)
    assert (kept["user_id"], kept["role"], kept["answer"]) == (BOB, "voter", "solved")


async def test_no_tells_the_triage_channel_once_with_the_item_number(
    survey_bot: SurveyBot,
) -> None:
    await survey_bot.shipped()
    pressed = await survey_bot.press(survey_bot.question_to(GINA), "No", GINA)
    assert "team will hear" in survey_bot.answer_to(pressed)
    (line,) = survey_bot.triage_lines()
    assert "#1" in line and "dark mode" in line
    assert GINA not in line and "gina" not in line.lower()
    # Pressed again, No is still the answer: the team heard already.
    await survey_bot.press(survey_bot.question_to(GINA), "No", GINA)
    assert len(survey_bot.triage_lines()) == 1


async def test_a_repeated_delivery_of_a_press_counts_once_without_a_traceback(
    survey_bot: SurveyBot, caplog: pytest.LogCaptureFixture
) -> None:
    await survey_bot.shipped()
    pressed = await survey_bot.press(survey_bot.question_to(GINA), "No", GINA)
    await survey_bot.replayed(pressed)
    assert len(await survey_bot.rows(tables.survey_answers)) == 1
    assert len(survey_bot.triage_lines()) == 1
    # The one answer Discord took for that interaction; the replay's was refused.
    assert "team will hear" in survey_bot.answer_to(pressed)
    assert tracebacks(caplog.records) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_add_a_comment_opens_a_form_whose_text_is_kept_and_told_to_triage(
    survey_bot: SurveyBot,
) -> None:
    fake = survey_bot.fake
    await survey_bot.shipped()
    asked = survey_bot.question_to(GINA)
    await survey_bot.press(asked, "No", GINA)
    opened = await survey_bot.press(asked, "Add a comment", GINA)
    (callback,) = [c for c in fake.callbacks() if opened.data["id"] in c.path]
    assert callback.json["type"] == 9  # MODAL
    form = callback.json["data"]
    assert form["custom_id"] == asked.button("Add a comment")["custom_id"]
    (label,) = form["components"]
    assert label["type"] == 18 and label["component"]["style"] == 2  # one paragraph
    assert label["component"]["max_length"] == MAX_COMMENT_LENGTH
    handled = survey_bot.adapter.interactions.count
    submitted = await fake.submit_form(
        form["custom_id"],
        "It is still too bright @everyone",
        user_id=GINA,
        guild_id="",
        channel_id=dm_of(GINA),
        place=DM,
        message_id=asked.id,
    )
    await survey_bot.bot.handled(handled + 1)
    assert "comment" in survey_bot.answer_to(submitted).lower()
    (kept,) = await survey_bot.rows(tables.survey_answers)
    assert (kept["answer"], kept["comment"]) == ("no", "It is still too bright @everyone")
    said = survey_bot.triage_lines()[-1]
    assert "still too bright" in said and "@\u200beveryone" in said


async def test_a_comment_before_any_answer_is_given_back(survey_bot: SurveyBot) -> None:
    await survey_bot.shipped()
    pressed = await survey_bot.press(survey_bot.question_to(BOB), "Add a comment", BOB)
    assert "first" in survey_bot.answer_to(pressed)
    assert await survey_bot.rows(tables.survey_answers) == []


async def test_an_anonymous_requester_is_asked_through_the_sealed_handle_and_stays_anonymous(
    survey_bot: SurveyBot, engine: AsyncEngine
) -> None:
    await survey_bot.bot.command("request", text="a quieter pager", user_id=GINA, anonymous=True)
    await survey_bot.ship(1)
    await survey_bot.press(survey_bot.question_to(GINA), "No", GINA)
    (kept,) = await survey_bot.rows(tables.survey_answers)
    assert (kept["respondent"], kept["user_id"], kept["answer"]) == ("requester", None, "no")
    assert GINA not in await every_row(engine)
    (line,) = survey_bot.triage_lines()
    assert "#1" in line and GINA not in line


async def test_the_buttons_work_after_a_restart(fake: FakeDiscord, engine: AsyncEngine) -> None:
    fake.add_member(ACME_GUILD, TRIAGER, "tess", permissions=MANAGE_GUILD)
    fake.guilds[ACME_GUILD].channels[TRIAGE_CHANNEL] = "triage"
    clock = FixedClock(MONDAY)
    async for before in start_survey_bot(fake, engine, clock):
        await before.shipped()
    asked = next(m for m in fake.channel_messages(dm_of(GINA)) if m.components)
    fake.ready.clear()
    async for after in start_survey_bot(fake, engine, clock):
        pressed = await after.press(asked, "Partly", GINA)
        assert "Partly" in after.answer_to(pressed)
        (kept,) = await after.rows(tables.survey_answers)
        assert kept["answer"] == "partly"


@pytest.fixture
async def slow_bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[SurveyBot]:
    """A bot that defers every press at once, as it does when the database is slow."""
    fake.add_member(ACME_GUILD, TRIAGER, "tess", permissions=MANAGE_GUILD)
    fake.guilds[ACME_GUILD].channels[TRIAGE_CHANNEL] = "triage"
    async for running in start_survey_bot(fake, engine, FixedClock(MONDAY), defer_after=0):
        yield running


async def test_a_slow_press_is_deferred_privately_and_its_answer_replaces_the_placeholder(
    slow_bot: SurveyBot,
) -> None:
    await slow_bot.shipped()
    pressed = await slow_bot.press(slow_bot.question_to(GINA), "Partly", GINA)
    (deferred,) = [c for c in slow_bot.fake.callbacks() if pressed.data["id"] in c.path]
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    assert "Partly" in slow_bot.answer_to(pressed)
    (kept,) = await slow_bot.rows(tables.survey_answers)
    assert kept["answer"] == "partly"


async def test_a_comment_form_that_could_not_open_in_time_asks_to_press_again(
    slow_bot: SurveyBot,
) -> None:
    await slow_bot.shipped()
    asked = slow_bot.question_to(GINA)
    await slow_bot.press(asked, "No", GINA)
    opened = await slow_bot.press(asked, "Add a comment", GINA)
    assert "could not open the comment form" in slow_bot.answer_to(opened)
    assert not [c for c in slow_bot.fake.callbacks() if c.json["type"] == 9]


# -- pulse surveys -------------------------------------------------------------------------------

QUESTION = "How well does the platform team support you?"


async def posted_survey(survey_bot: SurveyBot, **options: Any) -> StoredMessage:
    """A survey reminder added with ``/roadmap remind`` and posted once, as it falls due."""
    added = await survey_bot.roadmap_command(
        "remind", ALICE, schedule="every day at 09:00", kind="survey", text=QUESTION, **options
    )
    assert added.startswith("Added:"), added
    (reminder,) = await survey_bot.core.roadmap.reminders(ACME, ACME_CHANNEL)
    assert reminder.id is not None
    chats = PlatformDirectory()
    chats.register(Platform.DISCORD, discord_outlets(survey_bot.adapter.client))
    survey_bot.clock.set(MONDAY + timedelta(hours=1, seconds=1))
    assert await survey_bot.core.roadmap.fire(reminder.id, chats) is FireOutcome.POSTED
    (post,) = survey_bot.fake.channel_messages(ACME_CHANNEL)
    return post


async def test_a_survey_reminder_posts_the_question_with_five_buttons(
    survey_bot: SurveyBot,
) -> None:
    post = await posted_survey(survey_bot)
    assert QUESTION in post.content
    assert [b["label"] for b in post.buttons] == ["1", "2", "3", "4", "5"]
    assert len(post.components) == 1
    listed = await survey_bot.roadmap_command("reminders", ALICE)
    assert "survey" in listed.lower() and QUESTION in listed


async def test_a_yes_no_survey_has_two_buttons(survey_bot: SurveyBot) -> None:
    post = await posted_survey(survey_bot, scale="yes/no")
    assert [b["label"] for b in post.buttons] == ["Yes", "No"]


async def test_a_survey_is_posted_once_by_two_replicas(
    survey_bot: SurveyBot, engine: AsyncEngine
) -> None:
    post = await posted_survey(survey_bot)
    (reminder,) = await survey_bot.core.roadmap.reminders(ACME, ACME_CHANNEL)
    assert reminder.id is not None
    other = core_on(engine, survey_bot.clock)
    chats = PlatformDirectory()
    chats.register(Platform.DISCORD, discord_outlets(survey_bot.adapter.client))
    assert await other.roadmap.fire(reminder.id, chats) is not FireOutcome.POSTED
    assert [m.id for m in survey_bot.fake.channel_messages(ACME_CHANNEL)] == [post.id]
    assert len(await survey_bot.rows(tables.survey_polls)) == 1


async def test_members_answer_a_survey_privately_once_each_internal_and_external_apart(
    survey_bot: SurveyBot,
) -> None:
    post = await posted_survey(survey_bot)
    pressed = await survey_bot.press(post, "4", ALICE, guild_id=ACME_GUILD)
    assert "4" in survey_bot.answer_to(pressed) and "counted" in survey_bot.answer_to(pressed)
    await survey_bot.press(post, "2", BOB, guild_id=ACME_GUILD)
    await survey_bot.press(post, "5", GINA, guild_id=ACME_GUILD)  # a Customer: external
    changed = await survey_bot.press(post, "3", BOB, guild_id=ACME_GUILD)
    assert "3" in survey_bot.answer_to(changed)
    answers = {
        row["user_id"]: (row["value"], row["stakeholder"])
        for row in await survey_bot.rows(tables.survey_poll_answers)
    }
    assert answers == {ALICE: (4, "internal"), BOB: (3, "internal"), GINA: (5, "external")}
    # The answers were private: the channel shows the question only.
    assert [m.id for m in survey_bot.fake.channel_messages(ACME_CHANNEL)] == [post.id]


# -- what Discord would not send -------------------------------------------------------------------


async def test_presses_that_are_not_the_core_s_buttons_keep_nothing_and_raise_nothing(
    survey_bot: SurveyBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = survey_bot.fake
    await survey_bot.shipped()
    asked = survey_bot.question_to(GINA)
    others = await survey_bot.press_id(asked, "someone-else:1", GINA)
    assert [m for m in fake.messages.values() if m.interaction_id == others.data["id"]] == []
    for custom_id in ("fb:", "fb:csat:1:maybe:" + ACME_GUILD, "fb:pulse:x:1", "fb:pulse:99:4"):
        unknown = await survey_bot.press_id(asked, custom_id, GINA)
        assert re.search(r"nothing was kept|was not kept", survey_bot.answer_to(unknown))
    no = {"custom_id": asked.button("No")["custom_id"], "component_type": 2}
    ours = {**others.data, "data": no}
    for broken in (
        {**ours, "data": {**no, "custom_id": 12}},
        # Discord marks the channel optional; a press names someone in a DM by ``user``.
        {k: v for k, v in ours.items() if k not in ("channel_id", "channel")},
        {k: v for k, v in ours.items() if k != "user"},
    ):
        handled = survey_bot.adapter.interactions.count
        await fake.dispatch("INTERACTION_CREATE", broken)
        await survey_bot.bot.handled(handled + 1)
    assert await survey_bot.rows(tables.survey_answers) == []
    assert await survey_bot.rows(tables.survey_poll_answers) == []
    assert tracebacks(caplog.records) == []


async def test_remind_offers_the_survey_kind_and_its_scale(fake: FakeDiscord) -> None:
    """What ``feedbackbot discord sync`` registers (run it once after upgrading)."""
    roadmap = DiscordAdapter(None, settings_for(fake)).tree.get_command("roadmap")
    assert isinstance(roadmap, app_commands.Group)
    remind = roadmap.get_command("remind")
    assert isinstance(remind, app_commands.Command)
    options = {p.name: p for p in remind.parameters}
    assert [c.value for c in options["kind"].choices] == ["roadmap", "prompt", "survey"]
    assert [c.value for c in options["scale"].choices] == ["1-5", "yes/no"]
    assert not options["scale"].required
