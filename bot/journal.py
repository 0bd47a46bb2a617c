"""Group commits of the hot path: new items, the thank-yous they owe, and their delivery."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.batching import GroupCommit
from bot.identity import Workspace
from bot.items import Item
from bot.observations import UNOBSERVED, Observations
from bot.outbox import Owed, Postponed, Settled
from bot.ports import FirstDelivery, ThanksNote, UnitOfWorkFactory, Writes, WriteTogether
from bot.webhooks import Event

log = logging.getLogger("bot.service")

Write = Item | Owed | FirstDelivery | ThanksNote | Settled | Postponed | Event


class Journal:
    """``await journal(a, b, ...)`` writes a, b, ... in one transaction, together with whatever
    else arrived while the previous transaction was being written (``bot.batching``), by
    storage's own writer when it has a faster one than a unit of work."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        write_together: WriteTogether | None = None,
        observations: Observations = UNOBSERVED,
    ) -> None:
        self._uow = uow
        self.observations = observations
        self._write_together = write_together or self._in_unit_of_work
        self._commit: GroupCommit[tuple[Write, ...], None] = GroupCommit(self._write_all)

    async def __call__(self, *writes: Write) -> None:
        await self._commit(writes)

    async def _write_all(self, requests: list[tuple[Write, ...]]) -> list[None]:
        writes = Writes()
        for request in requests:
            for write in request:
                if isinstance(write, Item):
                    writes.new.append(write)
                elif isinstance(write, Owed):
                    writes.owed.append(write)
                elif isinstance(write, FirstDelivery):
                    writes.once.append(write)
                elif isinstance(write, ThanksNote):
                    writes.notes.append(write)
                elif isinstance(write, Settled):
                    writes.settled.append(write)
                elif isinstance(write, Event):
                    writes.events.append(write)
                else:
                    writes.postponed.append(write)
        await self._write_together(writes)
        self.recorded([*writes.new, *(each.item for each in writes.once if each.first)])
        return [None] * len(requests)

    def recorded(self, added: Sequence[Item]) -> None:
        """Say that ``added`` were stored: in the log, and to the observations."""
        if added:
            _log_recorded(added)
            self.observations.recorded(added)

    async def _in_unit_of_work(self, writes: Writes) -> None:
        async with self._uow() as uow:
            firsts = await uow.deliveries.first_deliveries(writes.once) if writes.once else []
            new, owed = writes.to_add(firsts)
            if new:
                await uow.items.add_all(new)
            if owed:
                await uow.outbox.add(owed)
            # After ``add_all``: the new items' events are composed with their numbers.
            events = writes.to_emit(firsts)
            if events:
                await uow.webhooks.emit(events)
            if writes.notes:
                await uow.items.record_thanks(writes.notes)
            if writes.settled:
                await uow.outbox.settle(writes.settled)
            if writes.postponed:
                await uow.outbox.postpone(writes.postponed)
            await uow.commit()


def _log_recorded(added: Sequence[Item]) -> None:
    # One line per workspace and transaction: under load a line per item cost more CPU than
    # writing the item did.
    by_workspace: dict[Workspace, list[str]] = {}
    for item in added:
        by_workspace.setdefault(item.workspace, []).append(f"{item.kind.value} #{item.number}")
    for workspace, recorded in by_workspace.items():
        log.info("recorded %s in %s", ", ".join(recorded), workspace)
