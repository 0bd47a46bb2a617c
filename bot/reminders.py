"""Reminders: a channel's recurring roadmap update or feedback prompt, and the ports they need.

The rules that make a reminder trustworthy live here and in ``bot.roadmap``: a reminder is
posted on the wall-clock schedule of its own time zone; each occurrence is claimed in storage
before it is posted, so however many processes run it is posted once; occurrences missed while
no process ran are posted once (the newest of them) if they are at most a grace window old; and
a channel the bot may no longer post in disables the reminder instead of failing forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.chat import Chat
from bot.digest import RoadmapFacts
from bot.identity import Person, Workspace
from bot.schedules import Schedule
from bot.surveys import Scale

# A timer never runs at its exact time: the event loop answers it after whatever it is doing
# (milliseconds, a second or two under load). The scheduler also arms timers only when it next
# syncs (every minute), so a reminder added by another process is seen by its first sync; this
# much lateness is still "on time", or a grace of 0 would post nothing, ever.
ON_TIME = timedelta(minutes=1)
_INSTANT = timedelta(microseconds=1)


class ReminderKind(StrEnum):
    ROADMAP = "roadmap"
    PROMPT = "prompt"
    # A pulse survey: ``text`` is its question, ``scale`` its scale (issue 18).
    SURVEY = "survey"

    @property
    def label(self) -> str:
        return {"roadmap": "roadmap update", "prompt": "feedback prompt", "survey": "survey"}[
            self.value
        ]


@dataclass(slots=True)
class Reminder:
    """One channel's recurring post. ``text`` is a feedback prompt's own words (empty: the
    default invitation). ``last_claimed_for`` is the newest occurrence any process claimed;
    ``last_posted_for`` the newest one actually posted, where the next digest starts."""

    workspace: Workspace
    channel_id: str
    schedule: Schedule
    time_zone: str
    kind: ReminderKind
    created_at: datetime
    created_by: Person | None = None
    text: str = ""
    id: int | None = None
    last_claimed_for: datetime | None = None
    last_posted_for: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    # A survey's scale; ``None`` for the other kinds.
    scale: Scale | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def next_at(self, now: datetime) -> datetime | None:
        """When it will be posted next (UTC), ``None`` when disabled or never again."""
        if not self.active:
            return None
        return self.schedule.next_after(max(now, self.created_at), self.zone)

    def missed_before(self, occurrence: datetime, most: int = 10_000) -> int:
        """How many occurrences before ``occurrence`` were never claimed (so never posted):
        folded into it, or past their grace window while no process ran. At most ``most``."""
        after = max(self.created_at, self.last_claimed_for or self.created_at)
        until = occurrence - _INSTANT
        return sum(1 for _ in islice(self.schedule.occurrences(after, until, self.zone), most))

    def due(self, now: datetime, grace: timedelta) -> datetime | None:
        """The occurrence to post at ``now``, ``None`` if there is none.

        An occurrence is due from its scheduled time until that time plus ``grace``, and at
        least until ``ON_TIME`` after it, so that a grace of 0 still posts the occurrence a timer
        fires for a moment after its time. Of several due occurrences the newest is posted (the
        others are folded into it); one created before the reminder, or not newer than the last
        one claimed, is never due."""
        if not self.active:
            return None
        # ``latest_due`` looks in (after, now]: one microsecond earlier keeps an occurrence
        # exactly at the end of its window due.
        after = max(self.created_at, now - max(grace, ON_TIME) - _INSTANT)
        if self.last_claimed_for is not None:
            after = max(after, self.last_claimed_for)
        return self.schedule.latest_due(after, now, self.zone)


class ReminderStore(Protocol):
    """Reminders and the claims on their occurrences, shared by every process."""

    async def add(self, reminder: Reminder) -> Reminder:
        """Store a new reminder and give it its id (unique across workspaces)."""
        ...

    async def get(self, reminder_id: int) -> Reminder | None:
        """The reminder with that id, in whichever workspace (the scheduler knows only ids)."""
        ...

    async def in_workspace(
        self, workspace: Workspace, channel_id: str | None = None
    ) -> list[Reminder]:
        """The workspace's reminders (only that channel's, if given), oldest first."""
        ...

    async def everywhere(self) -> list[Reminder]:
        """Every reminder of every workspace, disabled ones too, for operators."""
        ...

    async def active(self) -> list[Reminder]:
        """Every reminder that is not disabled, in every workspace, for the scheduler."""
        ...

    async def remove(self, workspace: Workspace, reminder_id: int) -> bool:
        """Delete the reminder if it belongs to that workspace; ``False`` if it does not exist
        there (a reminder is never removed through another workspace)."""
        ...

    async def claim(self, reminder_id: int, scheduled_for: datetime, at: datetime) -> bool:
        """Claim one occurrence. ``True`` for exactly one caller, however many processes try at
        once; ``False`` if it (or a newer occurrence) was claimed before, or the reminder is
        gone or disabled. The claim sticks once the unit of work commits."""
        ...

    async def record_outcome(
        self, reminder_id: int, scheduled_for: datetime, at: datetime, outcome: str, posted: bool
    ) -> None:
        """Note how a claimed occurrence ended; a post moves ``last_posted_for`` on."""
        ...

    async def disable(self, reminder_id: int, reason: str, at: datetime) -> None:
        """Stop the reminder for good and keep why, so people see it in the list."""
        ...

    async def prune_occurrences(self, before: datetime) -> int:
        """Forget claims older than ``before`` (far older than any grace window)."""
        ...


class RoadmapReader(Protocol):
    async def facts(
        self, workspace: Workspace, since: datetime, until: datetime, limit: int
    ) -> RoadmapFacts:
        """What happened in the workspace in ``[since, until)`` and what stands open now, with
        at most ``limit`` entries per list and the true totals beside them. Built with
        aggregate queries, so it costs the same for a hundred items or a million."""
        ...


@dataclass(frozen=True, slots=True)
class Outlet:
    """Where one workspace's posts go, and the longest message its platform takes.

    ``max_length`` counts the text the core writes once and what people typed twice, since a
    platform's escaping can at most double it (Discord: 2000; Slack: its advised 4000)."""

    chat: Chat
    max_length: int


class ChatDirectory(Protocol):
    def outlet_for(self, workspace: Workspace) -> Outlet | None:
        """The chat that serves that workspace in this process, ``None`` when no running
        adapter does; its reminders then wait, unclaimed, for a process that serves it."""
        ...
