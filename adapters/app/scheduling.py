"""The scheduler piece of ``feedbackbot run``: reminders, and the SLA check that posts breaches
in the triage channels, on every platform this process serves; and the trackers' poll, when a
tracker is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from adapters.app.composition import App
from adapters.app.reach import Reach
from adapters.app.stopping import FINISH_S, StopPlan
from adapters.scheduler.directory import PlatformDirectory
from adapters.scheduler.scheduler import ReminderScheduler
from adapters.scheduler.slas import JOB_ID, SLA_EVERY_S, SlaJob
from adapters.scheduler.trackers import POLL_JOB_ID, PollJob
from bot.slas import TriageChannels


@asynccontextmanager
async def scheduling(
    app: App, reaches: Sequence[Reach], plan: StopPlan | None = None
) -> AsyncIterator[ReminderScheduler]:
    """Timers stop as soon as ``plan`` begins; jobs under way get until its ``FINISH_S``."""
    plan = plan or StopPlan()
    chats = PlatformDirectory()
    for reach in reaches:
        chats.register(reach.platform, reach.outlets)
    reminders = ReminderScheduler(app.core.roadmap, chats)
    await reminders.start()

    async def refuse_new() -> None:
        reminders.stop_timers()

    plan.refuse_new(refuse_new)
    plan.finish(reminders.settled)
    try:
        triage_channels = TriageChannels()
        for reach in reaches:
            reach.triage(triage_channels)
        sla_job = SlaJob(app.core.slas, triage_channels)
        reminders.every(SLA_EVERY_S, sla_job.check, JOB_ID, at_once=True)
        trackers = app.settings.trackers
        if trackers.configured and trackers.poll_minutes > 0:
            poll = PollJob(app.core.trackers)
            reminders.every(trackers.poll_minutes * 60.0, poll.poll, POLL_JOB_ID)
        yield reminders
    finally:
        await reminders.stop(plan.left(FINISH_S))
