"""A supervised connection: failures are survived with a capped, resettable back-off; a
configuration error and a deliberate close end it. Time is a counter; nothing sleeps."""

from __future__ import annotations

import logging

import pytest

from adapters.app.supervising import Backoff, supervise
from bot.errors import ConfigError


class Connection:
    """Fails with each of ``failures`` in turn (each after ``lasts`` seconds), then returns."""

    def __init__(self, failures: list[Exception], lasts: float = 0.0) -> None:
        self.failures = failures
        self.lasts = lasts
        self.now = 0.0
        self.attempts = 0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def connect(self) -> None:
        self.attempts += 1
        self.now += self.lasts
        if self.failures:
            raise self.failures.pop(0)


async def run(connection: Connection) -> None:
    await supervise(
        "Chat (socket)", connection.connect, sleep=connection.sleep, clock=connection.clock
    )


async def test_each_failure_in_a_row_waits_twice_as_long_up_to_a_minute() -> None:
    connection = Connection([OSError("reset")] * 9)
    await run(connection)
    assert connection.waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert connection.attempts == 10


async def test_a_connection_that_stayed_up_a_while_starts_the_wait_again_from_one_second() -> None:
    connection = Connection([KeyError("type")] * 3, lasts=Backoff().healthy_s)
    await run(connection)
    assert connection.waits == [1, 1, 1]


async def test_a_failure_is_logged_once_in_one_line_with_its_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    cause = ValueError("bad frame")
    failure = RuntimeError("parse failed\nsecond line")
    failure.__cause__ = cause
    await run(Connection([failure]))
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.getMessage() == (
        "Chat (socket): the connection failed (RuntimeError: parse failed second line; "
        "from ValueError: bad frame); connecting again in 1 s"
    )
    assert record.exc_info is None


async def test_a_configuration_error_ends_the_supervision() -> None:
    connection = Connection([OSError("reset"), ConfigError("CHAT_TOKEN", "refused")])
    with pytest.raises(ConfigError):
        await run(connection)
    assert connection.waits == [1]
