"""``WORKERS=N``: ``feedbackbot run`` as several processes sharing the HTTP port, as an operator
starts it (real processes, real database, the fake Slack Web API)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from storage.engine import create_engine
from storage.tables import items
from tests.cli import run_cli
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET, process_environment
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

START_TIMEOUT_S = 60


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    base: str
    log: list[str] = field(default_factory=list)
    reading: asyncio.Task[None] | None = None

    def workers(self) -> list[int]:
        """The process ids of the workers the first process started (Linux)."""
        pid = self.process.pid
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]

    async def stopped(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 60)
        if self.reading is not None:
            await asyncio.wait_for(self.reading, 10)
        return code


async def _read_log(bot: Bot) -> None:
    assert bot.process.stderr is not None
    while line := await bot.process.stderr.readline():
        bot.log.append(line.decode(errors="replace"))


def _env(fake: FakeSlack, tmp_path: Path, port: int, database: str, workers: str) -> dict[str, str]:
    return {
        **process_environment(fake.api_url, tmp_path),
        "PORT": str(port),
        "DATABASE_URL": database,
        "LOG_LEVEL": "INFO",
        "WORKERS": workers,
    }


@asynccontextmanager
async def running(fake: FakeSlack, tmp_path: Path, database: str) -> AsyncIterator[Bot]:
    """``feedbackbot run`` with two workers, once it says it serves."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT,
        "run",
        env=_env(fake, tmp_path, port, database, "2"),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
    )
    bot = Bot(process, f"http://127.0.0.1:{port}")
    try:
        # The first process says it serves once every worker does.
        assert process.stderr is not None
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:
                line = (await process.stderr.readline()).decode(errors="replace")
                assert line, "".join(bot.log)
                bot.log.append(line)
                if "serving Slack" in line and "2 worker processes" in line:
                    break
        bot.reading = asyncio.create_task(_read_log(bot))
        yield bot
    finally:
        await bot.stopped()


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running(fake, tmp_path, f"sqlite:///{tmp_path / 'bot.db'}") as bot:
        yield bot


@pytest.fixture
async def bot_on_each_database(
    fake: FakeSlack, tmp_path: Path, database_url_for_test: str
) -> AsyncIterator[Bot]:
    async with running(fake, tmp_path, database_url_for_test) as bot:
        yield bot


async def test_two_workers_share_the_port_and_record_every_item_once(
    bot_on_each_database: Bot, fake: FakeSlack, database_url_for_test: str
) -> None:
    bot = bot_on_each_database
    sender = SlackSender(bot.base, SECRET, response_url=fake.response_url())
    # A new connection per request, so Linux spreads them over both workers.
    answers = await asyncio.gather(
        *(sender.command("/feedback", f"note {index} from the load") for index in range(40))
    )
    posted = await fake.wait_for("chat.postMessage", 40, timeout=30)
    assert await bot.stopped() == 0

    assert [answer.status_code for answer in answers] == [200] * 40
    assert all("Recorded as #" in answer.text for answer in answers)
    for index in range(40):
        assert sum(f"note {index} from" in call.args["text"] for call in posted) == 1
    engine = create_engine(database_url_for_test)
    try:
        async with engine.connect() as connection:
            numbers = (await connection.execute(select(items.c.number))).scalars().all()
    finally:
        await engine.dispose()
    assert sorted(numbers) == list(range(1, 41))
    recorded_by = {
        match.group(1)
        for line in bot.log
        if (match := re.search(r"\[worker (\d)\]: recorded feedback", line))
    }
    assert recorded_by == {"0", "1"}


async def test_stopping_the_first_process_stops_every_worker(bot: Bot) -> None:
    workers = bot.workers()
    assert len(workers) == 1

    assert await bot.stopped() == 0

    assert not any(_alive(pid) for pid in workers)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"{bot.base}/healthz")


async def test_a_worker_that_dies_stops_the_bot_with_its_reason(bot: Bot) -> None:
    (worker,) = bot.workers()

    os.kill(worker, signal.SIGKILL)
    code = await asyncio.wait_for(bot.process.wait(), 60)

    assert code == 1
    assert "worker 1 stopped (exit status -9)" in "".join(bot.log)


async def test_workers_stop_when_the_first_process_is_killed(bot: Bot) -> None:
    (worker,) = bot.workers()

    bot.process.kill()
    await bot.process.wait()

    await asyncio.wait_for(_exited(worker), 30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _exited(pid: int) -> None:
    """Wait for a process that is not our child to end: its pidfd turns readable (Linux)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    loop.add_reader(pidfd, ended.set_result, None)
    try:
        await ended
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


@pytest.mark.parametrize("value", ["0", "many", "65"])
def test_a_wrong_number_of_workers_is_named(fake: FakeSlack, tmp_path: Path, value: str) -> None:
    result = run_cli(
        "run",
        env=_env(fake, tmp_path, free_port(), f"sqlite:///{tmp_path / 'bot.db'}", value),
        cwd=tmp_path,
    )
    assert result.status == 2
    assert result.stderr.startswith("feedbackbot: configuration error: WORKERS")
