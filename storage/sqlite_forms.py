"""Rows in SQLite's own forms, for the group commit's statements run straight through the driver.

Every item costs a few rows (the item, its thank-you owed, its delivery id, then the thank-you
noted and settled). Through SQLAlchemy's typed statements each value of each row was converted
one by one in Python, which cost about three times SQLite's own work on the group commit's
thread (``bench/slack_ack.py``); here each row becomes one tuple, its moments as text in the
form SQLAlchemy itself writes, so both paths read the same values back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from storage.rows import stored

# The updates of a group commit, written once for both of its ways to SQLite (through
# SQLAlchemy's connection in a unit of work, and straight on the driver's cursor).
SQLITE_NOTE_THANKS = (
    "UPDATE items SET acknowledged_at = ?, thanks_channel_id = ?, thanks_message_id = ? "
    "WHERE workspace_id = ? AND number = ?"
)
SQLITE_SETTLE = (
    "UPDATE outbox SET done_at = ?, outcome = ?, posted_channel_id = ?, "
    "posted_message_id = ?, claimed_by = NULL, claimed_until = NULL WHERE key = ?"
)


def moment(value: datetime | None) -> str | None:
    """A moment as SQLAlchemy keeps it in SQLite: UTC, as text that sorts as time does
    (``2026-11-27 09:00:00.000000``). ``isoformat`` writes those characters before the offset,
    several times faster than ``strftime``."""
    return None if value is None else stored(value).isoformat(" ", "microseconds")[:26]


@dataclass(frozen=True)
class _Form:
    """The INSERT of one set of columns, and how each row's values become SQLite's."""

    sql: str
    columns: tuple[str, ...]
    moments: frozenset[str]
    flags: frozenset[str]

    @classmethod
    def of(cls, table: Table, columns: tuple[str, ...]) -> _Form:
        types = {name: table.c[name].type.python_type for name in columns}
        return cls(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            columns,
            frozenset(name for name in columns if types[name] is datetime),
            frozenset(name for name in columns if types[name] is bool),
        )

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        moments, flags = self.moments, self.flags
        return tuple(
            moment(values[name])
            if name in moments
            else int(values[name])
            if name in flags
            else values[name]
            for name in self.columns
        )


class DriverInsert:
    """Inserts rows (mappings of column names, the same names in every row of one call) into
    ``table`` through the driver."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self._forms: dict[tuple[str, ...], _Form] = {}

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        columns = tuple(rows[0])
        form = self._forms.get(columns)
        if form is None:
            form = self._forms[columns] = _Form.of(self._table, columns)
        conn.exec_driver_sql(form.sql, [form.row(values) for values in rows])
