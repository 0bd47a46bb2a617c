"""KPI benchmark: ``feedbackbot stats`` and the dashboard's chart series of a workspace with
1,000,000 items, read from the figures the database keeps (storage/kpis.py).

Run from the repository root: ``python -m bench.kpis [--items N] [--postgres URL]
[--runs N]``. Seeds as bench/roadmap.py does, then acknowledges every item (after one second to
a day) and breaches one in twenty, and times the KPIs of all time, of the last 30 days and of a
period cutting days at both ends, and the charts. Target: p95 well under 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.roadmap import (
    DEFAULT_POSTGRES,
    SPACING_S,
    START,
    WORKSPACE,
    drop_postgres_database,
    seed,
    with_postgres_database,
)
from storage.engine import create_engine
from storage.kpis import rebuild_kept_figures
from storage.schema import migrate
from storage.unit_of_work import SqlUnitOfWork
from storage.url import database_url


async def seed_history(engine: AsyncEngine, count: int) -> None:
    """bench/roadmap.py's items, acknowledged and some breached, the figures counted again."""
    await seed(engine, count)
    postgres = engine.dialect.name == "postgresql"
    later = (
        "created_at + ((number % 86400) * 7919 % 86400 + 1) * interval '1 second'"
        if postgres
        else "datetime(created_at, '+' || ((number % 86400) * 7919 % 86400 + 1) || ' seconds') "
        "|| '.000000'"
    )
    deadline = (
        "created_at + interval '1 day'"
        if postgres
        else "datetime(created_at, '+1 day') || '.000000'"
    )
    async with engine.begin() as conn:
        if postgres:
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(f"UPDATE items SET acknowledged_at = {later}"))
        await conn.execute(
            text(
                "INSERT INTO sla_breaches (item_id, workspace_id, deadline, breached_at) "
                f"SELECT id, workspace_id, {deadline}, {deadline} FROM items "
                "WHERE number % 20 = 0"
            )
        )
        await rebuild_kept_figures(conn)
    async with engine.connect() as conn:
        if postgres:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def timed(runs: int, call: Callable[[int], Awaitable[object]]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``runs`` calls, after one to warm up."""
    await call(-1)
    timings = []
    for run in range(runs):
        started = time.perf_counter()
        await call(run)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, round(0.95 * runs) - 1)]


async def bench(url: str, label: str, count: int, runs: int) -> float:
    engine = create_engine(database_url(url))
    worst = 0.0
    try:
        await migrate(engine)
        started = time.perf_counter()
        await seed_history(engine, count)
        print(f"{label}: {count:,} items seeded in {time.perf_counter() - started:.1f} s")
        until = START + timedelta(seconds=SPACING_S * count)

        async def kpis(since: datetime | None, shift: int) -> object:
            async with SqlUnitOfWork(engine) as uow:
                moved = timedelta(seconds=shift)
                return await uow.kpis.kpis(WORKSPACE, since and since + moved, until + moved)

        async def charts(shift: int) -> object:
            async with SqlUnitOfWork(engine) as uow:
                return await uow.kpis.charts(WORKSPACE, until + timedelta(seconds=shift))

        cut = until - timedelta(days=400, hours=7)
        cases: list[tuple[str, Callable[[int], Awaitable[object]]]] = [
            ("kpis, all time", lambda run: kpis(None, run)),
            ("kpis, last 30 days", lambda run: kpis(until - timedelta(days=30), run)),
            ("kpis, 400 days cut", lambda run: kpis(cut, run)),
            ("charts (26 weeks, 12 months)", charts),
        ]
        for name, call in cases:
            p50, p95 = await timed(runs, call)
            worst = max(worst, p95)
            print(f"  {name:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    finally:
        await engine.dispose()
    return worst


async def main(arguments: argparse.Namespace) -> int:
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'kpis.db'}"
        worst = max(worst, await bench(sqlite_url, "SQLite", arguments.items, arguments.runs))
    pg_url, name = await with_postgres_database(arguments.postgres, "kpis")
    try:
        worst = max(worst, await bench(pg_url, "PostgreSQL", arguments.items, arguments.runs))
    finally:
        await drop_postgres_database(arguments.postgres, name)
    print("target met (p95 < 150 ms)" if worst < 150 else "target NOT met (p95 >= 150 ms)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FEEDBACKBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where the user may create databases",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
