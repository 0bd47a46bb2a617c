"""``/roadmap`` on Discord through the fake gateway: the digest, reminders and triage, answered
privately; status changes told to the requester; reminders posted through the fake REST."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.app import DiscordAdapter, discord_surface
from adapters.discord.roadmap import discord_outlets, serve_triage_channel
from adapters.scheduler.directory import PlatformDirectory
from bot.dashboard_access import Session
from bot.identity import Platform
from bot.items import Item, Status
from bot.roadmap import FireOutcome, RoadmapService
from bot.sla_check import SlaCheck
from bot.slas import TriageChannels
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
from tests.discord.fake_discord import EPHEMERAL, FakeDiscord
from tests.fakes import FixedClock

MANAGE_GUILD = 1 << 5
TRIAGER = "344444444444444444"
TRIAGE_ROLE = "422222222222222222"
ROLE_ADMIN = "355555555555555555"
# Monday 3 March 2025, 08:00 UTC.
MONDAY = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
CALLBACK = r"/interactions/\d+/.+/callback"
FOLLOWUP = r"/webhooks/\d+/[^/]+"


@dataclass
class Sleeps:
    taken: list[float]

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@dataclass
class RoadmapBot:
    bot: DiscordBot
    roadmap: RoadmapService
    slas: SlaCheck
    clock: FixedClock

    @property
    def fake(self) -> FakeDiscord:
        return self.bot.fake

    async def roadmap_command(
        self, subcommand: str, user_id: str = ALICE, **options: object
    ) -> str:
        """Use ``/roadmap subcommand``; the private answer it got."""
        handled = self.bot.adapter.interactions.count
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
        answers = self.fake.requests_to("POST", FOLLOWUP)[before:]
        assert answers, "no answer"
        for answer in answers:
            assert int(answer.json.get("flags") or 0) & EPHEMERAL
            assert answer.json["allowed_mentions"] == {"parse": []}
            assert len(answer.json["content"]) <= 2000
        return "\n".join(str(a.json["content"]) for a in answers)

    async def item(self, number: int) -> Item:
        (found,) = [i for i in await self.bot.items() if i.number == number]
        return found


@pytest.fixture
async def roadmap_bot(fake: FakeDiscord, engine: AsyncEngine) -> AsyncIterator[RoadmapBot]:
    fake.add_member(ACME_GUILD, TRIAGER, "tess", permissions=MANAGE_GUILD)
    fake.add_role(ACME_GUILD, TRIAGE_ROLE, "Product")
    fake.add_member(ACME_GUILD, ROLE_ADMIN, "rae", roles=(TRIAGE_ROLE,))
    clock = FixedClock(MONDAY - timedelta(days=1))
    core = core_on(engine, clock, sleep=Sleeps([]), retry_delays=(1.0,))
    settings = settings_for(fake)
    adapter = CountedDiscordAdapter(
        core.conversation(discord_surface(settings)),
        settings,
        admin_roles=frozenset({"product"}),
    )
    await adapter.start()
    try:
        await fake.wait_until(fake.ready.is_set, describe=lambda: "the bot to identify")
        yield RoadmapBot(DiscordBot(fake, adapter, core.feedback), core.roadmap, core.slas, clock)
    finally:
        await adapter.close()


async def test_roadmap_is_registered_as_a_group_with_subcommands(fake: FakeDiscord) -> None:
    adapter = DiscordAdapter(None, settings_for(fake))
    roadmap = adapter.tree.get_command("roadmap")
    assert roadmap is not None
    names = {c.name for c in getattr(roadmap, "commands", [])}
    assert names == {
        "digest",
        "remind",
        "reminders",
        "unremind",
        "status",
        "show",
        "list",
        "priority",
        "stakeholder",
        "stats",
        "dashboard",
        "link",
        "unlink",
    }


async def test_digest_is_answered_privately(roadmap_bot: RoadmapBot) -> None:
    await roadmap_bot.bot.command("request", text="SSO for Grafana", priority="must-have")
    roadmap_bot.clock.advance(timedelta(hours=1))
    answer = await roadmap_bot.roadmap_command("digest")
    assert "SSO for Grafana" in answer
    (deferred, *_) = [
        c for c in roadmap_bot.fake.callbacks() if c.json["type"] == 5 and c.json.get("data")
    ]
    assert int(deferred.json["data"]["flags"]) & EPHEMERAL
    # Nothing new in the channel but the request's own thank-you.
    assert len(roadmap_bot.fake.channel_messages(ACME_CHANNEL)) == 1


async def test_remind_lists_and_unremind(roadmap_bot: RoadmapBot) -> None:
    added = await roadmap_bot.roadmap_command(
        "remind", schedule="every monday at 09:00 in Europe/Berlin"
    )
    assert added.startswith("Added:") and "every monday at 09:00" in added
    assert "next" in added.lower()
    prompt = await roadmap_bot.roadmap_command(
        "remind", schedule="every day at 10:00", kind="prompt", text="Tell us!"
    )
    assert prompt.startswith("Added:")
    listed = await roadmap_bot.roadmap_command("reminders")
    assert "every monday at 09:00" in listed and "every day at 10:00" in listed
    (first, second) = await roadmap_bot.roadmap.reminders(ACME, ACME_CHANNEL)
    assert first.id is not None and second.id is not None
    removed = await roadmap_bot.roadmap_command("unremind", id=first.id)
    assert f"#{first.id} is removed" in removed
    (left,) = await roadmap_bot.roadmap.reminders(ACME, ACME_CHANNEL)
    assert left.id == second.id
    assert "There is no reminder" in await roadmap_bot.roadmap_command("unremind", id=first.id)


async def test_a_bad_schedule_shows_a_correct_example(roadmap_bot: RoadmapBot) -> None:
    answer = await roadmap_bot.roadmap_command("remind", schedule="whenever you like")
    assert "every monday at 09:00" in answer and "Nothing was added" in answer
    assert await roadmap_bot.roadmap.reminders(ACME, ACME_CHANNEL) == []


async def test_a_member_without_manage_server_is_refused(roadmap_bot: RoadmapBot) -> None:
    await roadmap_bot.bot.command("request", text="dark mode", user_id=GINA)
    answer = await roadmap_bot.roadmap_command("status", user_id=BOB, number=1, status="planned")
    assert "only admins" in answer and "Nothing was changed" in answer
    assert (await roadmap_bot.item(1)).status is Status.NEW
    assert roadmap_bot.fake.requests_to("POST", r"/users/@me/channels") == []


async def test_a_configured_role_may_triage(roadmap_bot: RoadmapBot) -> None:
    await roadmap_bot.bot.command("request", text="dark mode", user_id=GINA)
    await roadmap_bot.roadmap_command("status", user_id=ROLE_ADMIN, number=1, status="under review")
    assert (await roadmap_bot.item(1)).status is Status.UNDER_REVIEW


async def test_a_status_change_reaches_the_requester_in_the_channel_and_by_dm(
    roadmap_bot: RoadmapBot,
) -> None:
    fake = roadmap_bot.fake
    await roadmap_bot.bot.command("request", text="dark mode", user_id=GINA)
    (thanks,) = fake.channel_messages(ACME_CHANNEL)
    answer = await roadmap_bot.roadmap_command(
        "status", user_id=TRIAGER, number=1, status="planned", note="next sprint"
    )
    item = await roadmap_bot.item(1)
    assert item.status is Status.PLANNED
    assert "#1" in answer
    (reply,) = [m for m in fake.channel_messages(ACME_CHANNEL) if m.message_reference]
    assert reply.message_reference is not None
    assert str(reply.message_reference["message_id"]) == thanks.id
    assert "next sprint" in reply.content
    (opened,) = fake.requests_to("POST", r"/users/@me/channels")
    assert str(opened.json["recipient_id"]) == GINA
    (dm,) = fake.channel_messages(f"7{GINA[1:]}")
    assert "planned" in dm.content and "next sprint" in dm.content


async def test_a_failed_dm_still_changes_the_item(roadmap_bot: RoadmapBot) -> None:
    fake = roadmap_bot.fake
    await roadmap_bot.bot.command("request", text="dark mode", user_id=GINA)
    fake.fail("POST", rf"/channels/7{GINA[1:]}/messages", 403, 50007, "Cannot send messages")
    await roadmap_bot.roadmap_command("status", user_id=TRIAGER, number=1, status="planned")
    assert (await roadmap_bot.item(1)).status is Status.PLANNED
    assert [m for m in fake.channel_messages(ACME_CHANNEL) if m.message_reference]
    assert fake.channel_messages(f"7{GINA[1:]}") == []


async def test_a_duplicate_merge_moves_the_votes_once(roadmap_bot: RoadmapBot) -> None:
    fake, bot = roadmap_bot.fake, roadmap_bot.bot
    await bot.command("request", text="dark mode", user_id=GINA)
    await bot.command("request", text="a dark theme", user_id=ALICE)
    first, second = fake.channel_messages(ACME_CHANNEL)
    votes = [(first.id, BOB), (second.id, BOB), (second.id, TRIAGER)]
    for count, (message_id, voter) in enumerate(votes, start=1):
        await fake.react(
            True, guild_id=ACME_GUILD, channel_id=ACME_CHANNEL, message_id=message_id, user_id=voter
        )
        await bot.adapter.reactions.reach(count)
    before = (await roadmap_bot.item(1)).votes
    await roadmap_bot.roadmap_command(
        "status", user_id=TRIAGER, number=2, status="duplicate", duplicate_of=1
    )
    duplicate, kept = await roadmap_bot.item(2), await roadmap_bot.item(1)
    assert duplicate.status is Status.DUPLICATE
    # Bob voted for both: he counts once on the kept item; the triager's vote moves.
    assert (before, kept.votes) == (1, 2)


async def test_show_list_priority_stakeholder_and_stats(roadmap_bot: RoadmapBot) -> None:
    bot = roadmap_bot.bot
    await bot.command("request", text="dark mode", user_id=GINA)
    await bot.command("feedback", text="builds are slow", user_id=ALICE)
    await roadmap_bot.roadmap_command("status", user_id=TRIAGER, number=1, status="under review")
    shown = await roadmap_bot.roadmap_command("show", number=1)
    assert "dark mode" in shown and "under review" in shown
    listed = await roadmap_bot.roadmap_command("list", filter="open")
    assert "dark mode" in listed and "builds are slow" in listed
    await roadmap_bot.roadmap_command("priority", user_id=TRIAGER, number=1, priority="must-have")
    await roadmap_bot.roadmap_command("stakeholder", user_id=TRIAGER, number=1, kind="internal")
    item = await roadmap_bot.item(1)
    assert (item.priority and item.priority.value, item.stakeholder.value) == (
        "must-have",
        "internal",
    )
    roadmap_bot.clock.advance(timedelta(hours=1))
    stats = await roadmap_bot.roadmap_command("stats")
    assert "items: 2" in stats and "under review" in stats.lower()


async def test_a_reminder_is_posted_in_the_channel_and_a_gone_channel_disables_it(
    roadmap_bot: RoadmapBot,
) -> None:
    fake, roadmap = roadmap_bot.fake, roadmap_bot.roadmap
    await roadmap_bot.roadmap_command("remind", schedule="every day at 08:00")
    (reminder,) = await roadmap.reminders(ACME, ACME_CHANNEL)
    assert reminder.id is not None
    chats = PlatformDirectory()
    chats.register(Platform.DISCORD, discord_outlets(roadmap_bot.bot.adapter.client))
    roadmap_bot.clock.set(MONDAY + timedelta(seconds=1))
    assert await roadmap.fire(reminder.id, chats) is FireOutcome.POSTED
    (posted,) = fake.channel_messages(ACME_CHANNEL)
    assert posted.content and len(posted.content) <= 2000
    assert await roadmap.fire(reminder.id, chats) is FireOutcome.NOT_DUE
    fake.fail("POST", rf"/channels/{ACME_CHANNEL}/messages", 404, 10003, "Unknown Channel")
    roadmap_bot.clock.set(MONDAY + timedelta(days=1, seconds=1))
    assert await roadmap.fire(reminder.id, chats) is FireOutcome.DISABLED
    listed = await roadmap_bot.roadmap_command("reminders")
    assert "disabled" in listed.lower()


async def test_an_sla_breach_is_posted_once_to_the_discord_triage_channel(
    roadmap_bot: RoadmapBot,
) -> None:
    fake = roadmap_bot.fake
    triage_channel = fake.new_id()
    fake.guilds[ACME_GUILD].channels[triage_channel] = "triage"
    await roadmap_bot.bot.command("request", text="SSO please", priority="must-have", user_id=GINA)
    channels = TriageChannels()
    serve_triage_channel(channels, roadmap_bot.bot.adapter.client, (ACME_GUILD, triage_channel))
    roadmap_bot.clock.advance(timedelta(days=4))  # past one working day, whatever the weekday
    (breach,) = await roadmap_bot.slas.check(channels)
    assert breach.number == 1
    assert await roadmap_bot.slas.check(channels) == []
    (posted,) = fake.channel_messages(triage_channel)
    assert "#1" in posted.content and "SSO please" in posted.content


# Display names anyone can choose; posted as typed they would look like (and, with the wrong
# ``allowed_mentions``, be) a ping of the whole server and of a role.
EVIL = f"@everyone @here <@&{TRIAGE_ROLE}> Evil"


def assert_pings_nobody_but(content: str, allowed: object, *users: str) -> None:
    """No live ``@everyone``/``@here``, no role or user mention in the text beyond ``users``,
    and ``allowed_mentions`` that lets no mass or role mention ring."""
    assert re.search(r"@(everyone|here)", content) is None  # "@\u200beveryone" is text
    assert re.search(r"(?<!\\)<@&", content) is None
    assert set(re.findall(r"(?<!\\)<@!?(\d+)>", content)) <= set(users)
    assert isinstance(allowed, dict) and allowed.get("parse") == []
    assert {str(user) for user in allowed.get("users", [])} <= set(users)


async def test_an_admin_named_like_a_mass_mention_pings_nobody_with_a_status_change(
    roadmap_bot: RoadmapBot,
) -> None:
    fake = roadmap_bot.fake
    fake.users[TRIAGER]["global_name"] = EVIL
    await roadmap_bot.bot.command("request", text="dark mode", user_id=GINA)
    await roadmap_bot.roadmap_command(
        "status", user_id=TRIAGER, number=1, status="planned", note="@here soon"
    )
    (reply,) = [m for m in fake.channel_messages(ACME_CHANNEL) if m.message_reference]
    (dm,) = fake.channel_messages(f"7{GINA[1:]}")
    for message in (reply, dm):
        assert "Note from @\u200beveryone @\u200bhere \\<@&" in message.content
        assert_pings_nobody_but(message.content, message.allowed_mentions, GINA)


async def test_roadmap_show_names_an_author_like_a_mass_mention_as_plain_text(
    roadmap_bot: RoadmapBot,
) -> None:
    fake = roadmap_bot.fake
    fake.users[TRIAGER]["global_name"] = EVIL
    await roadmap_bot.bot.command("request", text="dark mode", user_id=TRIAGER)
    await roadmap_bot.roadmap_command("status", user_id=TRIAGER, number=1, status="planned")
    before = len(fake.requests_to("POST", FOLLOWUP))
    shown = await roadmap_bot.roadmap_command("show", number=1)
    assert "from @\u200beveryone @\u200bhere \\<@&" in shown
    assert "planned by @\u200beveryone" in shown
    for answer in fake.requests_to("POST", FOLLOWUP)[before:]:
        assert_pings_nobody_but(str(answer.json["content"]), answer.json["allowed_mentions"])


@pytest.mark.parametrize(("user_id", "admin"), [(TRIAGER, True), (ALICE, False)])
async def test_dashboard_gives_a_private_link_that_signs_in_with_the_member_s_role(
    roadmap_bot: RoadmapBot, engine: AsyncEngine, user_id: str, admin: bool
) -> None:
    answer = await roadmap_bot.roadmap_command("dashboard", user_id=user_id)
    assert answer.startswith("Your dashboard link: http://127.0.0.1:3000/signin/")
    assert ("as an admin" in answer) is admin and "works once, within 10 minutes" in answer
    (token,) = re.findall(r"/signin/([A-Za-z0-9_-]{43})", answer)
    session = await core_on(engine, roadmap_bot.clock).access.sign_in(token)
    assert isinstance(session, Session)
    assert session.visitor.workspace == ACME and session.visitor.admin is admin
    assert session.visitor.person.user_id == user_id
    assert roadmap_bot.fake.channel_messages(ACME_CHANNEL) == []  # nothing in the channel


async def test_link_and_unlink_are_subcommands_refused_to_members(
    roadmap_bot: RoadmapBot,
) -> None:
    await roadmap_bot.bot.command("request", text="SSO for Grafana")
    refused = await roadmap_bot.roadmap_command(
        "link", user_id=ALICE, number=1, issue="acme/infra#12"
    )
    assert "only admins" in refused
    no_tracker = await roadmap_bot.roadmap_command(
        "link", user_id=TRIAGER, number=1, issue="acme/infra#12"
    )
    assert "No issue tracker is set up" in no_tracker and "GITHUB_TOKEN" in no_tracker
    unlinked = await roadmap_bot.roadmap_command("unlink", user_id=TRIAGER, number=1)
    assert unlinked == "#1 is not linked to any issue; nothing changed."
