"""Database failures in the log: one line per kind per interval, with how many were folded, and
no traceback; everything else is logged as it comes. The clock is a number the test moves."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError

from adapters.app.log_folding import FoldDatabaseFailures, FoldReconnects
from bot.errors import StorageError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@contextmanager
def collected(logger_name: str, folding: logging.Filter) -> Iterator[list[str]]:
    """What a handler with ``folding`` writes of that logger, formatted as the log shows it."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(folding)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


@pytest.fixture
def written(clock: Clock) -> Iterator[list[str]]:
    """What the database-failure filter lets through of our own log."""
    with collected("tests.folding", FoldDatabaseFailures(every_s=10, clock=clock)) as lines:
        yield lines


def fail_to_store(reason: str) -> None:
    try:
        try:
            raise sqlite3.OperationalError(reason)
        except sqlite3.OperationalError as driver:
            raise OperationalError("INSERT", {}, driver) from driver
    except OperationalError as error:
        try:
            raise StorageError(f"the database failed: {error}") from error
        except StorageError:
            logging.getLogger("tests.folding").exception("could not store a feedback in slack:T1")


def test_a_database_failure_is_one_line_without_its_traceback(written: list[str]) -> None:
    fail_to_store("unable to open database file")

    assert len(written) == 1
    assert written[0].startswith("database unavailable: could not store a feedback in slack:T1")
    assert "Traceback" not in written[0] and "\n" not in written[0]


def test_failures_of_one_kind_within_the_interval_are_folded_into_the_next_line(
    written: list[str], clock: Clock
) -> None:
    for _ in range(312):
        fail_to_store("unable to open database file")
        clock.now += 0.01
    clock.now += 10

    fail_to_store("unable to open database file")

    assert len(written) == 2
    assert written[1].startswith("database unavailable (x312 in the last 10 s): could not store")


def test_each_kind_of_failure_gets_its_own_line(written: list[str]) -> None:
    fail_to_store("unable to open database file")
    fail_to_store("database or disk is full")
    fail_to_store("database is locked")
    fail_to_store("database or disk is full")

    assert [line.split(":")[0] for line in written] == [
        "database unavailable",
        "the database disk is full",
        "the database is locked",
    ]


def test_other_errors_keep_their_traceback(written: list[str]) -> None:
    try:
        raise ValueError("not the database")
    except ValueError:
        logging.getLogger("tests.folding").exception("something else broke")
        logging.getLogger("tests.folding").exception("something else broke")

    assert len(written) == 2
    assert all("Traceback" in line for line in written)


@pytest.fixture
def library_lines(clock: Clock) -> Iterator[list[str]]:
    """What the reconnect filter lets through of discord.py's own log."""
    with collected("discord.client", FoldReconnects(every_s=10, clock=clock)) as lines:
        yield lines


def discord_retries(retry: float) -> None:
    # What discord.py's Client.connect logs when its gateway connection fails.
    try:
        raise ConnectionResetError("Connection reset by peer")
    except OSError:
        logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", retry)


def test_a_library_reconnecting_is_one_line_per_interval_without_traceback(
    library_lines: list[str], clock: Clock
) -> None:
    for retry in (1.0, 2.0, 4.0):
        discord_retries(retry)
    clock.now += 11
    discord_retries(8.0)
    assert library_lines == [
        "discord reconnecting: Attempting a reconnect in 1.00s: Connection reset by peer",
        "discord reconnecting (x3 in the last 10 s): Attempting a reconnect in 8.00s: "
        "Connection reset by peer",
    ]


def test_a_failing_event_handler_keeps_its_traceback(library_lines: list[str]) -> None:
    try:
        raise KeyError("type")
    except KeyError:
        logging.getLogger("discord.client").exception("Ignoring exception in %s", "on_ready")
    (line,) = library_lines
    assert line.startswith("Ignoring exception in on_ready\nTraceback")
