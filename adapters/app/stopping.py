"""How ``feedbackbot run`` stops: at once for new requests, in bounded time for the rest.

Docker (and most supervisors) send SIGTERM, wait 10 s, then SIGKILL. Every process, the first
one and each worker alike, stops like this, counting from the moment it was asked:

- at once: new requests are refused (the listening socket is closed, so a new connection is
  refused; idle keep-alive connections are closed; a Socket Mode connection is closed; the
  scheduler fires no new timer; the first process sends SIGTERM on to its workers);
- until ``FINISH_S``: the requests in flight get their answers, and the work they acknowledged
  (a thank-you, a confirmation, a reminder already claimed) finishes;
- at ``FINISH_S``: what is still unfinished is given up, to be done at the next start where it
  is stored (the outbox); the first process kills a worker still alive at ``WORKERS_KILL_S``;
- by ``STOP_S``: connections to the platforms and the database are closed and the process has
  exited. Should anything hang past it, a watchdog ends the process anyway (status 1).

Pieces of ``run`` (adapters/app/serving.py) register what they do at once (``refuse_new``) and
what to wait for until ``FINISH_S`` (``finish``); the exit stack then closes them in reverse
order, each bounded by ``left``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger("feedbackbot")

# Seconds after SIGTERM; the README's operators' section states the same bound.
FINISH_S = 6.0
WORKERS_KILL_S = 7.0
STOP_S = 8.0
# What a piece still gives its work when it closes after the plan's wait is over (or without a
# plan): a moment for work that was about to end, not a second deadline.
LAST_CALL_S = 0.5
STOPPED_LATE = 1

Action = Callable[[], Awaitable[None]]


class StopPlan:
    """What each piece does when the process is asked to stop, and the time left for it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._refusing: list[Action] = []
        self._finishing: list[Action] = []
        self._began: float | None = None

    @property
    def began(self) -> bool:
        return self._began is not None

    def refuse_new(self, action: Action) -> None:
        """``action`` stops new work from coming in; it must not wait for work under way."""
        self._refusing.append(action)

    def finish(self, waiter: Action) -> None:
        """``waiter`` returns once the work under way is done; it is abandoned (not the work)
        at ``FINISH_S``."""
        self._finishing.append(waiter)

    def left(self, until_s: float) -> float:
        """Seconds until ``until_s`` after the stop began (all of it before the stop began)."""
        if self._began is None:
            return until_s
        return max(0.0, self._began + until_s - self._clock())

    async def begin(self) -> None:
        """Refuse new work at once, then wait until the work under way is done or ``FINISH_S``
        has passed, whichever is first. Called once; later calls return at once."""
        if self._began is not None:
            return
        self._began = self._clock()
        for refuse in self._refusing:
            try:
                await refuse()
            except Exception:
                # One piece failing to close must not keep the others accepting.
                log.exception("could not stop accepting new work in one piece")
        log.info("stopping: new requests are refused; finishing those under way")
        waiters = [asyncio.ensure_future(waiter()) for waiter in self._finishing]
        if not waiters:
            return
        done, pending = await asyncio.wait(waiters, timeout=self.left(FINISH_S))
        for waiter in pending:
            waiter.cancel()
        if pending:
            await asyncio.wait(pending)
            log.warning(
                "stop deadline (%.0f s) reached with work unfinished; what is stored is done "
                "at the next start",
                FINISH_S,
            )
        for waiter in done:
            if not waiter.cancelled() and waiter.exception() is not None:
                log.error("waiting for work under way failed", exc_info=waiter.exception())


def start_watchdog(seconds: float = STOP_S) -> None:
    """End the process after ``seconds`` however stuck it is (a driver that never returns from
    closing), so that it always exits before the supervisor's SIGKILL and says why."""

    def expire() -> None:
        log.error("did not stop within %.0f s; exiting now", seconds)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(STOPPED_LATE)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
