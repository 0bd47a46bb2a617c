"""The roadmap use cases: show the digest, manage a channel's reminders, post an occurrence.

The conversation calls the use cases for what people ask in ``/roadmap``; the scheduler calls
``fire`` with a reminder id when an occurrence is due, and ``catch_up`` every minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.digest import LIST_LIMIT, RoadmapFacts, compose_digest
from bot.identity import Person, Workspace
from bot.messages import Message, Quote
from bot.observations import UNOBSERVED, Observations
from bot.outbox import Owed, Purpose, new_key
from bot.ports import ChannelUnavailable, ChatFailed, Clock, TryLater, UnitOfWorkFactory
from bot.reminders import ChatDirectory, Outlet, Reminder, ReminderKind
from bot.schedules import ScheduleError, parse_schedule, zone_named
from bot.slas import Breach
from bot.survey_words import NO_QUESTION, poll_post
from bot.surveys import Poll, Scale
from bot.text import MAX_TEXT_LENGTH, clean, is_blank

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=1)
# A passing failure (rate limit, 5xx, network) is retried after these pauses, about a minute in
# all; after that the occurrence is given up and the next one is posted as usual.
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 32.0)
# With no update posted yet, ``/roadmap`` looks back this far.
DEFAULT_LOOKBACK = timedelta(days=7)
# Claims are kept far longer than any grace window, then forgotten.
CLAIM_MEMORY = timedelta(days=30)
DEFAULT_PROMPT = (
    "How is the platform treating you? Tell the team what works and what is in your way with "
    "/feedback <what you think>, or ask for something with /request <what you need> (start with "
    "must-have: if it cannot wait). Every message is read, and anonymous works too."
)


class NoQuestion(ScheduleError):
    """A survey reminder without its question."""

    def __init__(self) -> None:
        # Not a schedule's problem: said without a schedule's examples.
        Exception.__init__(self, NO_QUESTION)
        self.problem = NO_QUESTION


class FireOutcome(StrEnum):
    NOT_DUE = "not_due"
    CLAIMED_ELSEWHERE = "claimed_elsewhere"
    NO_CHAT = "no_chat"
    POSTED = "posted"
    FAILED = "failed"
    # Not posted after the retries, and owed (``bot.outbox``): posted once the platform takes it.
    OWED = "owed"
    DISABLED = "disabled"


Sleep = Callable[[float], Awaitable[None]]
# Keeps a message owed (``bot.journal.Journal``).
Owe = Callable[[Owed], Awaitable[None]]
# The workspace's open SLA breaches (``TriageService.open_breaches``), for the digest.
OpenBreaches = Callable[[Workspace], Awaitable[list[Breach]]]


class RoadmapService:
    """Every rule about digests and reminders, the same for every platform.

    ``default_zone`` is the zone of reminders created without one; ``grace`` how old a missed
    occurrence may be and still be posted; ``sleep`` waits between retries (tests pass their
    own, so nothing really sleeps); ``breaches`` reads the open SLA breaches a digest lists
    until they are handled; ``owe`` keeps a post that passing failures kept out, to be
    delivered once the platform takes it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        default_zone: str = "UTC",
        grace: timedelta = DEFAULT_GRACE,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Sleep = asyncio.sleep,
        breaches: OpenBreaches | None = None,
        owe: Owe | None = None,
        observations: Observations = UNOBSERVED,
    ) -> None:
        zone_named(default_zone)
        self._observations = observations
        self._uow = uow
        self._clock = clock
        self.default_zone = default_zone
        self.grace = grace
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._breaches = breaches
        self._owe = owe
        self._reading: dict[tuple[Workspace, datetime, datetime], asyncio.Future[RoadmapFacts]] = {}

    # -- the digest ---------------------------------------------------------------------------

    async def digest(
        self,
        workspace: Workspace,
        since: datetime,
        until: datetime,
        max_length: int,
        zone: ZoneInfo | None = None,
    ) -> Message:
        """The digest of ``[since, until)``, fitted to ``max_length``."""
        facts = await self._facts(workspace, since, until)
        return compose_digest(facts, zone or ZoneInfo(self.default_zone), max_length)

    async def _facts(self, workspace: Workspace, since: datetime, until: datetime) -> RoadmapFacts:
        # Reminders due together (many channels of one workspace at 09:00) ask for the same
        # period at once: they share one read instead of queueing for the database.
        key = (workspace, since, until)
        pending = self._reading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._read_facts(workspace, since, until))
            self._reading[key] = pending
            pending.add_done_callback(lambda _: self._reading.pop(key, None))
        return await asyncio.shield(pending)

    async def _read_facts(
        self, workspace: Workspace, since: datetime, until: datetime
    ) -> RoadmapFacts:
        async with self._uow() as uow:
            facts = await uow.roadmap.facts(workspace, since, until, LIST_LIMIT)
        if self._breaches is None:
            return facts
        return replace(facts, breaches=await self._breaches(workspace))

    async def current_digest(
        self, workspace: Workspace, channel_id: str, max_length: int
    ) -> Message:
        """The digest the channel's next update would start from: since its last posted
        roadmap update, or of the last week when it has none."""
        now = self._clock.now()
        reminders = [
            r for r in await self.reminders(workspace, channel_id) if r.kind is ReminderKind.ROADMAP
        ]
        posted = [r.last_posted_for for r in reminders if r.last_posted_for is not None]
        since = max(posted) if posted else now - DEFAULT_LOOKBACK
        zone = reminders[0].zone if reminders else None
        return await self.digest(workspace, since, now, max_length, zone)

    # -- managing reminders -------------------------------------------------------------------

    async def add_reminder(
        self,
        workspace: Workspace,
        channel_id: str,
        schedule: str,
        *,
        kind: ReminderKind = ReminderKind.ROADMAP,
        text: str = "",
        time_zone: str | None = None,
        created_by: Person | None = None,
        scale: Scale | None = None,
    ) -> Reminder:
        """Add a reminder to a channel. ``schedule`` may end in ``in <Zone>``; otherwise
        ``time_zone``, otherwise the default zone. A schedule that cannot be read raises
        ``ScheduleError`` with an example that works. A survey's ``text`` is its question
        (required, ``NoQuestion`` otherwise) and ``scale`` its scale (1-5 by default); the
        other kinds have no scale."""
        parsed, named_zone = parse_schedule(schedule)
        zone = named_zone or time_zone or self.default_zone
        zone_named(zone)
        text = clean(text)
        what = "survey's question" if kind is ReminderKind.SURVEY else "prompt's text"
        if len(text) > MAX_TEXT_LENGTH:
            raise ScheduleError(f"The {what} is over {MAX_TEXT_LENGTH:,} characters")
        if kind is ReminderKind.SURVEY and is_blank(text):
            raise NoQuestion()
        reminder = Reminder(
            workspace=workspace,
            channel_id=channel_id,
            schedule=parsed,
            time_zone=zone,
            kind=kind,
            created_at=self._clock.now(),
            created_by=created_by,
            text="" if is_blank(text) else text,
            scale=(scale or Scale.FIVE) if kind is ReminderKind.SURVEY else None,
        )
        async with self._uow() as uow:
            reminder = await uow.reminders.add(reminder)
            await uow.commit()
        log.info("reminder %s added in %s #%s", reminder.id, workspace, channel_id)
        return reminder

    async def reminders(
        self, workspace: Workspace, channel_id: str | None = None
    ) -> list[Reminder]:
        async with self._uow() as uow:
            return await uow.reminders.in_workspace(workspace, channel_id)

    async def all_reminders(self) -> list[Reminder]:
        """Every reminder of every workspace, disabled ones too (for operators)."""
        async with self._uow() as uow:
            return await uow.reminders.everywhere()

    async def remove_reminder(self, workspace: Workspace, reminder_id: int) -> bool:
        """Remove a reminder of that workspace; another workspace's ids are not found."""
        async with self._uow() as uow:
            removed = await uow.reminders.remove(workspace, reminder_id)
            await uow.commit()
        return removed

    # -- posting occurrences ------------------------------------------------------------------

    async def scheduled(self) -> list[Reminder]:
        """Every active reminder, for the scheduler to arm."""
        async with self._uow() as uow:
            return await uow.reminders.active()

    async def catch_up(self, chats: ChatDirectory) -> list[FireOutcome]:
        """Post every occurrence that is due and not yet claimed: those missed while no process
        ran (within the grace window) and those of reminders another process just added."""
        now = self._clock.now()
        due = [r for r in await self.scheduled() if r.due(now, self.grace) is not None]
        return list(await asyncio.gather(*(self._fire(r, chats) for r in due)))

    async def fire(self, reminder_id: int, chats: ChatDirectory) -> FireOutcome:
        """Post the reminder's due occurrence once: claim it, then post it, retrying passing
        failures; a channel the bot may not post in disables the reminder."""
        async with self._uow() as uow:
            reminder = await uow.reminders.get(reminder_id)
        if reminder is None:
            return FireOutcome.NOT_DUE
        return await self._fire(reminder, chats)

    async def _fire(self, reminder: Reminder, chats: ChatDirectory) -> FireOutcome:
        assert reminder.id is not None
        now = self._clock.now()
        occurrence = reminder.due(now, self.grace)
        if occurrence is None:
            return FireOutcome.NOT_DUE
        outlet = chats.outlet_for(reminder.workspace)
        if outlet is None:
            log.debug("no chat serves %s here; reminder %s waits", reminder.workspace, reminder.id)
            return FireOutcome.NO_CHAT
        async with self._uow() as uow:
            claimed = await uow.reminders.claim(reminder.id, occurrence, now)
            await uow.commit()
        if not claimed:
            return FireOutcome.CLAIMED_ELSEWHERE
        platform = reminder.workspace.platform
        missed = reminder.missed_before(occurrence)
        if missed:
            self._observations.reminder(platform, "missed", missed)
        message = await self._compose(reminder, occurrence, outlet)
        outcome, detail = await self._post(reminder, outlet, message)
        self._observations.reminder(platform, outcome.value)
        async with self._uow() as uow:
            await uow.reminders.record_outcome(
                reminder.id,
                occurrence,
                self._clock.now(),
                detail,
                posted=outcome is FireOutcome.POSTED,
            )
            if outcome is FireOutcome.DISABLED:
                await uow.reminders.disable(
                    reminder.id,
                    f"the bot cannot post in this channel ({detail}); invite it and add the "
                    "reminder again",
                    self._clock.now(),
                )
            await uow.commit()
        return outcome

    async def _compose(self, reminder: Reminder, occurrence: datetime, outlet: Outlet) -> Message:
        if reminder.kind is ReminderKind.SURVEY:
            return await self._poll(reminder, occurrence)
        if reminder.kind is ReminderKind.PROMPT:
            return Message.of(Quote(reminder.text)) if reminder.text else Message.of(DEFAULT_PROMPT)
        since = reminder.last_posted_for or reminder.created_at
        return await self.digest(
            reminder.workspace, since, occurrence, outlet.max_length, reminder.zone
        )

    async def _poll(self, reminder: Reminder, occurrence: datetime) -> Message:
        """A survey's occurrence: its poll is kept (once, however often this is tried), so
        its buttons name it, then posted with them."""
        async with self._uow() as uow:
            poll = await uow.surveys.open_poll(
                Poll(
                    reminder.workspace,
                    reminder.channel_id,
                    reminder.text,
                    reminder.scale or Scale.FIVE,
                    occurrence,
                    self._clock.now(),
                    reminder_id=reminder.id,
                )
            )
            await uow.commit()
        return poll_post(poll)

    async def _post(
        self, reminder: Reminder, outlet: Outlet, message: Message
    ) -> tuple[FireOutcome, str]:
        # One marker for every attempt, so the outbox can find a post whose answer was lost.
        marker = new_key()
        maybe_sent = False
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            try:
                posted = await outlet.chat.post(reminder.channel_id, message, marker=marker)
            except ChannelUnavailable as unavailable:
                log.warning(
                    "reminder %s disabled: cannot post in %s of %s (%s)",
                    reminder.id,
                    reminder.channel_id,
                    reminder.workspace,
                    unavailable.reason,
                )
                return FireOutcome.DISABLED, unavailable.reason
            except ChatFailed as failed:
                maybe_sent = maybe_sent or (isinstance(failed, TryLater) and failed.maybe_sent)
                if delay is None and self._owe is not None and isinstance(failed, TryLater):
                    await self._owe(
                        Owed(
                            reminder.workspace,
                            Purpose.POST,
                            self._clock.now(),
                            fixed_key=marker,
                            channel_id=reminder.channel_id,
                            message=message,
                            maybe_sent=maybe_sent,
                        )
                    )
                    log.warning(
                        "reminder %s owed after %d attempts: %s",
                        reminder.id,
                        attempt,
                        failed.reason,
                    )
                    return FireOutcome.OWED, f"owed after {attempt} attempts: {failed.reason}"
                if delay is None:
                    log.error(
                        "reminder %s not posted after %d attempts: %s",
                        reminder.id,
                        attempt,
                        failed.reason,
                    )
                    return FireOutcome.FAILED, failed.reason
                log.info("reminder %s: %s; retrying in %ss", reminder.id, failed.reason, delay)
                await self._sleep(delay)
                continue
            log.info("reminder %s posted in %s as %s", reminder.id, reminder.channel_id, posted)
            return FireOutcome.POSTED, "posted"
        raise AssertionError("unreachable")  # pragma: no cover

    async def prune(self) -> int:
        """Forget claims old enough never to matter again."""
        async with self._uow() as uow:
            pruned = await uow.reminders.prune_occurrences(self._clock.now() - CLAIM_MEMORY)
            await uow.commit()
        return pruned
