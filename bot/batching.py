"""Group commit: writes that arrive while one is being made are made together, next."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 500


class GroupCommit(Generic[T, R]):
    """Hands ``write`` everything that came in while its previous call ran, in arrival order.

    A lone request is written at once, as it would be without batching; under load, one
    transaction carries many requests, so a database that does one transaction at a time (SQLite)
    keeps up. ``write`` returns one result per request, in order. When it fails, every request of
    that batch fails with the same error: they shared one transaction, so none was kept."""

    def __init__(
        self, write: Callable[[list[T]], Awaitable[Sequence[R]]], max_batch: int = MAX_BATCH
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, request: T) -> R:
        loop = asyncio.get_running_loop()
        result: asyncio.Future[R] = loop.create_future()
        self._waiting.append((request, result))
        if self._writer is None:
            # The writer serves every request of its batches, so it runs in a context of its
            # own, not in that of the request that happened to start it.
            self._writer = loop.create_task(self._write_all(), context=contextvars.Context())
        return await result

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    results = await self._write([request for request, _ in batch])
                except asyncio.CancelledError:
                    for _, result in batch:
                        result.cancel()
                    raise
                except Exception as error:  # every waiter sees its transaction's failure
                    for _, result in batch:
                        if not result.done():
                            result.set_exception(error)
                    continue
                for (_, result), value in zip(batch, results, strict=True):
                    if not result.done():
                        result.set_result(value)
        finally:
            self._writer = None
            for _, result in self._waiting:
                result.cancel()
            self._waiting.clear()
