"""``feedbackbot run`` stopped with SIGTERM while Slack is slow, as Docker stops it: real
processes (two workers sharing the port), the fake Slack Web API behind a gate that holds every
call but ``auth.test`` until the test opens it, or for good."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from adapters.app.stopping import STOP_S
from storage.engine import create_engine
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

START_TIMEOUT_S = 60


class GatedSlack:
    """The fake Slack Web API behind a gate: ``auth.test`` passes (every process asks it first),
    every other call waits until ``open`` is set, then goes to the fake."""

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake
        self.open = asyncio.Event()
        self.waiting: list[str] = []
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.api_url = ""

    async def __aenter__(self) -> GatedSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._pass)
        # A stopping bot hangs up on calls it gave up; they must not hold this server's exit.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.api_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.open.set()
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()

    async def wait_for_waiting(self, method: str, count: int = 1) -> None:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: self.waiting.count(method) >= count), 20
            )

    async def _pass(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method != "auth.test":
            async with self._arrived:
                self.waiting.append(method)
                self._arrived.notify_all()
            await self.open.wait()
        assert self._session is not None
        async with self._session.request(
            request.method,
            self._fake.api_url + method,
            data=await request.read(),
            headers={
                name: value
                for name, value in request.headers.items()
                if name.lower() in {"content-type", "authorization"}
            },
        ) as answer:
            body = await answer.read()
            return web.Response(status=answer.status, body=body, content_type="application/json")


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    port: int
    log: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def read_log(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self._changed:
                self.log.append(line.decode(errors="replace"))
                self._changed.notify_all()

    async def wait_for_log(self, *needles: str, within_s: float = 20) -> None:
        """Until every needle has shown in some line of the log (of any process)."""

        def seen() -> bool:
            return all(any(needle in line for line in self.log) for needle in needles)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(seen), within_s)


@asynccontextmanager
async def running(gated: GatedSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    """``feedbackbot run`` with two workers, once the first says every one serves; killed at
    the end if a test left it running."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": gated.api_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "LOG_LEVEL": "INFO",
        "WORKERS": "2",
    }
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT, "run", env=env, cwd=tmp_path, stderr=subprocess.PIPE
    )
    bot = Bot(process, port)
    reading = asyncio.create_task(bot.read_log())
    try:
        await bot.wait_for_log("2 worker processes", within_s=START_TIMEOUT_S)
        yield bot
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await asyncio.wait_for(reading, 10)


async def owed_and_free(database: Path) -> tuple[int, int]:
    """How many messages the bot still owes, and how many of them nobody has claimed."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as conn:
            owed = await conn.scalar(text("SELECT count(*) FROM outbox WHERE done_at IS NULL"))
            free = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE done_at IS NULL AND claimed_by IS NULL")
            )
    finally:
        await engine.dispose()
    return int(owed or 0), int(free or 0)


def refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


async def test_after_sigterm_new_connections_are_refused_and_the_request_in_flight_is_answered(
    fake: FakeSlack, tmp_path: Path
) -> None:
    async with GatedSlack(fake) as gated, running(gated, tmp_path) as bot:
        sender = SlackSender(bot.base, SECRET, response_url=fake.response_url())
        in_flight = asyncio.create_task(sender.command("/feedback", "sent just before the stop"))
        await gated.wait_for_waiting("chat.postMessage")  # its thank-you is under way

        bot.process.send_signal(signal.SIGTERM)
        await bot.wait_for_log("[worker 0]: stopping", "[worker 1]: stopping")
        refused_while_stopping = refused(bot.port)
        gated.open.set()
        answer = await in_flight
        code = await asyncio.wait_for(bot.process.wait(), 30)
        posted = fake.calls_to("chat.postMessage")

    assert refused_while_stopping
    assert answer.status_code == 200
    assert code == 0
    assert [call.args["channel"] for call in posted] == ["C1"]  # its thank-you went out
    assert "sent just before the stop" in posted[0].args["text"]


async def test_the_bot_exits_within_the_stop_bound_when_slack_never_answers(
    fake: FakeSlack, tmp_path: Path
) -> None:
    async with GatedSlack(fake) as gated, running(gated, tmp_path) as bot:
        sender = SlackSender(bot.base, SECRET, response_url=fake.response_url())
        notes = (f"note {index}" for index in range(6))
        answers = asyncio.gather(
            *(sender.command("/feedback", note, user_id=f"U-{note}") for note in notes)
        )
        await gated.wait_for_waiting("chat.postMessage", 6)

        bot.process.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        code = await asyncio.wait_for(bot.process.wait(), 30)
        took = time.monotonic() - asked
        statuses = [answer.status_code for answer in await answers]

    assert took < STOP_S
    assert code == 0
    assert statuses == [200] * 6  # acknowledged in time, though nothing could be done
    assert "stop deadline" in "".join(bot.log)
    # The thank-yous are owed still, and no stopped process holds them.
    assert await owed_and_free(tmp_path / "bot.db") == (6, 6)
