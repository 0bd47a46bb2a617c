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
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.scheduler import ReminderScheduler
from bot.clock import SystemClock
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.messages import Message
from bot.ports import TryLater
from bot.reminders import Outlet
from bot.roadmap import RoadmapService
from storage import tables
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
# Words to search for: a subject from one list and a wish from another, chosen by the number
# with periods (13, 11) prime to each other, so each of the 143 sentences recurs evenly and a
# word of either list is found in about one item of every 11 or 13.
SUBJECTS = (
    "deploy pipeline",
    "login page",
    "billing export",
    "search results",
    "mobile app",
    "audit log",
    "single sign-on",
    "dark theme",
    "rate limits",
    "webhooks",
    "status page",
    "notifications",
    "spreadsheet import",
)
WISHES = (
    "faster",
    "easier to read",
    "more reliable",
    "accessible with a keyboard",
    "cheaper to run",
    "translated into German",
    "documented with examples",
    "quieter at night",
    "available offline",
    "safer for partners",
    "simpler to configure",
)


def _chosen(words: tuple[str, ...]) -> str:
    cases = " ".join(f"WHEN {i} THEN '{word}'" for i, word in enumerate(words))
    return f"CASE n % {len(words)} {cases} END"


_TEXT = f"""'Item ' || n || ': please make the ' || {_chosen(SUBJECTS)} || ' '
    || {_chosen(WISHES)}"""
_COLUMNS = (
    "workspace_id, number, kind, text, channel_id, author_id, author_name, stakeholder, "
    "priority, status, votes, created_at, acknowledged_at, status_changed_at"
)
_VALUES = f"""
    :workspace, n,
    CASE WHEN n % 3 = 0 THEN 'feedback' ELSE 'request' END,
    {_TEXT},
    'C' || (n % 50), 'U' || (n % 1000), 'user ' || (n % 1000),
    CASE WHEN n % 7 = 0 THEN 'external' ELSE 'internal' END,
    CASE WHEN n % 3 = 0 THEN NULL WHEN n % 5 = 0 THEN 'must-have' ELSE 'good-to-have' END,
    {_STATUS},
    (n * 31) % 97,
    {{created}},
    CASE WHEN {_STATUS} = 'new' THEN NULL ELSE {{moved}} END,
    CASE WHEN {_STATUS} = 'new' THEN NULL ELSE {{moved}} END"""
# Of the dashboard's seed: the items whose voters are stored one by one (every 50th; the others
# keep their count only), and those that breached their SLA (every 25th).
VOTERS_EVERY = 50
BREACHES_EVERY = 25
ADMIN_ID, ADMIN_NAME = "U-ADMIN", "Ada Admin"


