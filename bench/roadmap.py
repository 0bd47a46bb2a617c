"""Roadmap benchmark: the digest of a workspace with 1,000,000 items, and 1,000 reminders due in
the same minute.

Run from the repository root: ``python -m bench.roadmap [--items N] [--reminders N]
[--postgres URL]``. Targets: a digest under 200 ms on SQLite and on PostgreSQL; all reminders
posted within 60 s of their minute, each once. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.scheduler import ReminderScheduler
from bot.clock import SystemClock
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.messages import Message
from bot.ports import TryLater
from bot.reminders import Outlet
from bot.roadmap import RoadmapService
from storage.engine import create_engine
from storage.kpis import rebuild_kept_figures
from storage.schema import migrate
from storage.unit_of_work import SqlUnitOfWork
from storage.url import database_url
from tests.postgres import connected

WORKSPACE = Workspace(Platform.SLACK, "T-BENCH")
START = datetime(2023, 1, 1, tzinfo=UTC)
SPACING_S = 63  # a million items over two years
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"

# Statuses by share: most items of two years are settled.
_STATUS = """CASE
    WHEN ((n % 1000) * 7919) % 100 < 10 THEN 'new'
    WHEN ((n % 1000) * 7919) % 100 < 20 THEN 'under_review'
    WHEN ((n % 1000) * 7919) % 100 < 30 THEN 'planned'
    WHEN ((n % 1000) * 7919) % 100 < 35 THEN 'in_pilot'
    WHEN ((n % 1000) * 7919) % 100 < 75 THEN 'shipped'
    WHEN ((n % 1000) * 7919) % 100 < 95 THEN 'declined'
    ELSE 'duplicate' END"""
_COLUMNS = (
    "workspace_id, number, kind, text, channel_id, author_id, author_name, stakeholder, "
    "priority, status, votes, created_at"
)
_VALUES = f"""
    :workspace, n,
    CASE WHEN n % 3 = 0 THEN 'feedback' ELSE 'request' END,
    'Item ' || n || ': please make the deploy pipeline faster and easier to read',
    'C' || (n % 50), 'U' || (n % 1000), 'user ' || (n % 1000),
    CASE WHEN n % 7 = 0 THEN 'external' ELSE 'internal' END,
    CASE WHEN n % 3 = 0 THEN NULL WHEN n % 5 = 0 THEN 'must-have' ELSE 'good-to-have' END,
    {_STATUS},
    (n * 31) % 97,
    {{created}}"""


async def seed(engine: AsyncEngine, count: int) -> None:
    """Items and status changes generated inside the database: seconds, not minutes. On
    PostgreSQL the load goes around the triggers (``session_replication_role``, which needs a
    superuser) and the figures they keep are counted once afterwards, in SQL
    (``rebuild_kept_figures``); SQLite's triggers, plain statements, keep them as rows arrive."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        if postgres:
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(
            text(
                "INSERT INTO workspaces (platform, external_id, last_number, created_at) "
                "VALUES ('slack', :id, :count, :now)"
            ),
            {"id": WORKSPACE.id, "count": count, "now": START},
        )
        workspace_id = (
            await conn.execute(
                text("SELECT id FROM workspaces WHERE external_id = :id"), {"id": WORKSPACE.id}
            )
        ).scalar_one()
        if postgres:
            created = f"CAST(:start AS timestamptz) + n * interval '{SPACING_S} seconds'"
            items_sql = (
                f"INSERT INTO items ({_COLUMNS}) SELECT {_VALUES.format(created=created)} "
                "FROM generate_series(1, :count) AS n"
            )
            start: object = START
        else:
            created = f"datetime(:start, '+' || (n * {SPACING_S}) || ' seconds') || '.000000'"
            items_sql = (
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
                f"WHERE n < :count) INSERT INTO items ({_COLUMNS}) "
                f"SELECT {_VALUES.format(created=created)} FROM seq"
            )
            start = START.strftime("%Y-%m-%d %H:%M:%S")
        await conn.execute(
            text(items_sql), {"workspace": workspace_id, "count": count, "start": start}
        )
        # Every tenth item moved once, a day after it arrived.
        later = (
            "created_at + interval '1 day'"
            if postgres
            else "datetime(created_at, '+1 day') || '.000000'"
        )
        await conn.execute(
            text(
                "INSERT INTO status_changes (item_id, from_status, to_status, note, at) "
                f"SELECT id, 'new', status, '', {later} FROM items "
                "WHERE workspace_id = :workspace AND number % 10 = 0 AND status <> 'new'"
            ),
            {"workspace": workspace_id},
        )
        if postgres:
            await rebuild_kept_figures(conn)
    async with engine.connect() as conn:
        if postgres:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def digest_timings(engine: AsyncEngine, count: int, runs: int = 7) -> list[float]:
    roadmap = RoadmapService(lambda: SqlUnitOfWork(engine), SystemClock())
    until = START + timedelta(seconds=SPACING_S * count)
    since = until - timedelta(days=7)
    timings = []
    message = None
    for run in range(runs):
        started = time.perf_counter()
        # A different ``until`` each run, so nothing is shared between runs.
        message = await roadmap.digest(WORKSPACE, since, until + timedelta(seconds=run), 2000)
        timings.append((time.perf_counter() - started) * 1000)
    assert message is not None and "Roadmap update" in message.plain
    return timings


