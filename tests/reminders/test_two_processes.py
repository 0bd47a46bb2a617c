"""Exactly once, for real: two ``feedbackbot run`` processes on one PostgreSQL database and a
survey reminder due every minute. Each occurrence must reach Slack once, as one poll, and
people answering through either process are counted once each. Takes about two minutes,
since the minutes are real."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli import run_cli
from tests.conftest import POSTGRES_URL, _admin
from tests.postgres import connected
from tests.processes import FEEDBACKBOT, free_port
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

OCCURRENCES = 2

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip("FEEDBACKBOT_TEST_POSTGRES_URL is not set: the PostgreSQL tests are SKIPPED")
    name = f"feedbackbot_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_two_replicas_post_every_occurrence_once(
    postgres_url: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    async with FakeSlack() as fake:
        env = {
            **clean_env,
            "DATABASE_URL": postgres_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "HOST": "127.0.0.1",
            # APScheduler says when a timer went off only at DEBUG (adapters/app/log_quiet.py).
            "LOG_LEVEL": "DEBUG",
        }
        added = await asyncio.to_thread(
            run_cli,
            *("reminders", "add", "--workspace", "slack:T1", "--channel", "C-ROADMAP"),
            *("--kind", "survey", "--scale", "yes/no", "--text", "Did it go well?"),
            "cron * * * * *",
            env=env,
            cwd=tmp_path,
        )
        assert added.status == 0, added.stderr
        ports = [free_port(), free_port()]
        replicas = [await Replica.serving({**env, "PORT": str(port)}, tmp_path) for port in ports]
        try:
            # Up to a minute to the first occurrence, then one a minute.
            await fake.wait_for("chat.postMessage", OCCURRENCES, timeout=60 * (OCCURRENCES + 1))
            # A duplicate would come from the other replica's timer for the same minute: once
            # both timers went off for the newest claimed occurrence, stopping lets what they
            # started finish (posts included) and nothing else can start.
            newest = await newest_claim(postgres_url)
            async with asyncio.timeout(60):
                for replica in replicas:
                    await replica.fired_for(newest)
            # Three people answer the first poll through either process; one changes her mind.
            yes, no = buttons(fake.calls_to("chat.postMessage")[0].args)
            senders = [SlackSender(f"http://127.0.0.1:{port}", SECRET) for port in ports]
            for sender, action, user in (
                (senders[0], yes, "U-ANN"),
                (senders[1], no, "U-BEN"),
                (senders[1], yes, "U-CAT"),
                (senders[0], no, "U-ANN"),
                (senders[1], no, "U-ANN"),
            ):
                pressed = await sender.block_actions(action, user_id=user, channel_id="C-ROADMAP")
                assert pressed.status_code == 200
        finally:
            codes = [await replica.stopped() for replica in replicas]
    posts = fake.calls_to("chat.postMessage")
    assert codes == [0, 0]
    assert {call.args["channel"] for call in posts} == {"C-ROADMAP"}
    assert all("Did it go well?" in call.args["text"] for call in posts)
    assert len(posts) in (OCCURRENCES, OCCURRENCES + 1)  # the next minute may have begun
    # Every post is a different occurrence: the database holds one claim and one poll for each.
    assert await posted_claims(postgres_url) == (len(posts), len(posts))
    async with connected(postgres_url) as connection:
        assert await connection.fetchval("SELECT count(*) FROM survey_polls") == len(posts)
        answers = await connection.fetch(
            "SELECT user_id, value FROM survey_poll_answers ORDER BY user_id"
        )
    assert [(row["user_id"], row["value"]) for row in answers] == [
        ("U-ANN", 0),
        ("U-BEN", 0),
        ("U-CAT", 1),
    ]


def buttons(posted: dict[str, object]) -> list[str]:
    """The action ids of a post's buttons, in order (Yes, No)."""
    blocks = posted["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    assert isinstance(blocks, list)
    return [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@dataclass
class Replica:
    """``feedbackbot run``, and the lines it has logged so far."""

    process: asyncio.subprocess.Process
    log: list[str] = field(default_factory=list)
    logged: asyncio.Event = field(default_factory=asyncio.Event)
    reading: asyncio.Task[None] | None = None

    @classmethod
    async def serving(cls, env: dict[str, str], cwd: Path) -> Replica:
        process = await asyncio.create_subprocess_exec(
            FEEDBACKBOT, "run", env=env, cwd=cwd, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        async with asyncio.timeout(30):
            while b"serving Slack" not in (line := await process.stderr.readline()):
                assert line, "feedbackbot run ended before serving"
        replica = cls(process)
        replica.reading = asyncio.create_task(replica._read())
        return replica

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode(errors="replace"))
            self.logged.set()

    async def fired_for(self, occurrence: datetime) -> None:
        """Wait until the reminder's timer (APScheduler's cron job) went off for
        ``occurrence`` or later, as APScheduler logs it (at DEBUG)."""
        while not any(
            (fired := FIRED.search(line)) and datetime.fromisoformat(fired[1]) >= occurrence
            for line in self.log
        ):
            self.logged.clear()
            await self.logged.wait()

    async def stopped(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        if self.reading is not None:
            await asyncio.wait_for(self.reading, 10)
        return code


FIRED = re.compile(r'Running job ".*\(trigger: cron\[.*" \(scheduled at (.+)\)$')


async def newest_claim(url: str) -> datetime:
    async with connected(url) as connection:
        newest = await connection.fetchval("SELECT max(scheduled_for) FROM reminder_occurrences")
    assert isinstance(newest, datetime)
    return newest


async def posted_claims(url: str) -> tuple[int, int]:
    async with connected(url) as connection:
        row = await connection.fetchrow(
            "SELECT count(*), count(DISTINCT scheduled_for) FROM reminder_occurrences "
            "WHERE outcome = 'posted'"
        )
    return int(row[0]), int(row[1])
