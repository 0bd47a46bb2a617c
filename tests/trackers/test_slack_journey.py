"""A GitHub issue's progress reaches people on Slack: ``feedbackbot run`` in this process as the
composition root starts it (``open_app`` with the trackers, ``serving``), items and commands as
Slack signs them on the real bolt app, the fake Slack recording what the bot posts, and the fake
GitHub serving the issue and sending its signed deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from adapters.app.composition import open_app
from adapters.app.serving import serving
from adapters.app.settings import load_settings
from bot.items import Status
from tests.browser.served import ServedBot, environment
from tests.fakes import FixedClock
from tests.processes import free_port
from tests.slack.conftest import SECRET as SLACK_SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender
from tests.trackers.fake_github import FakeGitHub

HOOK_SECRET = "gh-hook-secret"
TOKEN = "ghp_journey"


@asynccontextmanager
async def bot_with_github(
    fake: FakeSlack, github: FakeGitHub, database_url: str
) -> AsyncIterator[ServedBot]:
    environ = environment(fake, database_url, free_port()) | {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.api_url,
        "GITHUB_WEBHOOK_SECRET": HOOK_SECRET,
        "SLACK_ADMIN_USERS": "U-ADMIN",
    }
    clock = FixedClock(datetime.now(UTC))
    settings = load_settings(environ)
    async with open_app(settings, clock, trackers=True) as app, serving(app) as served:
        base = f"http://127.0.0.1:{served.port}"
        sender = SlackSender(base, SLACK_SECRET, response_url=fake.response_url())
        yield ServedBot(app, served, fake, clock, sender, environ)


async def test_a_linked_issue_closed_on_github_tells_the_requester_and_voters_on_slack(
    database_url_for_test: str,
) -> None:
    async with (
        FakeSlack() as fake,
        FakeGitHub(token=TOKEN) as github,
        bot_with_github(fake, github, database_url_for_test) as bot,
    ):
        fake.add_user("U-ADMIN", "morgan")
        github.add_issue("acme/widgets", 12, "Single sign-on")
        item = await bot.record("/request", "single sign-on please", user_id="U1")
        assert item.number == 1 and item.thanks is not None
        await bot.vote(1, user_id="U2")

        linked = await bot.slack.command(
            "/roadmap", "link #1 acme/widgets#12", user_id="U-ADMIN", user_name="morgan"
        )
        assert linked.status_code == 200, linked.text
        await bot.served.settled()
        assert (await bot.item(1)).status is Status.PLANNED

        github.close("acme/widgets", 12, "completed")
        url = f"{bot.base}/webhooks/github"
        answer = await github.deliver(url, "closed", "acme/widgets", 12, secret=HOOK_SECRET)
        assert answer.status == 202
        await bot.served.settled()
        await bot.app.core.delivery.run_due()

        shipped = await bot.item(1)
        assert shipped.status is Status.SHIPPED
        assert shipped.history[-1].by is not None
        assert shipped.history[-1].by.display_name == "GitHub acme/widgets#12"
        replies = bot.thread_replies(item.thanks.message_id)
        assert any("shipped" in reply for reply in replies), replies
        assert any("shipped" in dm for dm in bot.dms("U1")), bot.dms("U1")
        assert any("shipped" in dm for dm in bot.dms("U2")), bot.dms("U2")
