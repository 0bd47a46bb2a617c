"""The open items the metrics' gauges show are counted by the database itself, whatever path
changes an item (triggers of migration 0007), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from storage import tables
from storage.gauges import read_gauges
from storage.schema import migrate
from storage.unit_of_work import SqlStorage

ACME = Workspace(Platform.SLACK, "T-ACME")
ALICE = Person("U-ALICE", "Alice")
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MUST = ("new", "internal", "must-have")
FEEDBACK = ("new", "internal", "")


def new_item(priority: Priority | None) -> Item:
    """A must-have or good-to-have request, or feedback (no priority)."""
    return Item(
        workspace=ACME,
        kind=ItemKind.REQUEST if priority else ItemKind.FEEDBACK,
        text="words",
        channel_id="C1",
        author=ALICE,
        stakeholder=Stakeholder.INTERNAL,
        priority=priority,
        created_at=AT,
    )


async def open_items(engine: AsyncEngine) -> dict[tuple[str, str, str], int]:
    (gauges,) = await read_gauges(engine)
    return gauges.open_items


async def add(storage: SqlStorage, *items: Item) -> list[Item]:
    async with storage.unit_of_work() as uow:
        added = await uow.items.add_all(items)
        await uow.commit()
    return added


async def move(storage: SqlStorage, item: Item, to: Status) -> None:
    """Triage ``item`` to ``to``, as the triage commands save it."""
    async with storage.unit_of_work() as uow:
        item.change_status(to, AT)
        await uow.items.update(item)
        await uow.commit()


async def test_new_items_are_counted_in_their_group(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await add(storage, new_item(Priority.MUST_HAVE), new_item(Priority.MUST_HAVE), new_item(None))

    assert await open_items(engine) == {MUST: 2, FEEDBACK: 1}


async def test_a_status_change_moves_an_item_to_its_new_group(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    item, _ = await add(storage, new_item(Priority.MUST_HAVE), new_item(Priority.MUST_HAVE))
    await move(storage, item, Status.PLANNED)

    assert await open_items(engine) == {MUST: 1, ("planned", "internal", "must-have"): 1}


async def test_a_closed_item_is_no_longer_counted(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    (item,) = await add(storage, new_item(Priority.MUST_HAVE))
    await move(storage, item, Status.DECLINED)

    assert await open_items(engine) == {}


async def test_items_changed_or_deleted_outside_the_code_are_counted_too(
    engine: AsyncEngine,
) -> None:
    storage = SqlStorage(engine)
    await add(storage, new_item(Priority.MUST_HAVE), new_item(None), new_item(None))
    async with engine.begin() as conn:
        await conn.execute(
            tables.items.update()
            .where(tables.items.c.number == 1)
            .values(priority=Priority.GOOD_TO_HAVE.value)
        )
        await conn.execute(delete(tables.items).where(tables.items.c.number == 2))

    assert await open_items(engine) == {("new", "internal", "good-to-have"): 1, FEEDBACK: 1}


async def test_items_and_breaches_stored_before_the_counts_existed_are_counted_by_the_migration(
    engine: AsyncEngine,
) -> None:
    storage = SqlStorage(engine)
    await add(storage, new_item(Priority.MUST_HAVE), new_item(None))
    await migrate(engine, "0006", down=True)
    async with engine.begin() as conn:
        assert "open_item_counts" not in await conn.run_sync(
            lambda sync: sync.dialect.get_table_names(sync)
        )
        await conn.execute(text("UPDATE items SET status = 'planned' WHERE number = 2"))
        await conn.execute(
            text(
                "INSERT INTO sla_breaches (item_id, workspace_id, deadline, breached_at) "
                "SELECT id, workspace_id, created_at, created_at FROM items"
            )
        )
    await migrate(engine)

    assert await open_items(engine) == {MUST: 1, ("planned", "internal", ""): 1}
    assert await open_breaches(engine) == 1
    async with engine.connect() as conn:
        kept = (await conn.execute(select(tables.open_item_counts.c.count))).scalars().all()
    assert sorted(kept) == [1, 1]


async def breach(engine: AsyncEngine, number: int) -> None:
    """Note that item ``number``'s SLA was breached, as the SLA check does."""
    async with engine.begin() as conn:
        item_id, workspace_id = (
            await conn.execute(
                select(tables.items.c.id, tables.items.c.workspace_id).where(
                    tables.items.c.number == number
                )
            )
        ).one()
        await conn.execute(
            tables.sla_breaches.insert().values(
                item_id=item_id, workspace_id=workspace_id, deadline=AT, breached_at=AT
            )
        )


async def open_breaches(engine: AsyncEngine) -> int:
    (gauges,) = await read_gauges(engine)
    return gauges.open_breaches


async def test_a_breach_is_open_while_its_item_is_new(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    item, _ = await add(storage, new_item(Priority.MUST_HAVE), new_item(Priority.MUST_HAVE))
    await breach(engine, 1)
    await breach(engine, 2)
    assert await open_breaches(engine) == 2

    await move(storage, item, Status.UNDER_REVIEW)

    assert await open_breaches(engine) == 1


async def test_a_breach_noted_for_an_item_no_longer_new_is_not_open(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    (item,) = await add(storage, new_item(Priority.MUST_HAVE))
    await move(storage, item, Status.PLANNED)

    await breach(engine, 1)

    assert await open_breaches(engine) == 0
