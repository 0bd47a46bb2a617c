"""Nothing owed is lost across faults of Slack and of the process: real ``feedbackbot run``
processes, real signed commands, the fake Slack Web API in this process with its time-windowed
faults, and a real database. After each fault ends and the bot has caught up, every stored item
has exactly one thank-you in the channel (found by the marker in its metadata), noted with the
item so it can be voted on, and nothing is left owed."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.app.stopping import STOP_S
from bot.identity import Platform, Workspace
from bot.outbox import thanks_key
from storage.engine import create_engine
from storage.tables import items, outbox
from storage.url import database_url
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET, process_environment
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

START_TIMEOUT_S = 60
# How long the bot may take to catch up once a fault is over: the outbox's back-off tops out at
# 15 s between attempts, and the faults here last a few seconds.
CATCH_UP_S = 25
# Short, so that a restarted process takes over what a killed one held within seconds rather
# than after the default half minute.
LEASE_S = 2
ACME = Workspace(Platform.SLACK, "T1")


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    port: int
    log: list[str] = field(default_factory=list)
    reading: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def read_log(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode(errors="replace"))

    async def ended(self) -> int:
        code = await asyncio.wait_for(self.process.wait(), 30)
        if self.reading is not None:
            await asyncio.wait_for(self.reading, 10)
        return code


@asynccontextmanager
async def started(
    fake: FakeSlack, tmp_path: Path, database: str, *, workers: int = 1
) -> AsyncIterator[Bot]:
    """``feedbackbot run`` once it says it serves (every worker, with several); killed at the
    end of the block if the test left it running."""
    port = free_port()
    env = {
        **process_environment(fake.api_url, tmp_path),
        "PORT": str(port),
        "DATABASE_URL": database,
        "LOG_LEVEL": "INFO",
        "WORKERS": str(workers),
        "OUTBOX_LEASE_SECONDS": str(LEASE_S),
    }
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT, "run", env=env, cwd=tmp_path, stderr=subprocess.PIPE
    )
    bot = Bot(process, port)
    try:
        assert process.stderr is not None
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:
                line = (await process.stderr.readline()).decode(errors="replace")
                assert line, "feedbackbot run ended before serving:\n" + "".join(bot.log)
                bot.log.append(line)
                if "health at GET /healthz" in line:
                    break
        bot.reading = asyncio.create_task(bot.read_log())
        yield bot
    except BaseException:
        print("".join(bot.log))  # shown by pytest with the failure: what the process said
        raise
    finally:
        if process.returncode is None:
            process.kill()
        await bot.ended()


@dataclass(frozen=True)
class Stored:
    """What the database says about the items and the messages owed for them."""

    numbers: list[int]
    # Item number -> (channel, message ts) of its noted thank-you, for the items whose thanks
    # is noted (acknowledged, with the message people vote on).
    noted: dict[int, tuple[str, str]]
    pending: int
    pending_claimed: int


async def stored(engine: AsyncEngine) -> Stored:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    items.c.number,
                    items.c.acknowledged_at,
                    items.c.thanks_channel_id,
                    items.c.thanks_message_id,
                )
            )
        ).all()
        pending = (
            await connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
            )
        ).scalar_one()
        pending_claimed = (
            await connection.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.done_at.is_(None), outbox.c.claimed_by.is_not(None))
            )
        ).scalar_one()
    noted = {
        number: (channel, ts)
        for number, acknowledged_at, channel, ts in rows
        if acknowledged_at is not None and channel is not None and ts is not None
    }
    return Stored(sorted(number for number, *_ in rows), noted, pending, pending_claimed)


async def until(
    check: Callable[[], Awaitable[bool]], within_s: float, describe: Callable[[], Awaitable[str]]
) -> None:
    """Poll ``check`` (a real process's progress can only be read, not awaited) until it holds
    or ``within_s`` has passed."""
    deadline = time.monotonic() + within_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s} s: {await describe()}")
        await asyncio.sleep(0.2)


def thank_yous(fake: FakeSlack, count: int) -> dict[int, list[str]]:
    """Item number -> the ts of every message in C1 that carries its thank-you's marker."""
    by_key = {thanks_key(ACME, number): number for number in range(1, count + 1)}
    found: dict[int, list[str]] = {number: [] for number in by_key.values()}
    for message in fake.messages("C1"):
        key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key")
        if key in by_key:
            found[by_key[key]].append(message["ts"])
    return found


async def restarted_until_caught_up(
    fake: FakeSlack, tmp_path: Path, database: str, engine: AsyncEngine, count: int
) -> None:
    """Start the bot again on the same database, let it catch up, and stop it cleanly."""
    async with started(fake, tmp_path, database) as second:
        await caught_up(fake, engine, count)
        second.process.send_signal(signal.SIGTERM)
        assert await second.ended() == 0


async def caught_up(fake: FakeSlack, engine: AsyncEngine, count: int) -> None:
    """Until every one of ``count`` items is noted as thanked and nothing is owed."""

    async def done() -> bool:
        now = await stored(engine)
        return len(now.noted) == count and now.pending == 0

    async def describe() -> str:
        now = await stored(engine)
        posted = sum(1 for each in thank_yous(fake, count).values() if each)
        return (
            f"{len(now.noted)} of {count} items noted as thanked, {now.pending} owed, "
            f"{posted} thanked in C1"
        )

    await until(done, CATCH_UP_S, describe)


async def assert_each_thanked_once(fake: FakeSlack, engine: AsyncEngine, count: int) -> None:
    now = await stored(engine)
    assert now.numbers == list(range(1, count + 1))  # nothing lost, nothing stored twice
    posted = thank_yous(fake, count)
    assert {number: len(each) for number, each in posted.items()} == dict.fromkeys(posted, 1)
    # Noted as the very message posted, so a vote on it counts.
    assert now.noted == {number: ("C1", each[0]) for number, each in posted.items()}
    assert now.pending == 0


async def send(bot: Bot, fake: FakeSlack, count: int) -> list[httpx.Response]:
    sender = SlackSender(bot.base, SECRET, response_url=fake.response_url())
    return list(
        await asyncio.gather(
            *(sender.command("/feedback", f"note {index}") for index in range(count))
        )
    )


def assert_recorded(answers: list[httpx.Response]) -> None:
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    said = [answer.json().get("text", "") for answer in answers]
    assert all("Recorded as #" in text for text in said), said


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Slack on the system clock, as the processes are: they look for their own posts
    from a time on."""
    async with FakeSlack(clock=time.time) as fake:
        fake.add_user("U1", "alice", "T1", display_name="Alice")
        fake.add_channel("C1")
        yield fake


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A SQLite database for the bot (created by its first start), and an engine to read it."""
    url = database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    engine = create_engine(url)
    try:
        yield url, engine
    finally:
        await engine.dispose()


async def test_thank_yous_posted_by_a_process_killed_before_slack_answered_are_found_not_reposted(
    fake: FakeSlack, tmp_path: Path, sqlite_database: tuple[str, AsyncEngine]
) -> None:
    database, engine = sqlite_database
    count = 20
    async with started(fake, tmp_path, database) as first:
        # Every call is handled but not answered: the posts land, the process never learns so,
        # and nothing it asks to find them is answered either.
        with fake.slow(handled=True):
            answers = await send(first, fake, count)
            await fake.wait_for("chat.postMessage", count, timeout=20)
            first.process.kill()
            assert await first.ended() == -signal.SIGKILL
    before_restart = await stored(engine)
    posts_before_restart = len(fake.calls_to("chat.postMessage"))
    lookups_before_restart = len(fake.calls_to("conversations.history"))

    await restarted_until_caught_up(fake, tmp_path, database, engine, count)

    assert_recorded(answers)
    # Every one still held by the killed process: the restart took them over once its lease ran out.
    assert (before_restart.pending, before_restart.pending_claimed) == (count, count)
    assert not before_restart.noted
    await assert_each_thanked_once(fake, engine, count)
    assert len(fake.calls_to("chat.postMessage")) == posts_before_restart  # none posted again
    lookups = fake.calls_to("conversations.history")[lookups_before_restart:]
    assert lookups and all(call.json_arg("include_all_metadata") for call in lookups)


async def test_sigterm_while_slack_answers_500_exits_in_time_and_the_next_start_thanks_each_once(
    fake: FakeSlack, tmp_path: Path, sqlite_database: tuple[str, AsyncEngine]
) -> None:
    database, engine = sqlite_database
    count = 20
    async with started(fake, tmp_path, database) as first:
        with fake.server_error("chat.postMessage") as fault:
            answers = await send(first, fake, count)
            await fault.hit(count, timeout=20)
            first.process.send_signal(signal.SIGTERM)
            asked = time.monotonic()
            code = await first.ended()
            took = time.monotonic() - asked
    left = await stored(engine)

    await restarted_until_caught_up(fake, tmp_path, database, engine, count)

    assert_recorded(answers)
    assert code == 0 and took < STOP_S
    assert left.numbers == list(range(1, count + 1))
    assert (left.pending, left.pending_claimed) == (count, 0)  # owed, and handed back
    assert not left.noted
    await assert_each_thanked_once(fake, engine, count)


async def test_sigterm_while_thank_yous_hang_hands_them_back_and_the_next_start_finds_them(
    fake: FakeSlack, tmp_path: Path, sqlite_database: tuple[str, AsyncEngine]
) -> None:
    database, engine = sqlite_database
    count = 10
    async with started(fake, tmp_path, database) as first:
        # Posted, but Slack's answers never come while the process stops.
        with fake.slow("chat.postMessage", handled=True):
            answers = await send(first, fake, count)
            await fake.wait_for("chat.postMessage", count, timeout=20)
            first.process.send_signal(signal.SIGTERM)
            asked = time.monotonic()
            code = await first.ended()
            took = time.monotonic() - asked
    left = await stored(engine)
    posts_before_restart = len(fake.calls_to("chat.postMessage"))

    await restarted_until_caught_up(fake, tmp_path, database, engine, count)

    assert_recorded(answers)
    assert code == 0 and took < STOP_S
    assert (left.pending, left.pending_claimed) == (count, 0)  # handed back, not held
    assert f"left {count} owed message(s) for the next start" in "".join(first.log)
    await assert_each_thanked_once(fake, engine, count)
    assert len(fake.calls_to("chat.postMessage")) == posts_before_restart  # found, not reposted


async def test_commands_while_slack_is_unreachable_are_all_recorded_and_thanked_once_it_is_back(
    fake: FakeSlack, tmp_path: Path, sqlite_database: tuple[str, AsyncEngine]
) -> None:
    database, engine = sqlite_database
    count = 20
    async with started(fake, tmp_path, database) as bot:
        await fake.refuse_connections()
        try:
            answers = await send(bot, fake, count)
            while_refused = await stored(engine)
        finally:
            await fake.accept_connections()
        await caught_up(fake, engine, count)
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.ended() == 0

    assert_recorded(answers)  # nothing silently dropped
    assert while_refused.numbers == list(range(1, count + 1))
    assert while_refused.pending == count and not while_refused.noted
    await assert_each_thanked_once(fake, engine, count)


@pytest.mark.parametrize(
    "database_url_for_test", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_workers_on_postgresql_thank_each_item_once_after_a_rate_limited_window(
    fake: FakeSlack, tmp_path: Path, database_url_for_test: str
) -> None:
    count = 40
    engine = create_engine(database_url_for_test)
    try:
        async with started(fake, tmp_path, database_url_for_test, workers=2) as bot:
            with fake.rate_limited(retry_after=1):
                answers = await send(bot, fake, count)
                # Every item's thank-you is tried at once, and refused, while the window lasts.
                await fake.wait_for("chat.postMessage", count, timeout=20)
            limited = [call for call in fake.calls_to("chat.postMessage") if not call.answered_ok]
            await caught_up(fake, engine, count)
            bot.process.send_signal(signal.SIGTERM)
            assert await bot.ended() == 0

        assert_recorded(answers)
        assert len(limited) >= count
        await assert_each_thanked_once(fake, engine, count)
    finally:
        await engine.dispose()
