"""Group commit: requests that arrive while a write runs are written together, next."""

from __future__ import annotations

import asyncio

import pytest

from bot.batching import GroupCommit


class Writes:
    """Records each batch it is handed; the first write waits until it is let go."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first_may_finish = asyncio.Event()
        self.failing: set[int] = set()

    async def __call__(self, batch: list[int]) -> list[int]:
        self.batches.append(batch)
        if len(self.batches) == 1:
            await self.first_may_finish.wait()
        if self.failing & set(batch):
            raise RuntimeError("the transaction failed")
        return [value * 10 for value in batch]


async def test_a_lone_request_is_written_at_once_on_its_own() -> None:
    writes = Writes()
    writes.first_may_finish.set()
    assert await GroupCommit(writes)(1) == 10
    assert writes.batches == [[1]]


async def test_requests_that_arrive_during_a_write_are_written_together_next() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    first = asyncio.create_task(group(1))
    await asyncio.sleep(0)  # let the first write start
    rest = [asyncio.create_task(group(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    writes.first_may_finish.set()
    assert [await first, *[await task for task in rest]] == [10, 20, 30, 40]
    assert writes.batches == [[1], [2, 3, 4]]


async def test_a_failed_write_fails_every_request_of_its_batch_and_no_other() -> None:
    writes = Writes()
    writes.failing = {3}
    group = GroupCommit(writes)
    first = asyncio.create_task(group(1))
    await asyncio.sleep(0)
    together = [asyncio.create_task(group(n)) for n in (2, 3)]
    await asyncio.sleep(0)
    writes.first_may_finish.set()
    assert await first == 10
    for task in together:
        with pytest.raises(RuntimeError):
            await task
    assert await group(5) == 50


async def test_batches_never_exceed_the_limit() -> None:
    writes = Writes()
    group = GroupCommit(writes, max_batch=2)
    first = asyncio.create_task(group(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(group(n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    writes.first_may_finish.set()
    await asyncio.gather(first, *rest)
    assert writes.batches == [[0], [1, 2], [3, 4], [5]]
