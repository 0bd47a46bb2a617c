"""Reading a long query a page at a time, each page found again from the last row read (keyset
paging): an export never holds more than one page, and never skips or repeats a row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection


async def keyset_pages(
    connection: AsyncConnection,
    query: Select[Any],
    key: Sequence[ColumnElement[Any]],
    size: int,
) -> AsyncIterator[Row[Any]]:
    """The rows of ``query`` in ``key`` order (columns that together tell every row apart),
    read ``size`` at a time."""
    after: tuple[Any, ...] | None = None
    while True:
        page = query if after is None else query.where(_past(key, after))
        rows = (await connection.execute(page.order_by(*key).limit(size))).all()
        for row in rows:
            yield row
        if len(rows) < size:
            return
        last = rows[-1]._mapping
        after = tuple(last[column] for column in key)


def _past(key: Sequence[ColumnElement[Any]], after: tuple[Any, ...]) -> ColumnElement[bool]:
    # One column is compared as itself, as every index on it expects.
    past: ColumnElement[bool] = (
        key[0] > after[0] if len(key) == 1 else tuple_(*key) > tuple_(*after)
    )
    return past
