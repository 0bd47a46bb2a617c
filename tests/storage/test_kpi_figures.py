"""The KPIs and their charts read figures the database keeps as items change (migration 0010's
triggers), on SQLite and PostgreSQL: checked against histories whose answers are known, as
items move, are merged, voted on and deleted, and against the same figures counted again from
the rows (``rebuild_kept_figures``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import DURATION_SERIES, Durations, KpiCharts, Kpis
from storage import tables
from storage.kpis import Buckets, bucket_bounds, pieces, rebuild_kept_figures
from storage.schema import migrate
from storage.unit_of_work import SqlStorage
from tests.fakes import ADA, BOB, CY
from tests.storage.test_triage import ACME, GLOBEX, MONDAY, Replica, replica

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
DEE = Person("U-DEE", "Dee")


def about(seconds: float) -> Any:
    """A time as the KPIs give it: within 2% (bot/kpis.py)."""
    return pytest.approx(seconds, rel=0.02)


async def charts(
    engine: AsyncEngine, until: datetime, workspace: Workspace = ACME, **sizes: int
) -> KpiCharts:
    async with SqlStorage(engine).unit_of_work() as uow:
        return await uow.kpis.charts(workspace, until, **sizes)


async def kpis(
    engine: AsyncEngine,
    since: datetime | None,
    until: datetime,
    workspace: Workspace | None = ACME,
) -> Kpis:
    async with SqlStorage(engine).unit_of_work() as uow:
        return await uow.kpis.kpis(workspace, since, until)


async def kept(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every kept figure that is not zero."""
    found = {}
    async with engine.connect() as conn:
        for table in (
            tables.kpi_items,
            tables.kpi_events,
            tables.kpi_open_votes,
            tables.open_item_counts,
        ):
            rows = await conn.execute(select(table).where(table.c.count != 0))
            found[table.name] = sorted(tuple(row) for row in rows)
        still_new = await conn.execute(
            select(tables.sla_breaches.c.item_id, tables.sla_breaches.c.still_new)
        )
        found["still_new"] = sorted(tuple(row) for row in still_new)
    return found


async def rebuilt(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.begin() as conn:
        await rebuild_kept_figures(conn)
    return await kept(engine)


async def add(r: Replica, at: datetime, **kwargs: Any) -> Item:
    kwargs.setdefault("kind", ItemKind.REQUEST)
    if kwargs["kind"] is ItemKind.REQUEST:
        kwargs.setdefault("priority", Priority.GOOD_TO_HAVE)
    return await r.add(str(at), at, **kwargs)


# -- charts against known histories --------------------------------------------------------


async def test_charts_count_items_and_breaches_per_week(engine: AsyncEngine) -> None:
    r = replica(engine)
    third_monday = MONDAY + 14 * DAY  # 2025-03-17 09:00
    until = third_monday + 3 * HOUR
    must = {"priority": Priority.MUST_HAVE}
    await add(r, MONDAY, **must)  # breached on Tuesday 09:00, week 1
    await add(r, MONDAY + DAY, kind=ItemKind.FEEDBACK, stakeholder=Stakeholder.EXTERNAL)
    await add(r, MONDAY + 8 * DAY)
    await add(r, third_monday - 3 * DAY - HOUR, **must)  # Friday: breached Monday 08:00
    await add(r, third_monday + HOUR, stakeholder=Stakeholder.EXTERNAL)  # the last, cut day
    await add(r, until + HOUR, kind=ItemKind.FEEDBACK)  # after ``until``: not shown
    await r.slas.check(r.channels(), third_monday + 2 * HOUR)

    shown = await charts(engine, until, weeks=3)

    assert shown.weeks == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]
    assert shown.items_per_week == {
        "feedback/internal": [0, 0, 0],
        "feedback/external": [1, 0, 0],
        "request/internal": [1, 2, 0],
        "request/external": [0, 0, 1],
    }
    assert shown.breaches_per_week == [1, 0, 1]


async def test_charts_time_each_months_events(engine: AsyncEngine) -> None:
    r = replica(engine)
    march, april, may = MONDAY, MONDAY + 35 * DAY, MONDAY + 68 * DAY  # 2025-05-10 09:00
    first = await add(r, march, ack_after=10)
    await add(r, march + DAY, ack_after=20)
    await add(r, april, ack_after=100)
    await r.move(first, Status.PLANNED, april + HOUR)  # left new after 35 days and 1 h
    await r.move(first, Status.SHIPPED, may)  # in the last, cut day of May
    await add(r, may - HOUR, ack_after=1000)

    shown = await charts(engine, may + HOUR, months=3)

    assert shown.months == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    ack, left, ship = (shown.durations[series] for series in DURATION_SERIES)
    assert [(d.count, d.median) for d in ack] == [(2, about(15)), (1, about(100)), (1, about(1000))]
    left_new = about(35 * 86400 + 3600)
    assert left == [Durations(), Durations(1, left_new, left_new), Durations()]
    assert [d.count for d in ship] == [0, 0, 1] and ship[2].median == about(68 * 86400)


