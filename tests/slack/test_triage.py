"""Triage on Slack: ``/roadmap status|show|list|stats`` as signed requests to the real Bolt app,
the requester told in the thank-you's thread and by DM through the fake Slack Web API, and the
SLA job posting a breach once to the triage channel (driven with an injected clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.scheduler.slas import SlaJob
from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.chat import SlackChat
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.identity import Person, Platform
from bot.items import Item, Status
from bot.service import FeedbackService
from bot.sla_check import SlaCheck
from bot.slas import TriageChannels
from tests.core import core_on
from tests.fakes import FixedClock
from tests.slack.conftest import ACME, SECRET
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.signed import SlackSender

NOW = datetime(2025, 3, 26, 12, 0, tzinfo=UTC)  # a Wednesday
TRIAGE_CHANNEL = "C-TRIAGE"
ALICE, BOB, CAROL, ADA, OLGA = "U1", "U2", "U3", "U5", "U6"


@dataclass
class TriageBot:
    fake: FakeSlack
    slack: SlackSender
    service: FeedbackService
    slas: SlaCheck
    adapter: SlackAdapter
    clock: FixedClock

    async def roadmap(self, text: str, user_id: str = ADA) -> str:
        """``/roadmap <text>`` from that user; the private answer once everything is done."""
        count = len(self.fake.responses) + 1
        reply = await self.slack.command("/roadmap", text, user_id=user_id, user_name=user_id)
        assert reply.status_code == 200 and not reply.content  # answered later, privately
        responses = await self.fake.wait_for_responses(count)
        await self.adapter.settled()
        body = responses[count - 1][1]
        assert body["response_type"] == "ephemeral"
        return str(body["text"])

    async def request(self, text: str, user_id: str = ALICE) -> Item:
        reply = await self.slack.command("/request", text, user_id=user_id)
        assert reply.status_code == 200
        await self.adapter.settled()
        items = [item async for item in self.service.export(ACME)]
        return items[-1]

    def posts(self) -> list[Call]:
        return [c for c in self.fake.calls_to("chat.postMessage") if c.answered_ok]

    def thread_replies(self, thanks_ts: str) -> list[str]:
        return [str(c.args["text"]) for c in self.posts() if c.args.get("thread_ts") == thanks_ts]

    def dms(self, user_id: str) -> list[str]:
        return [str(c.args["text"]) for c in self.posts() if c.args.get("channel") == user_id]

    def channels(self) -> TriageChannels:
        # As ``feedbackbot run`` builds them: Slack through the bot token's client.
        channels = TriageChannels()
        channels.serve(Platform.SLACK, SlackChat(self.adapter.client), TRIAGE_CHANNEL)
        return channels


@pytest.fixture
async def bot(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[TriageBot]:
    fake.add_user(CAROL, "carol", "T1", display_name="Carol")  # listed in SLACK_ADMIN_USERS
    fake.add_user(ADA, "ada", "T1", display_name="Ada", is_admin=True)
    fake.add_user(OLGA, "olga", "T1", display_name="Olga", is_owner=True)
    clock = FixedClock(NOW)
    core = core_on(sqlite_engine, clock)
    conversation = core.conversation(slack_surface(slack_settings))
    async with SlackAdapter(
        conversation, slack_settings, enrichment=core.enrichment, admin_users=frozenset({CAROL})
    ) as adapter:
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        sender = SlackSender(base_url, SECRET, response_url=fake.response_url())
        try:
            yield TriageBot(fake, sender, core.feedback, core.slas, adapter, clock)
        finally:
            await runner.cleanup()


async def test_a_non_admin_is_refused_politely_and_nothing_changes(bot: TriageBot) -> None:
    await bot.request("must-have: SSO for the admin console")
    posts_before = len(bot.posts())
    answer = await bot.roadmap("status 1 planned", user_id=BOB)
    assert answer.startswith("Sorry, only admins can triage items") and "Nothing" in answer
    answer = await bot.roadmap("priority 1 good-to-have", user_id=BOB)
    assert answer.startswith("Sorry, only admins can triage items")
    item = await bot.service.find(ACME, 1)
    assert item is not None and item.status is Status.NEW and not item.history
    assert item.priority is not None and item.priority.value == "must-have"
    assert len(bot.posts()) == posts_before  # nobody was told anything


@pytest.mark.parametrize("admin", [ADA, OLGA, CAROL], ids=["is_admin", "is_owner", "configured"])
async def test_an_admin_changes_status_and_the_requester_hears_in_thread_and_by_dm(
    bot: TriageBot, admin: str
) -> None:
    item = await bot.request("must-have: SSO for the admin console")
    assert item.thanks is not None and item.thanks.channel_id == "C1"
    answer = await bot.roadmap("status #1 planned Q3, after the audit", user_id=admin)
    assert answer == (
        "#1 is now planned. The requester was told in the thread of its thank-you "
        "and by direct message."
    )
    (reply,) = bot.thread_replies(item.thanks.message_id)
    assert reply.startswith("<@U1>, an update: Must-have request #1")
    assert "is planned." in reply and "Q3, after the audit" in reply
    (dm,) = bot.dms(ALICE)
    assert dm.startswith("An update on what you asked: Must-have request #1")
    assert "Q3, after the audit" in dm
    stored = await bot.service.find(ACME, 1)
    assert stored is not None and stored.status is Status.PLANNED
    assert stored.history[-1].note == "Q3, after the audit"
    assert stored.history[-1].by is not None and stored.history[-1].by.user_id == admin


async def test_a_failed_dm_leaves_the_thread_reply_and_the_change(bot: TriageBot) -> None:
    item = await bot.request("must-have: SSO")
    assert item.thanks is not None
    bot.fake.fail(
        "chat.postMessage", "cannot_dm_bot", when=lambda args: args.get("channel") == ALICE
    )
    answer = await bot.roadmap("status 1 under review looking at it")
    assert "told in the thread of its thank-you" in answer and "direct message" not in answer
    assert len(bot.thread_replies(item.thanks.message_id)) == 1
    assert bot.dms(ALICE) == []
    stored = await bot.service.find(ACME, 1)
    assert stored is not None and stored.status is Status.UNDER_REVIEW


async def test_a_duplicate_merge_moves_the_votes_once(bot: TriageBot) -> None:
    await bot.request("must-have: SSO")
    await bot.request("good-to-have: single sign-on please", user_id=BOB)
    for voter in ("V1", "V2"):
        await bot.service.vote(ACME, 1, Person(voter, voter))
    for voter in ("V2", "V3"):  # V2 voted for both: counts once on the kept item
        await bot.service.vote(ACME, 2, Person(voter, voter))
    answer = await bot.roadmap("status 2 duplicate #1 same as SSO")
    assert answer.startswith("#2 is now a duplicate of #1.")
    kept, merged = await bot.service.find(ACME, 1), await bot.service.find(ACME, 2)
    assert kept is not None and kept.votes == 3
    assert merged is not None and merged.status is Status.DUPLICATE and merged.votes == 0
    (dm,) = bot.dms(BOB)
    assert "was merged into #1" in dm
    again = await bot.roadmap("status 2 duplicate #1")
    assert again.startswith("Nothing was changed")
    kept = await bot.service.find(ACME, 1)
    assert kept is not None and kept.votes == 3


async def test_show_list_and_stats_answer_anyone_privately(bot: TriageBot) -> None:
    await bot.request("must-have: SSO")
    await bot.request("good-to-have: dark mode", user_id=BOB)
    await bot.roadmap("status 1 planned Q3")
    shown = await bot.roadmap("show 1", user_id=BOB)
    assert shown.startswith("#1 request, must-have, internal · planned · 0 votes")
    assert "new → planned by Ada: Q3" in shown
    listed = await bot.roadmap("list must-have", user_id=BOB)
    assert listed.startswith("#1 request, must-have") and "dark mode" not in listed
    bot.clock.set(NOW + timedelta(minutes=1))  # the KPIs cover up to (not including) now
    stats = await bot.roadmap("stats", user_id=BOB)
    assert stats.startswith("KPIs for slack:T1")
    assert "items: 2" in stats and "by status: new 1, planned 1" in stats
    assert "SLA breaches: 0 in the period, 0 still new now" in stats
    assert bot.fake.posted_texts(TRIAGE_CHANNEL) == []


async def test_other_roadmap_text_falls_through_to_the_digest_and_reminders(
    bot: TriageBot,
) -> None:
    digest = await bot.roadmap("", user_id=BOB)
    assert digest.startswith("Roadmap update")
    listed = await bot.roadmap("reminders", user_id=BOB)
    assert "reminder" in listed.lower()


async def test_an_sla_breach_is_posted_once_and_listed_in_the_digest_until_handled(
    bot: TriageBot,
) -> None:
    await bot.request("must-have: SSO for the admin console")
    job = SlaJob(bot.slas, bot.channels())
    bot.clock.set(NOW + timedelta(hours=23))  # one working day is not over yet
    assert await job.run() == []
    bot.clock.set(NOW + timedelta(days=1, minutes=1))
    (breach,) = await job.run()
    assert breach.number == 1
    assert await job.run() == []  # the next minute: already claimed
    await job.check()  # as the scheduler calls it
    (posted,) = bot.fake.posted_texts(TRIAGE_CHANNEL)
    assert posted.startswith("SLA missed: Must-have request #1")
    assert "Asked by Alice" in posted and "/roadmap status #1" in posted
    digest = await bot.roadmap("", user_id=BOB)
    assert "SLA missed, still waiting for triage (1):" in digest
    assert "#1 “SSO for the admin console” (must-have, internal, due Thu 27 Mar)" in digest
    stats = await bot.roadmap("stats", user_id=BOB)
    assert "still new now" in stats and "1 still new now" in stats
    await bot.roadmap("status 1 under review")
    digest = await bot.roadmap("", user_id=BOB)
    assert "SLA missed" not in digest
    assert len(bot.fake.posted_texts(TRIAGE_CHANNEL)) == 1


# A display name anyone can set in their Slack profile: posted as typed, it would ping the channel.
EVIL = "<!channel> Evil"
EVIL_ID = "U66"


async def test_an_admin_named_like_a_mass_mention_pings_nobody_with_a_status_change(
    bot: TriageBot,
) -> None:
    bot.fake.add_user(EVIL_ID, "evil", "T1", display_name=EVIL, is_admin=True)
    item = await bot.request("must-have: SSO for the admin console")
    assert item.thanks is not None
    await bot.roadmap("status 1 planned <!here> soon", user_id=EVIL_ID)
    (reply,) = bot.thread_replies(item.thanks.message_id)
    (dm,) = bot.dms(ALICE)
    for text in (reply, dm):
        assert "Note from &lt;!channel&gt; Evil: “&lt;!here&gt; soon”" in text
        assert "<!" not in text


async def test_roadmap_show_names_an_author_like_a_mass_mention_as_plain_text(
    bot: TriageBot,
) -> None:
    bot.fake.add_user(EVIL_ID, "evil", "T1", display_name=EVIL, is_admin=True)
    await bot.request("must-have: SSO", user_id=EVIL_ID)
    await bot.roadmap("status 1 planned", user_id=EVIL_ID)
    shown = await bot.roadmap("show 1", user_id=BOB)
    assert "from &lt;!channel&gt; Evil," in shown
    assert "new → planned by &lt;!channel&gt; Evil" in shown
    assert "<!" not in shown
