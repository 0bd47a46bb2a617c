"""What PostgreSQL and SQLite do differently, in one place: every other module of storage
writes portable SQLAlchemy and asks here when it cannot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Table, cast, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
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


def milliseconds_between(dialect: Dialect, start: Any, end: Any) -> ColumnElement[int]:
    """``end - start`` in whole milliseconds (rounded), a negative time counting as 0: computed
    as migration 0010's triggers compute it, so that a time falls in the same bucket either
    way."""
    if is_postgres(dialect):
        milliseconds = cast(func.round(func.extract("epoch", end - start) * 1000), BigInteger)
        return func.greatest(0, milliseconds)
    days = func.julianday(end) - func.julianday(start)
    return func.max(0, cast(func.round(days * 86400000.0), Integer))


def utc_day(dialect: Dialect, moment: str) -> str:
    """SQL: the UTC date of the moment ``moment`` (an SQL expression)."""
    if is_postgres(dialect):
        return f"CAST(({moment} AT TIME ZONE 'UTC') AS date)"
    return f"date({moment})"


def utc_month(dialect: Dialect, moment: str) -> str:
    """SQL: the first day of the UTC month of the moment ``moment``."""
    if is_postgres(dialect):
        return f"CAST(date_trunc('month', {moment} AT TIME ZONE 'UTC') AS date)"
    return f"strftime('%Y-%m-01', {moment})"


def milliseconds_sql(dialect: Dialect, start: str, end: str) -> str:
    """SQL: ``milliseconds_between`` of two SQL expressions."""
    if is_postgres(dialect):
        return f"GREATEST(0, CAST(round(extract(epoch FROM ({end}) - ({start})) * 1000) AS bigint))"
    return f"max(0, CAST(round((julianday({end}) - julianday({start})) * 86400000.0) AS INTEGER))"


def utc_month_label(dialect: Dialect, moment: Any) -> ColumnElement[str]:
    """``2026-11``: the UTC month of the moment column ``moment``."""
    if is_postgres(dialect):
        return func.to_char(func.timezone("UTC", moment), "YYYY-MM")
    return func.strftime("%Y-%m", moment)
