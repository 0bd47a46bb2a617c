"""The SLA check: items that stayed new past their deadline are claimed once and posted to
their workspace's triage channel; the digest lists them until the item leaves new."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.errors import StorageError
from bot.identity import Workspace
from bot.items import Item, Stakeholder
from bot.news import compose_breach
from bot.ports import ChatFailed, Clock, UnitOfWorkFactory
from bot.slas import CLASSES, Breach, SlaPolicy, TriageChannels

log = logging.getLogger(__name__)

# How many breaches one check claims per class of item; the rest wait for the next minute.
SLA_BATCH = 200


class SlaCheck:
    """``policy`` holds the limits; the scheduler calls ``check`` every minute."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, policy: SlaPolicy | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy or SlaPolicy.default()

    async def check(self, channels: TriageChannels, now: datetime | None = None) -> list[Breach]:
        """Find the items that stayed new past their SLA on the platforms this process
        serves, claim each breach in storage, and post the ones this process claimed to
        their workspace's triage channel. Several processes may check at once: each breach
        is claimed, and so posted, once. A failed post is logged and not repeated."""
        now = now or self._clock.now()
        platforms = channels.platforms
        if not platforms:
            return []
        claimed: list[Breach] = []
        for klass in CLASSES:
            for stakeholder in Stakeholder:
                limit = self.policy.limit(klass, stakeholder)
                if limit is None:
                    continue
                async with self._uow() as uow:
                    waiting = await uow.slas.waiting(
                        platforms, klass, stakeholder, now - limit.shortest, SLA_BATCH
                    )
                for item in waiting:
                    deadline = limit.deadline(item.created_at)
                    if deadline > now:
                        break  # oldest first: the rest are not due either
                    breach = await self._claim(item, deadline, now)
                    if breach is not None:
                        claimed.append(breach)
                        await self._post(breach, item, channels, now)
        return claimed

    async def open_breaches(self, workspace: Workspace, limit: int = 50) -> list[Breach]:
        """SLA breaches of the workspace whose item is still new: what the digest lists."""
        async with self._uow() as uow:
            return await uow.slas.open_breaches(workspace, limit)

    async def _claim(self, item: Item, deadline: datetime, now: datetime) -> Breach | None:
        assert item.number is not None
        async with self._uow() as uow:
            if not await uow.slas.claim(item.workspace, item.number, deadline, now):
                return None
            await uow.commit()
        return Breach(
            item.workspace,
            item.number,
            item.kind,
            item.text,
            item.priority,
            item.stakeholder,
            deadline,
            now,
        )

    async def _post(
        self, breach: Breach, item: Item, channels: TriageChannels, now: datetime
    ) -> None:
        outlet = channels.outlet(breach.workspace)
        if outlet is None:
            outcome, posted_at = "no triage channel", None
        else:
            try:
                await outlet.chat.post(outlet.channel_id, compose_breach(breach, item, self.policy))
                outcome, posted_at = "posted", now
            except ChatFailed as failed:
                log.error("could not post the SLA breach of #%s: %s", breach.number, failed.reason)
                outcome, posted_at = failed.reason[:255], None
        try:
            async with self._uow() as uow:
                await uow.slas.record_post(breach.workspace, breach.number, outcome, posted_at)
                await uow.commit()
        except StorageError:
            log.exception("could not note how the SLA breach of #%s was posted", breach.number)
