"""``feedbackbot run`` in this process, as the composition root starts it (``open_app`` and
``serving``), on a real database, against the fake Slack Web API on 127.0.0.1 that records what
the bot posts; items arrive as signed Slack requests, and sign-in links come from
``feedbackbot dashboard link`` through ``main(...)``, as a person at the terminal gets them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.app.composition import App, open_app
from adapters.app.serving import Serving, serving
from adapters.app.settings import load_settings
from adapters.cli.main import main
from bot.items import Item
from tests.fakes import FixedClock
from tests.processes import free_port
from tests.slack.conftest import ACME, SECRET, fake_slack_settings
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.signed import SlackSender

TEAM = "T1"


@dataclass
class ServedBot:
    app: App
    served: Serving
    fake: FakeSlack
    clock: FixedClock
    slack: SlackSender
    environ: dict[str, str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.served.port}"

    @property
    def database(self) -> str:
        """``sqlite`` or ``postgresql``: which database it runs on (for artifacts' names)."""
        return self.app.engine.dialect.name

    async def record(
        self, command: str, text: str, *, user_id: str = "U1", channel_id: str = "C1"
    ) -> Item:
        """``/feedback`` or ``/request`` sent as Slack signs it; the item once its thank-you
        reached the fake Slack."""
        thanked = len(self.posts())
        answer = await self.slack.command(command, text, user_id=user_id, channel_id=channel_id)
        assert answer.status_code == 200, answer.text
        await self.served.settled()
        await self.fake.wait_for("chat.postMessage", thanked + 1)
        items = [item async for item in self.app.core.feedback.export(ACME)]
        return items[-1]

    async def vote(self, number: int, *, user_id: str) -> None:
        """A 👍 on the item's thank-you, as Slack sends it: a vote."""
        thanks = (await self.item(number)).thanks
        assert thanks is not None
        event_id = f"Ev-vote-{number}-{user_id}"
        answer = await self.slack.reaction(
            True, user=user_id, channel=thanks.channel_id, ts=thanks.message_id, event_id=event_id
        )
        assert answer.status_code == 200, answer.text
        await self.served.settled()
        assert (await self.item(number)).votes >= 1

    async def item(self, number: int) -> Item:
        found = await self.app.core.feedback.find(ACME, number)
        assert found is not None
        return found

    async def sign_in_link(self, name: str, *, user_id: str, admin: bool) -> str:
        """The URL ``feedbackbot dashboard link`` prints. ``main`` runs its own event loop, so
        it runs on a thread of its own, on the same database and settings as the server."""
        out = io.StringIO()
        argv = ["dashboard", "link", "--workspace", f"slack:{TEAM}", "--as", name]
        argv += ["--user-id", user_id, *(["--admin"] if admin else [])]
        code = await asyncio.to_thread(main, argv, self.environ, None, out)
        assert code == 0, out.getvalue()
        (url,) = [word for word in out.getvalue().split() if word.startswith(self.base)]
        return url

    def posts(self) -> list[Call]:
        return [c for c in self.fake.calls_to("chat.postMessage") if c.answered_ok]

    def thread_replies(self, thanks_ts: str) -> list[str]:
        return [str(c.args["text"]) for c in self.posts() if c.args.get("thread_ts") == thanks_ts]

    def dms(self, user_id: str) -> list[str]:
        return [str(c.args["text"]) for c in self.posts() if c.args.get("channel") == user_id]


def environment(fake: FakeSlack, database_url: str, port: int) -> dict[str, str]:
    """The settings ``feedbackbot run`` would read: Slack over HTTP on the fake, the dashboard on
    the same port (its links point there)."""
    return fake_slack_settings(fake, database_url) | {
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@asynccontextmanager
async def served_bot(
    fake: FakeSlack, database_url: str, extra: Mapping[str, str] | None = None
) -> AsyncIterator[ServedBot]:
    """The bot serving on a free port of 127.0.0.1 until the block ends; ``extra``: more
    settings (e.g. ``FEEDBACKBOT_SEAL_KEY``).

    Its clock is fixed (nothing waits for time), set to the moment the test starts: the sign-in
    links that ``feedbackbot dashboard link`` makes on the system clock are then fresh in it."""
    environ = environment(fake, database_url, free_port()) | dict(extra or {})
    clock = FixedClock(datetime.now(UTC))
    async with open_app(load_settings(environ), clock) as app, serving(app) as served:
        base = f"http://127.0.0.1:{served.port}"
        sender = SlackSender(base, SECRET, response_url=fake.response_url())
        yield ServedBot(app, served, fake, clock, sender, environ)