class _Dialect:
    """The SQL that differs between PostgreSQL and SQLite, for times and number series."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.postgres = engine.dialect.name == "postgresql"

    def plus(self, moment: str, amount: str, unit: str) -> str:
        """``moment`` + ``amount`` (an SQL expression) ``unit``s, as the column stores it."""
        if self.postgres:
            return f"{moment} + ({amount}) * interval '1 {unit}'"
        return f"datetime({moment}, '+' || ({amount}) || ' {unit}s') || '.000000'"

    def series(self, name: str, count: str) -> str:
        """A table of one column ``name`` holding 1..``count``."""
        if self.postgres:
            return f"generate_series(1, {count}) AS {name}"
        return (
            f"(WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < {count}) "
            f"SELECT v AS {name} FROM s)"
        )


async def seed(engine: AsyncEngine, count: int, *, dashboard: bool = False) -> None:
    """Items and status changes generated inside the database: seconds, not minutes.

    Every tenth item that left new has its move in the history; with ``dashboard`` (what
    bench/dashboard.py shows), every such item has it, every 50th item has its voters stored
    one by one (with their names, where the schema keeps them), and every 25th breached its
    SLA. The rows go in with the database's triggers off, and what they keep (open item counts,
    breaches still new, the search index, the KPI figures) is counted again from the rows
    once, at the end: kept row by row, PostgreSQL's figures cost minutes for 20,000 items (each
    update of a figure's row leaves a version of it behind, for the transaction's end)."""
    sql = _Dialect(engine)
    async with engine.begin() as conn, _triggers_off(conn, sql):
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
        if sql.postgres:
            begin = "CAST(:start AS timestamptz)"
            start: object = START
        else:
            begin = ":start"
            start = START.strftime("%Y-%m-%d %H:%M:%S")
        created = sql.plus(begin, f"n * {SPACING_S}", "second")
        # Moved (acknowledged) a day to three weeks after it arrived.
        moved = sql.plus(created, "1 + n % 21", "day")
        values = _VALUES.format(created=created, moved=moved)
        await conn.execute(
            text(
                f"INSERT INTO items ({_COLUMNS}) SELECT {values} FROM {sql.series('n', ':count')}"
            ),
            {"workspace": workspace_id, "count": count, "start": start},
        )
        every = "" if dashboard else "AND number % 10 = 0"
        await conn.execute(
            text(
                "INSERT INTO status_changes (item_id, from_status, to_status, note, by_id, "
                f"by_name, at) SELECT id, 'new', status, '', :by_id, :by_name, status_changed_at "
                f"FROM items WHERE workspace_id = :workspace AND status <> 'new' {every}"
            ),
            {"workspace": workspace_id, "by_id": ADMIN_ID, "by_name": ADMIN_NAME},
        )
        if dashboard:
            await _seed_voters(conn, sql, workspace_id)
            await _seed_breaches(conn, sql, workspace_id)
    async with engine.connect() as conn:
        if sql.postgres:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


@contextlib.asynccontextmanager
async def _triggers_off(conn: AsyncConnection, sql: _Dialect) -> AsyncIterator[None]:
    """The block's writes go around the triggers; the figures the triggers keep are then
    counted again from the rows (storage.kpis.rebuild_kept_figures, and SQLite's full-text
    index rebuilt), in the same transaction."""
    if sql.postgres:
        # Triggers (and foreign key checks) fire only in the origin role.
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        await conn.execute(text("SET LOCAL session_replication_role = origin"))
    else:
        # SQLite cannot switch triggers off: they are dropped, and made again as they were.
        triggers = (
            await conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        ).all()
        for name, _ in triggers:
            await conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield
        for _, made in triggers:
            await conn.execute(text(made))
        searched = await conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'")
        )
        for (name,) in searched.all():
            await conn.execute(text(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')'))
    await rebuild_kept_figures(conn)


async def _seed_voters(conn: AsyncConnection, sql: _Dialect, workspace_id: int) -> None:
    # Named once the schema keeps voters' names (issue 15's migration 0009).
    named = "voter_name" in tables.votes.c
    name_column, name = (", voter_name", ", 'voter ' || k") if named else ("", "")
    await conn.execute(
        text(
            f"INSERT INTO votes (item_id, voter_id, created_at{name_column}) "
            f"SELECT items.id, 'U' || k, {sql.plus('items.created_at', 'k', 'minute')}{name} "
            # CROSS JOIN: SQLite then reads the items once, in the outer loop.
            f"FROM items CROSS JOIN {sql.series('k', '96')} "
            f"WHERE items.workspace_id = :workspace AND items.number % {VOTERS_EVERY} = 0 "
            "AND k <= items.votes"
        ),
        {"workspace": workspace_id},
    )


async def _seed_breaches(conn: AsyncConnection, sql: _Dialect, workspace_id: int) -> None:
    deadline = sql.plus("created_at", "1", "day")
    breached = sql.plus("created_at", "25", "hour")
    await conn.execute(
        text(
            "INSERT INTO sla_breaches (item_id, workspace_id, deadline, breached_at, posted_at, "
            f"outcome) SELECT id, workspace_id, {deadline}, {breached}, {breached}, 'posted' "
            f"FROM items WHERE workspace_id = :workspace AND number % {BREACHES_EVERY} = 0"
        ),
        {"workspace": workspace_id},
    )


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