async def bench_digest(url: str, label: str, count: int) -> float:
    engine = create_engine(database_url(url))
    try:
        await migrate(engine)
        started = time.perf_counter()
        await seed(engine, count)
        seeded = time.perf_counter() - started
        timings = await digest_timings(engine, count)
    finally:
        await engine.dispose()
    median = statistics.median(timings)
    print(
        f"digest {label:<10} {count:>9,} items (seeded in {seeded:5.1f} s): "
        f"first {timings[0]:6.1f} ms, median {median:6.1f} ms, max {max(timings):6.1f} ms"
    )
    return median


class RateLimitedPlatform:
    """A fake platform (``Chat``) that takes one post per second per channel, like Slack's
    chat.postMessage; a faster post is refused as rate limited."""

    def __init__(self, expected: int) -> None:
        self.posted: list[tuple[str, float]] = []
        self.last: dict[str, float] = {}
        self.refused = 0
        self.expected = expected
        self.all_posted = asyncio.Event()

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        now = time.monotonic()
        if now - self.last.get(channel_id, -10.0) < 1.0:
            self.refused += 1
            raise TryLater("ratelimited", 1.0)
        self.last[channel_id] = now
        await asyncio.sleep(0.005)  # a round trip to the platform
        self.posted.append((channel_id, time.time()))
        if len(self.posted) >= self.expected:
            self.all_posted.set()
        return MessageRef(channel_id, str(len(self.posted)))

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        return None

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        return await self.post(channel_id, message, marker=marker)

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        return None


async def bench_reminders(url: str, label: str, count: int) -> bool:
    engine = create_engine(database_url(url))
    platform = RateLimitedPlatform(count)
    chats = PlatformDirectory()
    chats.register(Platform.SLACK, lambda _: Outlet(platform, 2000))
    roadmap = RoadmapService(lambda: SqlUnitOfWork(engine), SystemClock())
    scheduler = ReminderScheduler(roadmap, chats)
    try:
        await migrate(engine)
        await seed(engine, 1000)
        # Due at the start of the next minute, at least 15 s away so all are armed in time.
        due = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
        for number in range(count):
            await roadmap.add_reminder(
                WORKSPACE, f"C{number:04d}", f"cron {due.minute} {due.hour} * * *"
            )
        tracemalloc.start()
        await scheduler.start()
        print(f"reminders {label:<8} {count:,} reminders due at {due:%H:%M:%S} UTC; waiting")
        wait = (due - datetime.now(UTC)).total_seconds() + 120
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(platform.all_posted.wait(), wait)
        await asyncio.sleep(2)  # time for a duplicate to show, if there were one
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await scheduler.stop()
        await engine.dispose()
    per_channel = Counter(channel for channel, _ in platform.posted)
    last = max((at for _, at in platform.posted), default=float("nan"))
    took = last - due.timestamp()
    once = len(per_channel) == count and set(per_channel.values()) == {1}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"reminders {label:<8} {len(platform.posted):,} posted in {len(per_channel):,} channels; "
        f"last {took:5.1f} s after the minute; each once: {once}; refused for rate: "
        f"{platform.refused}; peak Python memory while firing {peak / 2**20:5.1f} MiB "
        f"(process peak RSS {rss:5.0f} MiB)"
    )
    return once and took < 60


async def with_postgres_database(base: str, suffix: str) -> tuple[str, str]:
    name = f"feedbackbot_bench_{suffix}_{uuid.uuid4().hex[:8]}"
    async with connected(base) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(base).set(database=name).render_as_string(False), name


async def drop_postgres_database(base: str, name: str) -> None:
    async with connected(base) as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(arguments: argparse.Namespace) -> int:
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'digest.db'}"
        ok &= await bench_digest(sqlite_url, "SQLite", arguments.items) < 200
        pg_url, name = await with_postgres_database(arguments.postgres, "digest")
        try:
            ok &= await bench_digest(pg_url, "PostgreSQL", arguments.items) < 200
        finally:
            await drop_postgres_database(arguments.postgres, name)
        reminders_url = f"sqlite:///{Path(folder) / 'reminders.db'}"
        ok &= await bench_reminders(reminders_url, "SQLite", arguments.reminders)
        pg_url, name = await with_postgres_database(arguments.postgres, "reminders")
        try:
            ok &= await bench_reminders(pg_url, "PostgreSQL", arguments.reminders)
        finally:
            await drop_postgres_database(arguments.postgres, name)
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FEEDBACKBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where the user may create databases",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
