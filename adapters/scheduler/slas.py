"""The SLA check ``feedbackbot run`` makes every minute on the shared scheduler."""

from __future__ import annotations

import logging

from bot.errors import StorageError
from bot.sla_check import SlaCheck
from bot.slas import Breach, TriageChannels

log = logging.getLogger(__name__)

SLA_EVERY_S = 60.0
JOB_ID = "slas"


class SlaJob:
    """Checks the SLAs of the platforms in ``channels``; each breach is claimed in storage, so
    it is posted once to its triage channel however often (and in however many processes) the
    job runs. The time is the SLA check's clock."""

    def __init__(self, slas: SlaCheck, channels: TriageChannels) -> None:
        self._slas = slas
        self.channels = channels

    async def check(self) -> None:
        """The scheduled job. A bound coroutine method, not ``__call__``: APScheduler awaits
        only what ``inspect.iscoroutinefunction`` recognises, and runs anything else in a
        thread, where a coroutine would never run."""
        await self.run()

    async def run(self) -> list[Breach]:
        """One check; the breaches this run claimed (and posted)."""
        try:
            breaches = await self._slas.check(self.channels)
        except StorageError:
            log.exception("could not check the SLAs; trying again in a minute")
            return []
        if breaches:
            log.info("%d SLA breach(es) claimed and posted", len(breaches))
        return breaches
