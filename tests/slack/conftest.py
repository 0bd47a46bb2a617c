"""The real Bolt app behind the real HTTP server, a fake Slack Web API, a real SQLite database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.chat import SlackDeliveries
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.delivery import Delivery
from bot.identity import Platform, Workspace
from bot.items import Item
from bot.service import FeedbackService
from tests.core import core_on
from tests.fakes import FixedClock
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

SLACK_EPOCH = 1_700_000_000

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# The triage channel of the bots that ``fake_slack_settings`` configures.
TRIAGE = "C-TRIAGE"


def fake_slack_settings(fake: FakeSlack, database_url: str) -> dict[str, str]:
    """What ``feedbackbot run`` reads to serve Slack over HTTP on 127.0.0.1, against ``fake``'s
    Web API, with ``TRIAGE`` as its triage channel (the port is the caller's to add)."""
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SLACK_TRIAGE_CHANNEL": TRIAGE,
        "HOST": "127.0.0.1",
    }


ACME = Workspace(Platform.SLACK, "T1")
GLOBEX = Workspace(Platform.SLACK, "T2")


def process_environment(api_url: str, home: Path) -> dict[str, str]:
    """A clean environment in which ``feedbackbot run`` serves Slack over HTTP on 127.0.0.1,
    against the fake Slack at ``api_url``."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "HOST": "127.0.0.1",
    }


@dataclass
class SlackBot:
    fake: FakeSlack
    slack: SlackSender
    service: FeedbackService
    base_url: str
    adapter: SlackAdapter
    delivery: Delivery
    clock: FixedClock

    async def settled(self) -> None:
        """Wait until the bot has finished what it does after answering Slack."""
        await self.adapter.settled()

    async def catch_up(self, after: timedelta = timedelta(seconds=30)) -> int:
        """Let ``after`` pass, then deliver what is owed by then, as the outbox's round does;
        how many messages it took up."""
        await self.settled()
        self.clock.advance(after)
        return await self.delivery.run_due()

    async def owed(self) -> int:
        """How many messages the bot still owes."""
        async with self.delivery.uow() as uow:
            return await uow.outbox.pending()

    async def items(self, workspace: Workspace = ACME) -> list[Item]:
        return [item async for item in self.service.export(workspace)]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", "alice", "T1", display_name="Alice")
        fake.add_user("U2", "bob", "T1", display_name="Bob")
        fake.add_user("U9", "gina", "T-PARTNER", display_name="Gina (Partner Co)")
        fake.add_channel("C1")
        yield fake


@pytest.fixture
def slack_settings(fake: FakeSlack) -> SlackSettings:
    return SlackSettings(bot_token="xoxb-test", signing_secret=SECRET, api_url=fake.api_url)


async def start_bot(
    fake: FakeSlack,
    engine: AsyncEngine,
    settings: SlackSettings,
    ack_budget_s: float = 1.5,
    auth_retry_s: float = 1.0,
    users_info_timeout_s: float = 5.0,
) -> AsyncIterator[SlackBot]:
    # The fake Slack's clock: its message timestamps start there, as Slack's are its time.
    clock = FixedClock(datetime.fromtimestamp(SLACK_EPOCH, UTC))
    core = core_on(engine, clock)
    service = core.feedback
    conversation = core.conversation(slack_surface(settings))
    async with SlackAdapter(
        conversation,
        settings,
        enrichment=core.enrichment,
        ack_budget_s=ack_budget_s,
        auth_retry_s=auth_retry_s,
        users_info_timeout_s=users_info_timeout_s,
    ) as adapter:
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        core.delivery.serve(Platform.SLACK, SlackDeliveries(adapter.client))
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield SlackBot(
                fake,
                SlackSender(base_url, SECRET, response_url=fake.response_url()),
                service,
                base_url,
                adapter,
                core.delivery,
                clock,
            )
        finally:
            await runner.cleanup()


@pytest.fixture
async def bot(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    async for running in start_bot(fake, sqlite_engine, slack_settings):
        yield running


@pytest.fixture
async def bot_with_external_channel(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[SlackBot]:
    settings = replace(slack_settings, external_channels=frozenset({"C-SHARED"}))
    async for running in start_bot(fake, sqlite_engine, settings):
        yield running
