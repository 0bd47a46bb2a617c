"""/roadmap as Slack delivers it (signed requests to the real Bolt app), and reminders posted
through the Slack Web API client to the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.platforms import slack_outlets
from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.identity import Platform
from bot.roadmap import FireOutcome, RoadmapService
from tests.core import core_on
from tests.fakes import FixedClock
from tests.slack.conftest import ACME, SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

NOW = datetime(2025, 3, 26, 12, 0, tzinfo=UTC)


@dataclass
class RoadmapBot:
    fake: FakeSlack
    slack: SlackSender
    roadmap: RoadmapService
    adapter: SlackAdapter
    clock: FixedClock
    sleeps: list[float]

    def chats(self) -> PlatformDirectory:
        chats = PlatformDirectory()
        chats.register(Platform.SLACK, slack_outlets(self.adapter.client))
        return chats

    async def answer(self, text: str, count: int) -> str:
        reply = await self.slack.command("/roadmap", text)
        assert reply.status_code == 200
        responses = await self.fake.wait_for_responses(count)
        body = responses[count - 1][1]
        assert body["response_type"] == "ephemeral"
        return str(body["text"])


@pytest.fixture
async def bot(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[RoadmapBot]:
    clock = FixedClock(NOW)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    core = core_on(sqlite_engine, clock, sleep=sleep)
    roadmap = core.roadmap
    conversation = core.conversation(slack_surface(slack_settings))
    async with SlackAdapter(conversation, slack_settings, enrichment=core.enrichment) as adapter:
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        sender = SlackSender(base_url, SECRET, response_url=fake.response_url())
        try:
            yield RoadmapBot(fake, sender, roadmap, adapter, clock, sleeps)
        finally:
            await runner.cleanup()


async def test_roadmap_commands_answer_the_person_privately(bot: RoadmapBot) -> None:
    added = await bot.answer("remind every monday at 09:00 in Europe/Berlin", 1)
    assert added == (
        "Added: #1 roadmap update, every monday at 09:00 (Europe/Berlin); "
        "next: Mon 31 Mar 2025 09:00 CEST."
    )
    listed = await bot.answer("reminders", 2)
    assert listed.startswith("#1 roadmap update, every monday at 09:00")
    digest = await bot.answer("", 3)
    assert digest.startswith("Roadmap update, Wed 19 Mar to Wed 26 Mar: a quiet period")
    bad = await bot.answer("remind every blursday", 4)
    assert "`every monday at 09:00 in Europe/Berlin`" in bad and "Nothing was added" in bad
    removed = await bot.answer("unremind 1", 5)
    assert removed == "Reminder #1 is removed."
    assert bot.fake.calls_to("chat.postMessage") == []  # nothing public


async def test_a_reminder_is_posted_in_its_channel_through_the_web_api(bot: RoadmapBot) -> None:
    reminder = await bot.roadmap.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    bot.clock.set(NOW + timedelta(hours=1))
    assert await bot.roadmap.fire(reminder.id, bot.chats()) is FireOutcome.POSTED
    (posted,) = bot.fake.calls_to("chat.postMessage")
    assert posted.args["channel"] == "C1"
    assert posted.args["text"].startswith("Roadmap update, Wed 26 Mar to Wed 26 Mar")


async def test_slack_rate_limits_and_errors_are_retried(bot: RoadmapBot) -> None:
    reminder = await bot.roadmap.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    # Each is a passing failure: we back off and retry.
    bot.fake.rate_limit("chat.postMessage", retry_after=0)
    bot.fake.fail("chat.postMessage", "internal_error", times=2)
    bot.clock.set(NOW + timedelta(hours=1))
    assert await bot.roadmap.fire(reminder.id, bot.chats()) is FireOutcome.POSTED
    assert bot.sleeps == [2.0, 4.0, 8.0]
    assert len(bot.fake.posted_texts("C1")) == 1


async def test_a_channel_the_bot_left_disables_the_reminder(bot: RoadmapBot) -> None:
    reminder = await bot.roadmap.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    bot.fake.fail("chat.postMessage", "not_in_channel")
    bot.clock.set(NOW + timedelta(hours=1))
    assert await bot.roadmap.fire(reminder.id, bot.chats()) is FireOutcome.DISABLED
    listed = await bot.answer("reminders", 1)
    assert "DISABLED" in listed and "not_in_channel" in listed


async def test_an_unreachable_slack_is_a_passing_failure(
    bot: RoadmapBot, slack_settings: SlackSettings
) -> None:
    reminder = await bot.roadmap.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    await bot.fake.stop()  # connections are refused from now on
    bot.clock.set(NOW + timedelta(hours=1))
    # Tried again and again, then owed: the outbox posts it once Slack answers again.
    assert await bot.roadmap.fire(reminder.id, bot.chats()) is FireOutcome.OWED
    assert bot.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0]
    (stored,) = await bot.roadmap.reminders(ACME)
    assert stored.active  # it may work next time