async def test_charts_show_open_must_haves_by_age_and_open_items_by_votes(
    engine: AsyncEngine,
) -> None:
    r = replica(engine)
    now = MONDAY + 60 * DAY
    must = {"priority": Priority.MUST_HAVE}
    await add(r, now - 2 * HOUR, **must)  # < 1 day
    await add(r, now - 3 * DAY, **must)  # 1-7 days
    await add(r, now - 10 * DAY, **must)  # 1-4 weeks
    await add(r, now - 40 * DAY, **must)  # 1-3 months
    declined = await add(r, now - 50 * DAY, **must)  # closed: not shown
    kept_one = await add(r, now - 5 * DAY)
    merged = await add(r, now - 4 * DAY)
    await r.move(declined, Status.DECLINED, now - DAY)
    for voter in (ADA, BOB, CY):
        await r.feedback.vote(ACME, kept_one.number or 0, voter)
    await r.feedback.vote(ACME, merged.number or 0, DEE)
    assert (await charts(engine, now)).votes_on_open == [
        ("0", 4),
        ("1", 1),
        ("2-4", 1),
        ("5-9", 0),
        ("10+", 0),
    ]

    await r.move(merged, Status.DUPLICATE, now, duplicate_of=kept_one.number)
    shown = await charts(engine, now)

    assert shown.open_must_haves_by_age == [
        ("< 1 day", 1),
        ("1-7 days", 1),
        ("1-4 weeks", 1),
        ("1-3 months", 1),
        ("> 3 months", 0),
    ]
    assert shown.votes_on_open == [("0", 4), ("1", 0), ("2-4", 1), ("5-9", 0), ("10+", 0)]


async def test_charts_of_now_come_through_the_triage_use_case(engine: AsyncEngine) -> None:
    r = replica(engine)
    await add(r, MONDAY)
    r.clock.set(MONDAY + HOUR)
    shown = await r.triage.charts(ACME)
    assert len(shown.weeks) == 26 and shown.weeks[-1] == date(2025, 3, 3)
    assert len(shown.months) == 12 and shown.months[-1] == date(2025, 3, 1)
    assert shown.items_per_week["request/internal"][-1] == 1


# -- exact counts over any period -----------------------------------------------------------


async def test_kpis_count_exactly_over_periods_that_cut_days_and_months(
    engine: AsyncEngine,
) -> None:
    r = replica(engine)
    created = [MONDAY + step * 7 * HOUR for step in range(0, 400, 3)]  # 2025-03-03 .. 05-21
    for at in created:
        await add(r, at, ack_after=60)
    acknowledged = [at + timedelta(seconds=60) for at in created]
    bounds = [
        (None, MONDAY + 80 * DAY),
        (MONDAY + 2 * HOUR, MONDAY + 70 * DAY + 5 * HOUR),
        (MONDAY + 27 * DAY + 30 * timedelta(seconds=1), MONDAY + 29 * DAY),
        (MONDAY - 15 * HOUR, MONDAY + 28 * DAY + 15 * HOUR),  # from midnight, across a month
        (MONDAY + 3 * HOUR, MONDAY + 4 * HOUR),  # inside one day
        (datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC)),  # a whole month
    ]
    for since, until in bounds:
        found = await kpis(engine, since, until)
        low = since or datetime.min.replace(tzinfo=UTC)
        assert found.items == sum(low <= at < until for at in created), (since, until)
        assert found.to_acknowledge.count == sum(low <= at < until for at in acknowledged)
        if found.to_acknowledge.count:
            assert found.to_acknowledge.median == about(60)


def test_a_period_is_read_as_whole_months_whole_days_and_the_moments_left() -> None:
    since = datetime(2025, 1, 30, 12, tzinfo=UTC)
    until = datetime(2025, 4, 2, 6, tzinfo=UTC)
    cut = pieces(since, until)
    assert cut.months == (date(2025, 2, 1), date(2025, 4, 1))
    assert cut.days == [(date(2025, 1, 31), date(2025, 2, 1)), (date(2025, 4, 1), date(2025, 4, 2))]
    assert cut.moments == [
        (since, datetime(2025, 1, 31, tzinfo=UTC)),
        (datetime(2025, 4, 2, tzinfo=UTC), until),
    ]
    assert pieces(None, until).months == (None, date(2025, 4, 1))


