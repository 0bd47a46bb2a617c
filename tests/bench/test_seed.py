"""The benchmarks' bulk seeding (bench/roadmap.py ``seed``): what it stores, on SQLite and
PostgreSQL, and that the figures the database keeps agree with the rows it seeded."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.roadmap import BREACHES_EVERY, SUBJECTS, VOTERS_EVERY, WISHES, WORKSPACE, seed
from bot.backlog import BacklogFilter, BacklogQuery
from bot.items import Status
from storage.unit_of_work import SqlUnitOfWork

COUNT = 2_000


async def _scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_the_dashboards_seed_stores_voters_moves_and_breaches(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    assert await _scalar(engine, "SELECT count(*) FROM items") == COUNT
    moved = await _scalar(engine, "SELECT count(*) FROM items WHERE status <> 'new'")
    assert await _scalar(engine, "SELECT count(*) FROM status_changes") == moved
    assert await _scalar(engine, "SELECT count(*) FROM items WHERE status_changed_at IS NULL") == (
        COUNT - moved
    )
    voted = await _scalar(
        engine, f"SELECT coalesce(sum(votes), 0) FROM items WHERE number % {VOTERS_EVERY} = 0"
    )
    assert voted > 0
    assert await _scalar(engine, "SELECT count(*) FROM votes") == voted
    assert await _scalar(engine, "SELECT count(*) FROM sla_breaches") == COUNT // BREACHES_EVERY
    # The breaches of items still new are open ones (kept by migration 0007's triggers).
    assert await _scalar(engine, "SELECT count(*) FROM sla_breaches WHERE still_new") == (
        await _scalar(
            engine,
            f"SELECT count(*) FROM items WHERE status = 'new' AND number % {BREACHES_EVERY} = 0",
        )
    )


async def test_every_subject_and_wish_is_there_to_be_searched(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    for word in (*SUBJECTS, *WISHES):
        found = await _scalar(engine, f"SELECT count(*) FROM items WHERE text LIKE '%{word}%'")
        assert COUNT // 14 <= found <= COUNT // 10, word


async def test_the_seeded_items_read_back_as_the_bot_reads_them(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    async with SqlUnitOfWork(engine) as uow:
        item = await uow.items.get(WORKSPACE, VOTERS_EVERY * 2)
    assert item is not None and item.number == VOTERS_EVERY * 2
    assert item.text.startswith(f"Item {VOTERS_EVERY * 2}: please make the ")
    if item.status is not Status.NEW:
        (move,) = item.history
        assert move.to_status is item.status and move.by is not None


async def _triggers(engine: AsyncEngine) -> list[str]:
    postgres = engine.dialect.name == "postgresql"
    query = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'"
        if postgres
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    async with engine.connect() as conn:
        return sorted(name for (name,) in await conn.execute(text(query)))


async def test_the_triggers_are_all_there_again_after_the_seed(engine: AsyncEngine) -> None:
    before = await _triggers(engine)
    await seed(engine, COUNT, dashboard=True)
    assert await _triggers(engine) == before


async def _counts(engine: AsyncEngine, sql: str) -> dict[str, int]:
    async with engine.connect() as conn:
        return {str(key): int(count) for key, count in await conn.execute(text(sql)) if count}


async def test_the_open_item_counts_agree_with_the_seeded_items(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    kept = await _counts(engine, "SELECT status, sum(count) FROM open_item_counts GROUP BY status")
    counted = await _counts(
        engine,
        "SELECT status, count(*) FROM items "
        "WHERE status IN ('new', 'under_review', 'planned', 'in_pilot') GROUP BY status",
    )
    assert kept == counted


async def test_the_seeded_items_are_found_by_the_backlogs_search(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    async with SqlUnitOfWork(engine) as uow:
        page = await uow.backlog.page(
            WORKSPACE, BacklogQuery(BacklogFilter(text=SUBJECTS[9]), limit=COUNT)
        )
    expected = len([n for n in range(1, COUNT + 1) if n % len(SUBJECTS) == 9])
    assert len(page.rows) == expected
    assert all(SUBJECTS[9] in row.excerpt for row in page.rows)


async def test_the_voters_names_are_seeded_with_their_votes(engine: AsyncEngine) -> None:
    await seed(engine, COUNT, dashboard=True)
    async with SqlUnitOfWork(engine) as uow:
        detail = await uow.backlog.detail(WORKSPACE, VOTERS_EVERY)
    assert detail is not None and len(detail.voters) == detail.item.votes > 0
    assert detail.voters[0].name == "voter 1"
