"""One thread of its own that runs blocking calls in turn, for the event loop to await.

``loop.run_in_executor`` on a one-thread pool does the same through a ``concurrent.futures``
future chained to an asyncio one, the pool's bookkeeping and a lock or two per call; measured
with ``bench/slack_ack.py``, that came to a few percent of the bot's CPU under load, on the
path of every group commit. Here a call is a queue entry, and its answer one callback.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Callable[..., Any], tuple[Any, ...], asyncio.AbstractEventLoop, asyncio.Future[Any]]


class WriterThread:
    """Runs the calls given to ``call`` on one thread, in the order given; ``close`` lets the
    calls already given finish, then ends the thread."""

    def __init__(self, name: str) -> None:
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the thread. A cancelled caller only stops waiting: its call
        still runs in its turn, to its end (a group commit has one call queued at a time, so
        it has always begun by then)."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        self._jobs.put((function, args, loop, answer))
        return await answer

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            function, args, loop, answer = job
            try:
                result = function(*args)
            except BaseException as error:  # the caller gets it, as from any await
                _answer(loop, answer, _fail, error)
            else:
                _answer(loop, answer, _succeed, result)


def _answer(
    loop: asyncio.AbstractEventLoop,
    answer: asyncio.Future[Any],
    settle: Callable[[asyncio.Future[Any], Any], None],
    value: Any,
) -> None:
    with suppress(RuntimeError):  # the loop has closed: nobody waits any more
        loop.call_soon_threadsafe(settle, answer, value)


def _succeed(answer: asyncio.Future[Any], result: Any) -> None:
    if not answer.done():
        answer.set_result(result)


def _fail(answer: asyncio.Future[Any], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(error)
