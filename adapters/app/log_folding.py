"""Failures in the log that repeat: one line per kind of failure per interval, with a count.

While the database is down every request fails the same way, and each failure is logged where
it happens with its traceback: a 10 s PostgreSQL stop wrote 205,897 lines. The core keeps its
logging calls; this filter, on the handlers ``configure_logging`` installs, recognises a record
that carries a database failure (``bot.errors.StorageError``, or the driver's error through
SQLAlchemy), lets the first of a kind through as one line without its traceback, and counts the
others of that kind until ``every_s`` has passed; the next one through says how many were folded:

    database unavailable (x312 in the last 10 s): could not store a feedback in slack:T1: ...

The platform libraries' own reconnect attempts (discord.py, slack_sdk's Socket Mode) are
folded the same way (``FoldReconnects``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StorageError, first_line
from bot.folding import Folding

EVERY_S = 10.0

# Recognised from the driver's words, lower-cased; the first that matches names the kind.
_KINDS = (
    ("disk is full", "the database disk is full"),
    ("database is locked", "the database is locked"),
    ("readonly database", "the database is read-only"),
    ("read-only", "the database is read-only"),
)
UNAVAILABLE = "database unavailable"


class _FoldFailures(logging.Filter):
    """Records that carry one of the failures ``_kind`` recognises: the first of a kind in an
    interval through as one line, without its traceback; the rest of that interval counted."""

    def __init__(self, every_s: float = EVERY_S, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._every_s = every_s
        self._clock = clock
        self._folds = Folding(every_s)

    def _kind(self, record: logging.LogRecord) -> tuple[str, BaseException] | None:
        """The kind of failure the record carries, and the failure; ``None`` to let it be."""
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        found = self._kind(record)
        if found is None:
            return True
        kind, failure = found
        folded = self._folds.say(kind, self._clock())
        if folded is None:
            return False
        # The interval that ended: its first failure, logged, and those folded after it.
        counted = f" (x{folded + 1} in the last {self._every_s:.0f} s)" if folded else ""
        record.msg = f"{kind}{counted}: {record.getMessage()}: {first_line(failure)}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


class FoldDatabaseFailures(_FoldFailures):
    def _kind(self, record: logging.LogRecord) -> tuple[str, BaseException] | None:
        failure = _database_failure(record)
        return None if failure is None else (_database_kind(failure), failure)


# The platform libraries' own reconnect loops, which log each failed attempt with its
# traceback (discord.py's ``Client.connect``, slack_sdk's Socket Mode client); ours
# (adapters/app/supervising.py) already says one line per failure.
_RECONNECTING = ("discord", "slack_sdk.socket_mode")


class FoldReconnects(_FoldFailures):
    """A platform library retrying its connection: one line per library per interval, with
    the cause and a count, instead of a traceback per attempt."""

    def _kind(self, record: logging.LogRecord) -> tuple[str, BaseException] | None:
        failure = record.exc_info[1] if record.exc_info else None
        name = record.name
        if failure is None or not name.startswith(_RECONNECTING):
            return None
        words = record.getMessage().lower()
        if "reconnect" not in words and "retrying" not in words:
            return None  # an event handler's failure is a bug: its traceback stays
        library = next(each for each in _RECONNECTING if name.startswith(each))
        return f"{library} reconnecting", failure


def _database_failure(record: logging.LogRecord) -> BaseException | None:
    """The database failure the record carries, from the outermost error inwards."""
    error = record.exc_info[1] if record.exc_info else None
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, StorageError | SQLAlchemyError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _database_kind(failure: BaseException) -> str:
    words = " ".join(str(each).lower() for each in _chain(failure))
    return next((kind for clue, kind in _KINDS if clue in words), UNAVAILABLE)


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
