"""The trackers' poll ``feedbackbot run`` makes every ``TRACKER_POLL_MINUTES`` on the shared
scheduler: for the trackers that cannot reach the bot's webhooks (or missed a delivery)."""

from __future__ import annotations

import logging

from bot.errors import StorageError
from bot.tracking import TrackerService

log = logging.getLogger(__name__)

POLL_JOB_ID = "trackers"


class PollJob:
    """One poll of every linked issue of an open item (the service reads them in turn, and
    logs a tracker that fails once)."""

    def __init__(self, trackers: TrackerService) -> None:
        self._trackers = trackers

    async def poll(self) -> None:
        """The scheduled job (a coroutine method: APScheduler awaits only those)."""
        await self.run()

    async def run(self) -> int:
        """One poll; how many changes it applied."""
        try:
            applied = await self._trackers.poll()
        except StorageError as error:
            log.warning("could not poll the trackers (%s); trying again next time", error)
            return 0
        if applied:
            log.info("the trackers' poll moved %d item(s)", applied)
        return applied
