"""Work a platform adapter finishes after it has answered the platform, and answers that go out
early when they are ready in time and late otherwise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Coroutine
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundWork:
    """Tasks started after answering a request. They are kept referenced until they end (the
    event loop holds tasks weakly), their failures are logged, and ``drain`` lets them finish
    when the server stops, so a stored item is still thanked."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Return once no work is under way, including work that work started."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the work under way, then cancel what is left."""
        late = await finish_or_cancel(self._tasks, seconds)
        if late:
            log.warning("stopped %d unfinished background task(s)", late)


async def finish_or_cancel(tasks: Collection[asyncio.Future[Any]], seconds: float) -> int:
    """Let ``tasks`` finish for up to ``seconds``, then cancel the rest and wait until they
    have ended, so none outlives what it uses; how many had to be cancelled."""
    if not tasks:
        return 0
    _, late = await asyncio.wait(set(tasks), timeout=seconds)
    for task in late:
        task.cancel()
    if late:
        await asyncio.wait(late)
    return len(late)


class EarlyOrLate(Generic[T]):
    """An answer that rides on the platform's acknowledgement when it is ready within the
    deadline, and is sent another way (a response URL, a follow-up) when it is not."""

    def __init__(self) -> None:
        # A bare future and ``asyncio.timeout``: ``wait_for`` on an event made a task and an
        # event per command, measurable at thousands of commands a second.
        self._ready: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._late = False

    def give(self, value: T) -> bool:
        """Hand over the answer; ``False`` when the acknowledgement has already gone without
        it, so the caller must deliver it itself."""
        if self._late or self._ready.done():  # done: cancelled by the deadline
            return False
        self._ready.set_result(value)
        return True

    async def wait(self, seconds: float) -> T | None:
        """The answer if it arrives within ``seconds``, else ``None`` (and it is late)."""
        try:
            async with asyncio.timeout(seconds):
                return await self._ready
        except TimeoutError:
            self.expire()
            # Given in the very turn the deadline passed: it is still in time.
            if self._ready.done() and not self._ready.cancelled():
                return self._ready.result()
            return None

    def expire(self) -> None:
        """The acknowledgement goes (or went) without the answer."""
        self._late = True
