"""An anonymous /feedback through the real Bolt app leaves no readable trace of its author in
any table or log line; with a seal key, the author is still told what became of it."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sealing import FernetSeal, new_key
from adapters.slack.app import SlackAdapter, slack_surface
from adapters.slack.chat import SlackChat
from adapters.slack.settings import SlackSettings
from adapters.web import build_web_app
from bot.identity import Person
from bot.items import Status
from bot.triage import TriageService
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import FixedClock
from tests.scan import every_row
from tests.slack.conftest import ACME, SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

# Long and distinctive, so a scan cannot meet it by chance inside a random sealed handle (a
# short id like "U1" turns up in base64 now and then).
AUTHOR_ID, AUTHOR_NAME = "U0ANONYMOUS42", "quiet-author"


class Everyone:
    async def may_triage(self, workspace: object, person: Person) -> bool:
        return True


async def test_an_anonymous_slack_item_leaves_no_trace_of_its_author_and_still_reaches_them(
    fake: FakeSlack,
    engine: AsyncEngine,
    slack_settings: SlackSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    fake.add_user(AUTHOR_ID, AUTHOR_NAME, "T1", display_name="Quiet Author")
    seal = FernetSeal(new_key())
    storage, clock = SqlStorage(engine), FixedClock()
    core = core_on(engine, clock, seal=seal)
    service = core.feedback
    async with SlackAdapter(
        core.conversation(slack_surface(slack_settings)),
        slack_settings,
        enrichment=core.enrichment,
    ) as adapter:
        runner = web.AppRunner(build_web_app(adapter.build(), signing_secret=SECRET))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            sender = SlackSender(
                f"http://127.0.0.1:{runner.addresses[0][1]}",
                SECRET,
                response_url=fake.response_url(),
            )
            author = {"user_id": AUTHOR_ID, "user_name": AUTHOR_NAME}
            await sender.command(
                "/feedback", "anonymous: the on-call rota burns people out", **author
            )
            await sender.command("/request", "anonymous must-have: fewer pages at night", **author)
            await adapter.settled()

            dump = await every_row(engine)
            assert "on-call rota" in dump and "fewer pages" in dump
            assert AUTHOR_ID not in dump and AUTHOR_NAME not in dump.lower()
            assert "quiet author" not in dump.lower()
            logged = "\n".join(record.getMessage() for record in caplog.records)
            assert AUTHOR_ID not in logged and AUTHOR_NAME not in logged.lower()
            assert "quiet author" not in logged.lower()
            public = [call.args["text"] for call in fake.calls_to("chat.postMessage")]
            assert len(public) == 2 and not any(AUTHOR_ID in text for text in public)

            triage = TriageService(service, storage.unit_of_work, clock, seal=seal)
            result = await triage.change_status(
                ACME,
                Person("U2", "Bob"),
                Everyone(),
                SlackChat(adapter.client),
                1,
                Status.PLANNED,
                note="next quarter",
            )
            assert result.told.thread and result.told.direct
            direct = [
                c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == AUTHOR_ID
            ]
            assert len(direct) == 1 and "next quarter" in direct[0]["text"]
            assert AUTHOR_ID not in await every_row(engine)
        finally:
            await runner.cleanup()