async def test_every_duration_bucket_stands_for_its_times_within_2_percent(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        bounds = [
            (int(low), int(high))
            for low, high in await conn.execute(
                select(tables.kpi_buckets.c.low_ms, tables.kpi_buckets.c.high_ms).order_by(
                    tables.kpi_buckets.c.low_ms
                )
            )
        ]
    assert bounds == bucket_bounds()  # the reader's rule is the migration's
    buckets = Buckets(bounds)
    for (low, high), (following, _) in pairwise(bounds):
        assert high == following
        for value in (low, high - 1):
            assert buckets.of(value) == low
            assert abs(buckets.middle(low) - value) <= 0.02 * value
    assert bounds[-1][0] > 10**12  # more than 30 years


# -- the kept figures follow every change ------------------------------------------------------


async def test_kept_figures_follow_moves_merges_votes_and_deletes(engine: AsyncEngine) -> None:
    r = replica(engine)
    one = await add(r, MONDAY, ack_after=5, priority=Priority.MUST_HAVE)
    two = await add(r, MONDAY + HOUR, ack_after=50)
    three = await add(r, MONDAY + 2 * HOUR, kind=ItemKind.FEEDBACK)
    await add(r, MONDAY, workspace=GLOBEX)
    await r.feedback.vote(ACME, two.number or 0, BOB)
    await r.move(one, Status.PLANNED, MONDAY + 3 * HOUR)
    await r.move(one, Status.SHIPPED, MONDAY + 40 * DAY)
    await r.slas.check(r.channels(), MONDAY + 3 * DAY)
    await r.move(two, Status.DUPLICATE, MONDAY + 4 * DAY, duplicate_of=three.number)
    assert await kept(engine) == await rebuilt(engine)
    before = await kpis(engine, None, MONDAY + 50 * DAY)
    assert (before.items, before.to_ship.count, before.to_leave_new.count) == (3, 1, 2)

    async with engine.begin() as conn:  # as an operator would, outside the code
        await conn.execute(delete(tables.items).where(tables.items.c.text == str(MONDAY)))
        await conn.execute(
            update(tables.items)
            .where(tables.items.c.number == 3)
            .values(priority=Priority.MUST_HAVE.value, votes=7)
        )

    assert await kept(engine) == await rebuilt(engine)
    after = await kpis(engine, None, MONDAY + 50 * DAY)
    assert after.items == 2 and after.by_status == {"duplicate": 1, "new": 1}
    assert (after.to_ship.count, after.to_leave_new.count, after.to_acknowledge.count) == (0, 1, 2)
    assert after.by_priority == {"good-to-have": 1, "must-have": 1}


async def test_a_workspace_sees_only_its_own_figures(engine: AsyncEngine) -> None:
    r = replica(engine)
    await add(r, MONDAY, priority=Priority.MUST_HAVE)
    await r.feedback.vote(ACME, 1, BOB)
    await r.slas.check(r.channels(), MONDAY + 3 * DAY)
    await add(r, MONDAY, workspace=GLOBEX, ack_after=30)

    theirs = await charts(engine, MONDAY + 3 * DAY, workspace=GLOBEX)
    globex = await kpis(engine, None, MONDAY + 3 * DAY, workspace=GLOBEX)

    assert theirs.items_per_week["request/internal"][-1] == 1
    assert theirs.breaches_per_week[-1] == 0 and theirs.open_must_haves_by_age[1][1] == 0
    assert theirs.votes_on_open[0] == ("0", 1)
    assert (globex.items, globex.sla_breaches, globex.to_acknowledge.count) == (1, 0, 1)
    assert globex.by_priority == {"good-to-have": 1}
    everyone = await kpis(engine, None, MONDAY + 3 * DAY, workspace=None)
    assert everyone.items == 2 and everyone.by_platform == {"slack": 1, "discord": 1}


async def test_rows_stored_before_the_kept_figures_existed_are_counted_by_the_migration(
    engine: AsyncEngine,
) -> None:
    r = replica(engine)
    one = await add(r, MONDAY, ack_after=10, priority=Priority.MUST_HAVE)
    await add(r, MONDAY + DAY, ack_after=20)
    await r.move(one, Status.PLANNED, MONDAY + DAY)
    await r.move(one, Status.SHIPPED, MONDAY + 2 * DAY)
    await r.slas.check(r.channels(), MONDAY + 3 * DAY)
    expected = await kept(engine)
    await migrate(engine, "0009", down=True)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE items SET votes = 2 WHERE number = 2"))

    await migrate(engine)

    assert await kept(engine) == await rebuilt(engine)
    assert (await kept(engine))["kpi_events"] == expected["kpi_events"]
    shown = await kpis(engine, None, MONDAY + 3 * DAY)
    assert (shown.items, shown.to_acknowledge.count, shown.to_ship.count) == (2, 2, 1)
    assert shown.to_ship.median == about(2 * 86400)
