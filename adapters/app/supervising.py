"""Platform connections that outlive their failures.

One platform's connection failing (an error in the library, a payload it cannot parse, a gateway
that closes for good) must not stop the others, the HTTP server, the scheduler or the outbox:
``supervise`` logs the failure once, in one line with its cause, and connects again after a
back-off (1, 2, 4 ... 60 s; back to 1 s after a connection that stayed up a while). Only a
configuration error ends it, so that ``feedbackbot run`` exits and says what to fix.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.app.readiness import Link
from bot.errors import ConfigError

log = logging.getLogger("feedbackbot")

Connect = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before connecting again: ``first_s``, doubled after each failure up to
    ``cap_s``; a connection that stayed up ``healthy_s`` or more starts again from ``first_s``."""

    first_s: float = 1.0
    cap_s: float = 60.0
    healthy_s: float = 60.0

    def after(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (1 or more)."""
        return min(self.cap_s, self.first_s * 2.0 ** min(failures - 1, 32))


async def supervise(
    name: str,
    connect: Connect,
    *,
    backoff: Backoff = Backoff(),  # frozen, so one shared default is safe
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    link: Link | None = None,
) -> None:
    """Run ``connect`` until it returns (the connection was closed on purpose). Any failure
    but a configuration error is logged once and ``connect`` runs again after the back-off;
    a ``ConfigError`` ends the supervision with it. ``link`` is told of each failure."""
    failures = 0
    while True:
        began = clock()
        try:
            await connect()
            return
        except ConfigError:
            raise
        except Exception as error:  # any failure of one connection is survived
            failures = 1 if clock() - began >= backoff.healthy_s else failures + 1
            delay = backoff.after(failures)
            if link is not None:
                link.down(cause(error))
            log.error(
                "%s: the connection failed (%s); connecting again in %.0f s",
                name,
                cause(error),
                delay,
            )
            # The traceback for whoever debugs the library, not in the operator's log.
            log.debug("%s: the failure in full", name, exc_info=error)
        await sleep(delay)


def cause(error: BaseException) -> str:
    """An error and what caused it, in one line: ``KeyError: 'type'``."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(parts) < 3:
        seen.add(id(current))
        text = " ".join(str(current).split())
        parts.append(f"{type(current).__name__}: {text}" if text else type(current).__name__)
        current = current.__cause__
    return "; from ".join(parts)
