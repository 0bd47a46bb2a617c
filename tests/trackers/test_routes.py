"""The webhook routes' answers for what is not a change: a tracker not configured, a body too
large, a database that cannot take the change (503, so the tracker delivers it again)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.trackers.routes import MAX_BODY_BYTES, add_tracker_webhooks
from adapters.trackers.settings import GitHubSettings, TrackerSettings
from bot.core import Core
from tests.core import core_on
from tests.trackers.conftest import GITHUB_SECRET, Bot
from tests.trackers.fake_server import Delivery

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(sqlite_engine: AsyncEngine) -> AsyncIterator[Client]:
    """GitHub configured without a webhook secret; Jira not at all."""
    core: Core = core_on(sqlite_engine)
    app = web.Application()
    add_tracker_webhooks(app, core, TrackerSettings(github=GitHubSettings("ghp_x")))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_tracker_not_configured_answers_404_saying_what_to_set(client: Client) -> None:
    async with client.post("/webhooks/jira", data=b"{}") as answer:
        assert answer.status == 404
        assert await answer.text() == (
            "Jira webhooks are not configured here (set JIRA_URL and JIRA_WEBHOOK_SECRET)"
        )


async def test_github_without_a_webhook_secret_takes_no_delivery(client: Client) -> None:
    async with client.post("/webhooks/github", data=b"{}") as answer:
        assert answer.status == 404
        assert "GITHUB_WEBHOOK_SECRET" in await answer.text()


async def test_a_body_too_large_is_refused(bot: Bot) -> None:
    sent = bot.github.delivery(bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET)
    huge = Delivery(sent.url, sent.headers, b" " * (MAX_BODY_BYTES + 1))
    answer = await bot.github.send(huge)
    assert answer.status == 413


async def test_a_database_that_fails_answers_503_for_the_tracker_to_retry(bot: Bot) -> None:
    await bot.request("SSO for the admin console")
    await bot.link(1, "acme/widgets#12")
    cascade = " CASCADE" if bot.engine.dialect.name == "postgresql" else ""
    async with bot.engine.begin() as connection:
        await connection.execute(text(f"DROP TABLE issue_links{cascade}"))
    bot.github.close("acme/widgets", 12, "completed")
    answer = await bot.github.deliver(
        bot.github_hook, "closed", "acme/widgets", 12, secret=GITHUB_SECRET
    )
    assert answer.status == 503
