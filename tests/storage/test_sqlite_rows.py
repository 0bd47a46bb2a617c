"""Rows handed to SQLite's driver as tuples are what SQLAlchemy would have written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder
from bot.messages import Message, Quote
from bot.outbox import Owed, Purpose
from storage.engine import sqlite_sync_engine
from storage.outbox import owed_row
from storage.rows import item_columns
from storage.sqlite_rows import INSERT_ITEMS, INSERT_OWED, item_rows, moment, owed_rows
from storage.tables import items, outbox, workspaces

ACME = Workspace(Platform.SLACK, "T-ACME")
AT = datetime(2026, 11, 27, 9, 0, 0, 123456, tzinfo=UTC)


moments = Table(
    "moments",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True)),
)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(999, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
    ],
)
def test_a_moment_is_the_text_sqlalchemy_writes_for_it(at: datetime) -> None:
    engine = create_engine("sqlite://")
    moments.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(moments), {"id": 1, "at": at})
        conn.exec_driver_sql("INSERT INTO moments (id, at) VALUES (2, ?)", (moment(at),))
        texts = conn.exec_driver_sql("SELECT at FROM moments ORDER BY id").scalars().all()
        read = conn.execute(select(moments.c.at).where(moments.c.id == 2)).scalar_one()
    assert texts == [moment(at), moment(at)]
    assert read == at.replace(tzinfo=None)


def test_a_moment_in_another_zone_is_kept_in_utc() -> None:
    paris_evening = datetime(2026, 11, 27, 21, 30, tzinfo=timezone(timedelta(hours=1)))
    assert moment(paris_evening) == "2026-11-27 20:30:00.000000"


def an_item(number: int) -> Item:
    item = Item(
        workspace=ACME,
        kind=ItemKind.REQUEST,
        text="more runners “please”",
        channel_id="C1",
        author=Person("U1", "Alice"),
        stakeholder=Stakeholder.EXTERNAL,
        priority=Priority.MUST_HAVE,
        created_at=AT,
        source=MessageRef("C9", f"1700000000.00010{number}"),
    )
    item.number = number
    return item


@pytest.fixture
def migrated_sync(sqlite_engine: AsyncEngine) -> Iterator[Connection]:
    """A plain connection to a migrated database with one workspace (id 1), in a transaction."""
    engine = sqlite_sync_engine(sqlite_engine)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(workspaces),
                {"id": 1, "platform": "slack", "external_id": ACME.id, "created_at": AT},
            )
            yield conn
    finally:
        engine.dispose()


def rows_of(conn: Connection, table: Any, key: str, value: Any) -> dict[str, Any]:
    found = conn.execute(select(table).where(table.c[key] == value)).mappings().one()
    return {name: found[name] for name in found if name != "id"}


def test_an_item_written_through_the_driver_reads_back_as_sqlalchemys_own(
    migrated_sync: Connection,
) -> None:
    conn = migrated_sync
    ids = {ACME: 1}
    conn.execute(insert(items), {"workspace_id": 1, **item_columns(an_item(1))})
    conn.exec_driver_sql(INSERT_ITEMS, item_rows([an_item(2)], ids))
    first, second = rows_of(conn, items, "number", 1), rows_of(conn, items, "number", 2)
    assert {**first, "number": 2, "source_message_id": "1700000000.000102"} == second


def test_an_owed_message_written_through_the_driver_reads_back_as_sqlalchemys_own(
    migrated_sync: Connection,
) -> None:
    conn = migrated_sync
    ids = {ACME: 1}

    def owed(key: str) -> Owed:
        return Owed(
            ACME,
            Purpose.PRIVATE,
            AT,
            fixed_key=key,
            channel_id="C1",
            thread=MessageRef("C1", "1700000000.000200"),
            person=Person("U1", "Alice"),
            response_url="https://hooks.slack.test/commands/1",
            message=Message.of("Recorded: ", Quote("more runners")),
            attempts=2,
            maybe_sent=True,
            tried_at=AT + timedelta(seconds=3),
            due_at=AT + timedelta(minutes=1),
        )

    conn.execute(insert(outbox), owed_row(owed("m-sqlalchemy"), 1))
    conn.exec_driver_sql(INSERT_OWED, owed_rows([owed("m-driver")], ids))
    by_sqlalchemy = rows_of(conn, outbox, "key", "m-sqlalchemy")
    by_driver = rows_of(conn, outbox, "key", "m-driver")
    assert {**by_sqlalchemy, "key": "m-driver"} == by_driver
