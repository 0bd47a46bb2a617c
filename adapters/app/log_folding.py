"""Database failures in the log: one line per kind of failure per interval, with a count.

While the database is down every request fails the same way, and each failure is logged where
it happens with its traceback: a 10 s PostgreSQL stop wrote 205,897 lines. The core keeps its
logging calls; this filter, on the handlers ``configure_logging`` installs, recognises a record
that carries a database failure (``bot.errors.StorageError``, or the driver's error through
SQLAlchemy), lets the first of a kind through as one line without its traceback, and counts the
others of that kind until ``every_s`` has passed; the next one through says how many were folded:

    database unavailable (x312 in the last 10 s): could not store a feedback in slack:T1: ...
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StorageError
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


class FoldDatabaseFailures(logging.Filter):
    def __init__(self, every_s: float = EVERY_S, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._every_s = every_s
        self._clock = clock
        self._folds = Folding(every_s)

    def filter(self, record: logging.LogRecord) -> bool:
        failure = _database_failure(record)
        if failure is None:
            return True
        kind = _kind(failure)
        folded = self._folds.say(kind, self._clock())
        if folded is None:
            return False
        # The interval that ended: its first failure, logged, and those folded after it.
        counted = f" (x{folded + 1} in the last {self._every_s:.0f} s)" if folded else ""
        record.msg = f"{kind}{counted}: {record.getMessage()}: {_first_line(failure)}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


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


def _kind(failure: BaseException) -> str:
    words = " ".join(str(each).lower() for each in _chain(failure))
    return next((kind for clue, kind in _KINDS if clue in words), UNAVAILABLE)


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
