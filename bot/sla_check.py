"""The SLA check: items that stayed new past their deadline are claimed once and posted to
their workspace's triage channel; the digest lists them until the item leaves new."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.delivery import Delivery
from bot.errors import StorageError
from bot.identity import Workspace
from bot.items import Item, Stakeholder
from bot.news import compose_breach
from bot.observations import UNOBSERVED, Observations
from bot.outbox import Owed, Purpose
from bot.ports import Clock, UnitOfWorkFactory
from bot.slas import CLASSES, Breach, SlaPolicy, TriageChannels, TriageOutlet

log = logging.getLogger(__name__)

# How many breaches one check claims per class of item; the rest wait for the next minute.
SLA_BATCH = 200


class SlaCheck:
    """``policy`` holds the limits (the default without one); ``delivery`` delivers the posts
    the breaches owe. The scheduler calls ``check`` every minute."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        policy: SlaPolicy | None,
        delivery: Delivery,
        observations: Observations = UNOBSERVED,
    ) -> None:
        self._uow = uow
        self._observations = observations
        self._clock = clock
        self.policy = policy or SlaPolicy.default()
        self._delivery = delivery

    async def check(self, channels: TriageChannels, now: datetime | None = None) -> list[Breach]:
        """Find the items that stayed new past their SLA on the platforms this process
        serves, claim each breach in storage, and post the ones this process claimed to
        their workspace's triage channel. Several processes may check at once: each breach
        is claimed, and so posted, once. The post is owed with the claim (``bot.outbox``): one
        the platform does not take now is posted when it does; one refused for good is logged."""
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
                    outlet = channels.outlet(item.workspace)
                    claim = await self._claim(item, deadline, now, outlet)
                    if claim is not None:
                        breach, owed = claim
                        claimed.append(breach)
                        self._observations.sla_breached(
                            item.workspace.platform, klass, item.stakeholder.value
                        )
                        await self._post(breach, owed, outlet, now)
        return claimed

    async def open_breaches(self, workspace: Workspace, limit: int = 50) -> list[Breach]:
        """SLA breaches of the workspace whose item is still new: what the digest lists."""
        async with self._uow() as uow:
            return await uow.slas.open_breaches(workspace, limit)

    async def _claim(
        self, item: Item, deadline: datetime, now: datetime, outlet: TriageOutlet | None
    ) -> tuple[Breach, Owed | None] | None:
        """The breach, claimed with the post it owes (none without a triage channel)."""
        assert item.number is not None
        breach = Breach(
            item.workspace,
            item.number,
            item.kind,
            item.text,
            item.priority,
            item.stakeholder,
            deadline,
            now,
        )
        owed = None
        if outlet is not None:
            owed = self._delivery.claimed(
                Owed(
                    item.workspace,
                    Purpose.POST,
                    now,
                    channel_id=outlet.channel_id,
                    message=compose_breach(breach, item, self.policy),
                )
            )
        async with self._uow() as uow:
            if not await uow.slas.claim(item.workspace, item.number, deadline, now):
                return None
            if owed is not None:
                await uow.outbox.add([owed])
            await uow.commit()
        return breach, owed

    async def _post(
        self, breach: Breach, owed: Owed | None, outlet: TriageOutlet | None, now: datetime
    ) -> None:
        if outlet is None or owed is None:
            outcome, posted_at = "no triage channel", None
        else:
            delivered = await self._delivery.deliver(owed, outlet.chat)
            if delivered.posted is not None:
                outcome, posted_at = "posted", now
            elif delivered.later:
                outcome, posted_at = "owed: posted when the platform takes it", None
            else:
                log.error("could not post the SLA breach of #%s", breach.number)
                outcome, posted_at = "could not be posted", None
        try:
            async with self._uow() as uow:
                await uow.slas.record_post(breach.workspace, breach.number, outcome, posted_at)
                await uow.commit()
        except StorageError:
            log.exception("could not note how the SLA breach of #%s was posted", breach.number)
