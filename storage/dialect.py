"""What PostgreSQL and SQLite do differently, in one place: every other module of storage
writes portable SQLAlchemy and asks here when it cannot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


def is_postgres(dialect: Dialect) -> bool:
    return dialect.name == "postgresql"


def ignoring_duplicates(dialect: Dialect, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING``: a row that breaks a unique key is skipped and
    ``RETURNING`` yields nothing, which is how a claim made before by anyone is told apart."""
    insert = postgresql.insert if is_postgres(dialect) else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def insert_ignoring_duplicates(dialect: Dialect, table: Table, **values: Any) -> Insert:
    """``ignoring_duplicates`` for one row."""
    return ignoring_duplicates(dialect, table).values(**values)


def seconds_between(dialect: Dialect, start: Any, end: Any) -> ColumnElement[Any]:
    """``end - start`` in seconds, as a number the database can sort and aggregate."""
    if is_postgres(dialect):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


async def count_and_percentiles(
    conn: AsyncConnection,
    values: ColumnElement[Any],
    source: FromClause,
    where: ColumnElement[bool],
    fractions: Sequence[float],
) -> tuple[int, list[float | None]]:
    """How many rows match, and those percentiles of ``values`` over them, interpolated
    between neighbours as PostgreSQL's ``percentile_cont`` does; ``None`` when nothing matches.
    Computed in the database, never by reading every row."""
    if is_postgres(conn.dialect):
        count, *found = (
            await conn.execute(
                select(
                    func.count(),
                    *(
                        func.percentile_cont(fraction).within_group(values)
                        for fraction in fractions
                    ),
                )
                .select_from(source)
                .where(where)
            )
        ).one()
        return count, [None if value is None else float(value) for value in found]
    # SQLite has no percentiles: read the one or two values around each position, in order.
    count = (await conn.execute(select(func.count()).select_from(source).where(where))).scalar_one()
    if not count:
        return 0, [None for _ in fractions]
    ordered: Select[Any] = select(values).select_from(source).where(where).order_by(values)
    percentiles: list[float | None] = []
    for fraction in fractions:
        position = fraction * (count - 1)
        low = math.floor(position)
        pair = [float(value) for (value,) in await conn.execute(ordered.limit(2).offset(low))]
        upper = pair[1] if len(pair) > 1 else pair[0]
        percentiles.append(pair[0] + (position - low) * (upper - pair[0]))
    return count, percentiles
