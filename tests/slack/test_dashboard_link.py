"""``/roadmap dashboard`` as Slack delivers it (a signed request to the real Bolt app): the
sign-in link is answered privately, and signs in as an admin exactly those who may triage."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.dashboard_access import DashboardAccess, Session, Visitor
from bot.identity import Person
from tests.core import core_on
from tests.fakes import FixedClock
from tests.slack.conftest import ACME, SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

ALICE, ADA = "U1", "U5"
DASHBOARD = "https://bot.example.com"
LINK = re.compile(re.escape(DASHBOARD) + r"/signin/([A-Za-z0-9_-]{43})")


@dataclass
class DashboardBot:
    fake: FakeSlack
    slack: SlackSender
    access: DashboardAccess

    async def ask(self, user_id: str) -> str:
        """``/roadmap dashboard`` from that user; the answer, which must be private."""
        count = len(self.fake.responses) + 1
        reply = await self.slack.command("/roadmap", "dashboard", user_id=user_id)
        assert reply.status_code == 200 and not reply.content  # answered later, privately
        responses = await self.fake.wait_for_responses(count)
        body = responses[count - 1][1]
        assert body["response_type"] == "ephemeral"
        return str(body["text"])

    async def visitor(self, answer: str) -> Visitor:
        (token,) = LINK.findall(answer)
        session = await self.access.sign_in(token)
        assert isinstance(session, Session)
        return session.visitor


@pytest.fixture
async def bot(
    fake: FakeSlack, sqlite_engine: AsyncEngine, slack_settings: SlackSettings
) -> AsyncIterator[DashboardBot]:
    fake.add_user(ADA, "ada", "T1", display_name="Ada", is_admin=True)
    core = core_on(sqlite_engine, FixedClock(), dashboard_url=DASHBOARD)
    conversation = core.conversation(slack_surface(slack_settings))
    async with SlackAdapter(conversation, slack_settings, enrichment=core.enrichment) as adapter:
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        sender = SlackSender(base_url, SECRET, response_url=fake.response_url())
        try:
            yield DashboardBot(fake, sender, core.access)
            await adapter.settled()
        finally:
            await runner.cleanup()


async def test_a_workspace_admin_gets_a_private_link_that_signs_in_as_admin(
    bot: DashboardBot,
) -> None:
    answer = await bot.ask(ADA)
    assert answer.startswith(f"Your dashboard link: {DASHBOARD}/signin/")
    assert "It works once, within 10 minutes" in answer and "as an admin" in answer
    assert await bot.visitor(answer) == Visitor(ACME, Person(ADA, "Ada"), admin=True)
    assert bot.fake.calls_to("chat.postMessage") == []  # nothing in the channel


async def test_a_member_gets_a_link_that_signs_in_without_triage(bot: DashboardBot) -> None:
    answer = await bot.ask(ALICE)
    assert "as a member (not an admin)" in answer
    assert await bot.visitor(answer) == Visitor(ACME, Person(ALICE, "Alice"), admin=False)
