"""APScheduler 3 (``AsyncIOScheduler``) wrapped behind the roadmap's use cases.

The database holds the reminders; APScheduler's memory job store holds only this process's
timers, rebuilt from the database every minute, so reminders added or removed anywhere (another
replica, the CLI) are armed or dropped within a minute, and no job store is ever shared. Jobs
take only a reminder id; the claim in the database decides which process posts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from adapters.background import finish_or_cancel
from bot.errors import StorageError
from bot.reminders import ChatDirectory
from bot.roadmap import RoadmapService

log = logging.getLogger(__name__)

SYNC_EVERY_S = 60.0
PRUNE_EVERY_S = 3600.0
DRAIN_S = 30.0


class ReminderScheduler:
    def __init__(
        self, roadmap: RoadmapService, chats: ChatDirectory, *, sync_every_s: float = SYNC_EVERY_S
    ) -> None:
        self._roadmap = roadmap
        self._chats = chats
        self._sync_every_s = sync_every_s
        # Late jobs still run (the claim and the grace window decide), and one run stands for
        # several missed ones; the scheduler works in UTC, each trigger in its reminder's zone.
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._armed: dict[int, tuple[str, str]] = {}
        self._running: set[asyncio.Future[None]] = set()

    @property
    def running(self) -> bool:
        """Whether its timers fire (until ``stop_timers``)."""
        return bool(self._scheduler.running)

    @property
    def armed(self) -> dict[int, tuple[str, str]]:
        """Reminder id → (schedule, zone) of the timers this process holds."""
        return dict(self._armed)

    async def start(self) -> None:
        """Start in the running event loop and sync at once."""
        self._scheduler.start()
        now = datetime.now(UTC)
        self._scheduler.add_job(
            self._tracked(self.sync),
            IntervalTrigger(seconds=self._sync_every_s, timezone=UTC),
            id="sync",
            next_run_time=now,
        )
        self._scheduler.add_job(
            self._tracked(self.prune),
            IntervalTrigger(seconds=PRUNE_EVERY_S, timezone=UTC),
            id="prune",
        )

    def every(
        self,
        seconds: float,
        job: Callable[[], Awaitable[None]],
        job_id: str,
        *,
        at_once: bool = False,
    ) -> None:
        """Run ``job`` every ``seconds`` on this scheduler (and at once with ``at_once``, so
        what came due while the process was down is not left waiting): other periodic work of
        ``run`` (SLA checks, say) shares the one scheduler. ``job`` should catch and log its
        own errors."""
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC)
        if at_once:
            self._scheduler.add_job(
                self._tracked(job), trigger, id=job_id, next_run_time=datetime.now(UTC)
            )
        else:
            # ``next_run_time=None`` would add the job paused; leave it to the trigger.
            self._scheduler.add_job(self._tracked(job), trigger, id=job_id)

    def every_s(self, job_id: str) -> float | None:
        """How often the periodic job ``job_id`` runs (``every``), ``None`` when there is none."""
        job = self._scheduler.get_job(job_id)
        if job is None or not isinstance(job.trigger, IntervalTrigger):
            return None
        return float(job.trigger.interval.total_seconds())

    def stop_timers(self) -> None:
        """Fire no timer from now on; jobs under way go on."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def settled(self) -> None:
        """Return once no job is under way."""
        while self._running:
            await asyncio.wait(set(self._running))

    async def stop(self, seconds: float = DRAIN_S) -> None:
        """Stop timers, then let the jobs under way finish (up to ``seconds``): an occurrence
        already claimed is posted and its outcome recorded, not cut off half way; what is
        still running then is cancelled and awaited, so nothing outlives the database."""
        self.stop_timers()
        late = await finish_or_cancel(self._running, seconds)
        if late:
            log.warning("stopped %d scheduled job(s) still running", late)

    def _tracked(self, job: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """``job`` run apart from APScheduler's own task, so that stopping the scheduler
        cannot cancel it half way; ``stop`` waits for these instead."""

        async def run(*args: Any) -> None:
            task = asyncio.ensure_future(job(*args))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # Stopping cancelled APScheduler's wrapper, which would log the cancellation
                # as the job's failure with a traceback; the job itself goes on, and ``stop``
                # waits for it.
                if task.cancelled():
                    raise

        return run

    async def sync(self) -> None:
        """Arm a timer for every active reminder, drop the others, and post what is due and
        unclaimed (missed while down, or added elsewhere since the last sync)."""
        try:
            reminders = await self._roadmap.scheduled()
        except StorageError:
            log.exception("could not read the reminders; keeping the timers armed")
            return
        current: dict[int, tuple[str, str]] = {}
        for reminder in reminders:
            assert reminder.id is not None
            key = (reminder.schedule.text, reminder.time_zone)
            current[reminder.id] = key
            if self._armed.get(reminder.id) != key:
                self._scheduler.add_job(
                    self._tracked(self.fire),
                    reminder.schedule.trigger(reminder.zone),
                    args=[reminder.id],
                    id=f"reminder-{reminder.id}",
                    replace_existing=True,
                )
        for gone in self._armed.keys() - current.keys():
            self._scheduler.remove_job(f"reminder-{gone}")
        self._armed = current
        try:
            await self._roadmap.catch_up(self._chats)
        except StorageError:
            log.exception("could not catch up on due reminders")

    async def fire(self, reminder_id: int) -> None:
        try:
            await self._roadmap.fire(reminder_id, self._chats)
        except StorageError:
            # The next sync retries the occurrence while it is within the grace window.
            log.exception("reminder %s: the database failed", reminder_id)

    async def prune(self) -> None:
        try:
            await self._roadmap.prune()
        except StorageError:
            log.exception("could not prune old reminder claims")
