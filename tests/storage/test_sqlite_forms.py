"""Rows the group commit hands SQLite's driver itself are what SQLAlchemy would have written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, create_engine, select

from storage.sqlite_forms import DriverInsert, moment

moments = Table(
    "moments",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True)),
    Column("flag", Boolean),
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
        conn.execute(moments.insert(), {"id": 1, "at": at})
        DriverInsert(moments)(conn, [{"id": 2, "at": at, "flag": True}])
        texts = conn.exec_driver_sql("SELECT at FROM moments ORDER BY id").scalars().all()
        read = conn.execute(select(moments.c.at, moments.c.flag).where(moments.c.id == 2)).one()
    assert texts == [moment(at), moment(at)]
    assert read.at == at.replace(tzinfo=None)
    assert read.flag is True


def test_a_moment_in_another_zone_is_kept_in_utc() -> None:
    paris_evening = datetime(2026, 11, 27, 21, 30, tzinfo=timezone(timedelta(hours=1)))
    assert moment(paris_evening) == "2026-11-27 20:30:00.000000"
