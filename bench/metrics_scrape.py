"""Metrics benchmark: a scrape of ``GET /metrics`` whose gauges are read from a SQLite workspace
of 1,000,000 items (35% open, as ``bench.roadmap`` seeds them, and SLA breaches on a tenth of the
new ones), the gauges' cache off so every scrape reads the database.

Run from the repository root: ``python -m bench.metrics_scrape [--items N] [--all-open]``.
Target: a scrape under 100 ms. ``--all-open`` leaves every item open (the worst case).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from adapters.metrics.exposition import Metrics
from bench.roadmap import SPACING_S, START, seed
from storage.engine import create_engine
from storage.schema import migrate
from tests.fakes import FixedClock

TARGET_MS = 100.0


async def bench(count: int, all_open: bool, runs: int) -> int:
    with tempfile.TemporaryDirectory(prefix="fb-metrics-") as workdir:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        try:
            await migrate(engine)
            began = time.perf_counter()
            await seed(engine, count)
            async with engine.begin() as conn:
                if all_open:
                    await conn.execute(text("UPDATE items SET status = 'new'"))
                await conn.execute(
                    text(
                        "INSERT INTO sla_breaches (item_id, workspace_id, deadline, breached_at) "
                        "SELECT id, workspace_id, created_at, created_at FROM items "
                        "WHERE status = 'new' AND number % 10 = 0"
                    )
                )
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
            print(
                f"seeded {count:,} items in {time.perf_counter() - began:.1f} s "
                f"({'all open' if all_open else '35% open'})"
            )
            clock = FixedClock(START.replace(year=START.year + 3))
            metrics = Metrics(engine, clock, cache_s=0)
            timings: list[float] = []
            body = b""
            for _ in range(runs):
                started = time.perf_counter()
                body = await metrics.scrape()
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            await engine.dispose()
    open_items = sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        if family.name == "feedbackbot_open_items"
        for sample in family.samples
    )
    median, worst = statistics.median(timings), max(timings)
    print(
        f"open items in the scrape: {open_items:,.0f}; "
        f"items span {count * SPACING_S / 86400:.0f} days"
    )
    print(
        f"scrape of the gauges ({runs} runs): first {timings[0]:.1f} ms, median {median:.1f} ms, "
        f"max {worst:.1f} ms (target under {TARGET_MS:.0f} ms)"
    )
    return 0 if median < TARGET_MS else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_scrape", description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--all-open", action="store_true", help="every item open (worst case)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    return asyncio.run(bench(args.items, args.all_open, args.runs))


if __name__ == "__main__":
    sys.exit(main())
