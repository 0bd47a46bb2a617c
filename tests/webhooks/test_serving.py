"""``feedbackbot run``'s webhook piece, in this process: every item event reaches the receiver
while it serves, and the first process knows the triage channel to tell."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.app.composition import open_app
from adapters.app.serving import serving
from adapters.app.settings import load_settings
from adapters.sealing import new_key
from bot.identity import Person, Platform, Workspace
from bot.items import ItemKind
from bot.service import Submission
from storage.url import database_url
from tests.browser.served import environment
from tests.fakes import FixedClock
from tests.processes import free_port
from tests.slack.conftest import TRIAGE
from tests.slack.conftest import fake as fake
from tests.slack.fake_slack import FakeSlack
from tests.webhooks.receiver import Receiver

TEAM = Workspace(Platform.SLACK, "T1")


async def test_run_delivers_webhooks_and_knows_the_triage_channel(
    fake: FakeSlack,
    tmp_path: Path,
) -> None:
    url = database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    environ = {
        **environment(fake, url, free_port()),
        "FEEDBACKBOT_SEAL_KEY": new_key(),
        "WEBHOOK_CONCURRENCY": "8",
    }
    settings = load_settings(environ)
    assert (settings.webhook_concurrency, settings.webhook_timeout_s) == (8, 10)
    clock = FixedClock(datetime.now(UTC))
    async with (
        Receiver() as receiver,
        open_app(settings, clock, webhooks=True) as app,
        serving(app),
    ):
        dispatch = app.core.dispatch
        assert dispatch is not None and dispatch.concurrency == 8
        assert dispatch.channels is not None
        outlet = dispatch.channels.outlet(TEAM)
        assert outlet is not None and outlet.channel_id == TRIAGE
        _, secret = await app.core.webhooks.add(TEAM, receiver.url())
        receiver.trust(secret)
        await app.core.feedback.submit(
            Submission(TEAM, "C1", Person("U1", "Alice"), ItemKind.FEEDBACK, "Dark mode")
        )
        await receiver.wait_for(lambda r: len(r.payloads) == 1)
        assert receiver.payloads[0]["item"]["text"] == "Dark mode"
