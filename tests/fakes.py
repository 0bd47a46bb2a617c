"""Small hand-written fakes of the core's ports, for unit tests (no mocks of our own code).

``FakeUnitOfWorkFactory`` holds the committed state; every unit of work it opens works on a
staged copy of that state, and only ``commit`` makes the copy the new committed state. Items
handed out are copies too, so a use case that changes an item without ``update`` keeps nothing,
just as with the real database.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from bot.backlog import BacklogReader
from bot.dashboard_access import AccessStore
from bot.errors import StorageError
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder
from bot.kpis import KpiReader
from bot.messages import Message
from bot.outbox import OutboxStore, Owed, Postponed, Settled
from bot.ports import (
    ChannelUnavailable,
    ChatFailed,
    Deletion,
    DeliveryLog,
    FirstDelivery,
    ItemQuery,
    ItemRepository,
    ThanksNote,
)
from bot.reminders import Reminder, ReminderStore, RoadmapReader
from bot.service import FeedbackService, Submission
from bot.slas import SlaStore
from bot.surveys import ExportedAnswer, Poll, PollAnswer, ShippedAnswer, SurveyStore
from bot.trackers import IssueLinkStore
from bot.webhook_events import Event
from bot.webhooks import WebhookStore

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class FixedClock:
    """A clock that moves only when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now_value = now

    def now(self) -> datetime:
        return self.now_value

    def set(self, now: datetime) -> None:
        self.now_value = now

    def advance(self, delta: timedelta) -> datetime:
        self.now_value += delta
        return self.now_value


@dataclass
class FakeState:
    """What a database would hold: items by workspace and number, votes, last numbers."""

    items: dict[Workspace, dict[int, Item]] = field(default_factory=dict)
    votes: dict[tuple[Workspace, int], dict[str, datetime]] = field(default_factory=dict)
    # (workspace, number, voter id) -> the voter's name, for the votes that were told one.
    voter_names: dict[tuple[Workspace, int, str], str] = field(default_factory=dict)
    last_number: dict[Workspace, int] = field(default_factory=dict)
    deliveries: set[tuple[Workspace, str]] = field(default_factory=set)
    owed: dict[str, Owed] = field(default_factory=dict)
    settled: dict[str, Settled] = field(default_factory=dict)
    # Webhook events emitted (``FakeWebhooks``), in order.
    events: list[Event] = field(default_factory=list)
    # Survey answers (``FakeSurveys``): by (workspace, number, respondent), and polls' by
    # (poll id, user id).
    shipped_answers: dict[tuple[Workspace, int, str], ShippedAnswer] = field(default_factory=dict)
    polls: dict[int, Poll] = field(default_factory=dict)
    poll_answers: dict[tuple[int, str], PollAnswer] = field(default_factory=dict)
    # Reminders (``FakeReminders``, where a test keeps them in memory) and claimed occurrences.
    reminders: dict[int, Reminder] = field(default_factory=dict)
    occurrences: set[tuple[int, datetime]] = field(default_factory=set)


class FakeItemRepository:
    """``bot.ports.ItemRepository`` in memory, scoped by workspace like the real one."""

    def __init__(self, state: FakeState | None = None) -> None:
        self.state = state if state is not None else FakeState()

    def _items(self, workspace: Workspace) -> dict[int, Item]:
        return self.state.items.get(workspace, {})

    async def add(self, item: Item) -> Item:
        number = self.state.last_number.get(item.workspace, 0) + 1
        self.state.last_number[item.workspace] = number
        item.number = number
        self.state.items.setdefault(item.workspace, {})[number] = copy.deepcopy(item)
        return item

    async def add_all(self, items: Sequence[Item]) -> list[Item]:
        return [await self.add(item) for item in items]

    async def get(self, workspace: Workspace, number: int) -> Item | None:
        item = self._items(workspace).get(number)
        return copy.deepcopy(item)

    async def get_by_thanks(self, workspace: Workspace, thanks: MessageRef) -> Item | None:
        for item in self._items(workspace).values():
            if item.thanks == thanks:
                return copy.deepcopy(item)
        return None

    async def update(self, item: Item) -> None:
        # Like the SQL repository: only these fields are saved, and new history is appended.
        assert item.number is not None
        stored = self._items(item.workspace)[item.number]
        stored.status = item.status
        stored.duplicate_of = item.duplicate_of
        stored.priority = item.priority
        stored.stakeholder = item.stakeholder
        if stored.author is not None and item.author is not None:
            stored.author = item.author
        stored.status_changed_at = item.status_changed_at
        stored.history.extend(copy.deepcopy(item.history[len(stored.history) :]))

    async def add_vote(
        self,
        workspace: Workspace,
        number: int,
        voter_id: str,
        at: datetime,
        voter_name: str | None = None,
    ) -> bool:
        item = self._items(workspace).get(number)
        if item is None:
            return False
        voters = self.state.votes.setdefault((workspace, number), {})
        if voter_name is not None:
            self.state.voter_names.setdefault((workspace, number, voter_id), voter_name)
        if voter_id in voters:
            return False
        voters[voter_id] = at
        item.votes += 1
        return True

    async def remove_vote(self, workspace: Workspace, number: int, voter_id: str) -> bool:
        item = self._items(workspace).get(number)
        voters = self.state.votes.get((workspace, number), {})
        if item is None or voter_id not in voters:
            return False
        del voters[voter_id]
        item.votes -= 1
        return True

    async def name_voter(self, workspace: Workspace, voter_id: str, name: str) -> int:
        named = 0
        for (where, number), voters in self.state.votes.items():
            key = (workspace, number, voter_id)
            if where == workspace and voter_id in voters and key not in self.state.voter_names:
                self.state.voter_names[key] = name
                named += 1
        return named

    async def remove_votes(self, workspace: Workspace, number: int) -> int:
        item = self._items(workspace).get(number)
        voters = self.state.votes.pop((workspace, number), {})
        if item is not None:
            item.votes -= len(voters)
        return len(voters)

    async def export(self, workspace: Workspace) -> AsyncIterator[Item]:
        for number in sorted(self._items(workspace)):
            yield copy.deepcopy(self._items(workspace)[number])

    async def record_thanks(self, notes: Sequence[ThanksNote]) -> None:
        for note in notes:
            item = self._items(note.workspace).get(note.number)
            if item is not None:
                item.acknowledged_at, item.thanks = note.at, note.message

    async def get_by_source(self, workspace: Workspace, source: MessageRef) -> Item | None:
        for item in self._items(workspace).values():
            if item.source == source:
                return copy.deepcopy(item)
        return None

    async def first_delivery(self, workspace: Workspace, delivery_id: str, at: datetime) -> bool:
        if (workspace, delivery_id) in self.state.deliveries:
            return False
        self.state.deliveries.add((workspace, delivery_id))
        return True

    async def first_deliveries(self, once: Sequence[FirstDelivery]) -> list[FirstDelivery]:
        for each in once:
            each.first = await self.first_delivery(each.item.workspace, each.delivery_id, each.at)
        return [each for each in once if each.first]

    async def workspaces(self) -> list[Workspace]:
        return [workspace for workspace, items in self.state.items.items() if items]

    def voters(self, workspace: Workspace, number: int) -> set[str]:
        return set(self.state.votes.get((workspace, number), {}))

    async def move_votes(self, workspace: Workspace, duplicate: int, kept: int) -> int:
        moving = self.state.votes.pop((workspace, duplicate), {})
        voters = self.state.votes.setdefault((workspace, kept), {})
        new = {voter: at for voter, at in moving.items() if voter not in voters}
        voters.update(new)
        self._items(workspace)[duplicate].votes = 0
        self._items(workspace)[kept].votes += len(new)
        return len(new)

    async def voter_ids(self, workspace: Workspace, number: int) -> list[str]:
        return list(self.state.votes.get((workspace, number), {}))

    async def delete(self, workspace: Workspace, number: int) -> Deletion | None:
        item = self._items(workspace).pop(number, None)
        if item is None:
            return None
        voters = self.state.votes.pop((workspace, number), {})
        return Deletion(number, votes=len(voters), status_changes=len(item.history))

    # Defined last: inside the class body, ``list`` names this method from here on.
    async def search(self, workspace: Workspace, query: ItemQuery) -> list[Item]:
        found = [
            item
            for item in self._items(workspace).values()
            if (query.kind is None or item.kind is query.kind)
            and (query.statuses is None or item.status in query.statuses)
            and (query.priority is None or item.priority is query.priority)
            and (query.stakeholder is None or item.stakeholder is query.stakeholder)
            and (
                query.author_id is None
                or (item.author is not None and item.author.user_id == query.author_id)
            )
        ]
        found.sort(key=lambda item: item.number or 0, reverse=True)
        return [copy.deepcopy(item) for item in found[: query.limit]]


class FakeOutbox:
    """``bot.outbox.OutboxStore`` in memory: owed messages by key, and how each was settled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def add(self, owed: list[Owed]) -> None:
        for each in owed:
            kept = copy.copy(each)
            kept.item_number, kept.item = each.number, None
            kept.fixed_key = each.key
            kept.maybe_sent = each.maybe_sent or each.claimed_by is not None
            self.state.owed[each.key] = kept

    async def settle(self, settled: list[Settled]) -> None:
        for each in settled:
            self.state.owed.pop(each.key, None)
            self.state.settled[each.key] = each

    async def postpone(self, postponed: list[Postponed]) -> None:
        for each in postponed:
            owed = self.state.owed.get(each.key)
            if owed is not None:
                owed.due_at, owed.attempts, owed.maybe_sent, owed.tried_at = (
                    each.due_at,
                    each.attempts,
                    each.maybe_sent,
                    each.tried_at,
                )
                owed.claimed_by = owed.claimed_until = None

    async def claim(
        self, platforms: frozenset[Platform], now: datetime, *, by: str, until: datetime, limit: int
    ) -> list[Owed]:
        due = [
            owed
            for owed in self.state.owed.values()
            if owed.platform in platforms
            and (owed.due_at or owed.created_at) <= now
            and (owed.claimed_until is None or owed.claimed_until <= now)
        ][:limit]
        taken = []
        for owed in due:
            taken.append(copy.copy(owed))
            owed.claimed_by, owed.claimed_until, owed.maybe_sent = by, until, True
            owed.tried_at = now
        return taken

    async def release(self, by: str) -> int:
        held = [owed for owed in self.state.owed.values() if owed.claimed_by == by]
        for owed in held:
            owed.claimed_by = owed.claimed_until = None
        return len(held)

    async def pending(self) -> int:
        return len(self.state.owed)


class FakeWebhooks:
    """``bot.webhooks.WebhookStore`` for the use cases' unit tests: the events emitted are
    kept (as if every one had a subscriber); endpoints and deliveries are tested on a real
    database."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def emit(self, events: Sequence[Event]) -> int:
        self.state.events.extend(copy.deepcopy(list(events)))
        return len(events)

    def __getattr__(self, method: str) -> Any:
        raise AssertionError(f"these use cases need no webhook endpoints ({method})")


class FakeSurveys:
    """``bot.surveys.SurveyStore`` in memory, with the port's rules: one answer per person
    per item and per poll, a later one replacing the earlier (keeping the comment unless it
    brings one), one poll per reminder occurrence."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def answer_shipped(self, answer: ShippedAnswer) -> ShippedAnswer | None:
        key = (answer.workspace, answer.number, answer.respondent)
        before = self.state.shipped_answers.get(key)
        comment = answer.comment if answer.comment is not None else (before and before.comment)
        # The same answer again was given when it was first given.
        kept = before.answered_at if before and before.answer is answer.answer else None
        self.state.shipped_answers[key] = replace(
            answer, comment=comment or None, answered_at=kept or answer.answered_at
        )
        return before

    async def shipped_answer(
        self, workspace: Workspace, number: int, respondent: str
    ) -> ShippedAnswer | None:
        return self.state.shipped_answers.get((workspace, number, respondent))

    async def comment_shipped(
        self, workspace: Workspace, number: int, respondent: str, comment: str
    ) -> ShippedAnswer | None:
        key = (workspace, number, respondent)
        before = self.state.shipped_answers.get(key)
        if before is None:
            return None
        self.state.shipped_answers[key] = replace(before, comment=comment)
        return self.state.shipped_answers[key]

    async def open_poll(self, poll: Poll) -> Poll:
        for kept in self.state.polls.values():
            if kept.reminder_id == poll.reminder_id and kept.scheduled_for == poll.scheduled_for:
                return kept
        opened = replace(poll, id=len(self.state.polls) + 1)
        self.state.polls[len(self.state.polls) + 1] = opened
        return opened

    async def poll(self, poll_id: int) -> Poll | None:
        return self.state.polls.get(poll_id)

    async def answer_poll(self, answer: PollAnswer) -> int | None:
        before = self.state.poll_answers.get((answer.poll_id, answer.user_id))
        self.state.poll_answers[(answer.poll_id, answer.user_id)] = answer
        return None if before is None else before.value

    async def export(self, workspace: Workspace) -> AsyncIterator[ExportedAnswer]:
        for answer in sorted(
            (a for a in self.state.shipped_answers.values() if a.workspace == workspace),
            key=lambda a: (a.number, a.answered_at),
        ):
            yield ExportedAnswer(
                workspace,
                "shipped",
                answer.answer.value,
                answer.answered_at,
                answer.user_id,
                role=answer.role.value,
                number=answer.number,
                comment=answer.comment,
            )
        for key in sorted(self.state.poll_answers, key=lambda k: (k[0], k[1])):
            given = self.state.poll_answers[key]
            poll = self.state.polls[given.poll_id]
            if poll.workspace == workspace:
                yield ExportedAnswer(
                    workspace,
                    "pulse",
                    poll.scale.label(given.value),
                    given.answered_at,
                    given.user_id,
                    stakeholder=given.stakeholder.value,
                    poll_id=poll.id,
                    question=poll.question,
                    scheduled_for=poll.scheduled_for,
                )


class FakeReminders:
    """``bot.reminders.ReminderStore`` in memory, for the use cases' unit tests that a real
    database cannot serve yet (``FakeUnitOfWorkFactory.keeps_reminders``): one claim per
    occurrence, a newer claim closing the older ones."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def add(self, reminder: Reminder) -> Reminder:
        kept = replace(reminder, id=len(self.state.reminders) + 1)
        self.state.reminders[kept.id or 0] = kept
        return replace(kept)

    async def get(self, reminder_id: int) -> Reminder | None:
        kept = self.state.reminders.get(reminder_id)
        return None if kept is None else replace(kept)

    async def in_workspace(
        self, workspace: Workspace, channel_id: str | None = None
    ) -> list[Reminder]:
        return [
            replace(r)
            for r in self.state.reminders.values()
            if r.workspace == workspace and channel_id in (None, r.channel_id)
        ]

    async def everywhere(self) -> list[Reminder]:
        return [replace(r) for r in self.state.reminders.values()]

    async def active(self) -> list[Reminder]:
        return [replace(r) for r in self.state.reminders.values() if r.active]

    async def remove(self, workspace: Workspace, reminder_id: int) -> bool:
        kept = self.state.reminders.get(reminder_id)
        if kept is None or kept.workspace != workspace:
            return False
        del self.state.reminders[reminder_id]
        return True

    async def claim(self, reminder_id: int, scheduled_for: datetime, at: datetime) -> bool:
        kept = self.state.reminders.get(reminder_id)
        if (
            kept is None
            or not kept.active
            or (reminder_id, scheduled_for) in self.state.occurrences
        ):
            return False
        if kept.last_claimed_for is not None and kept.last_claimed_for >= scheduled_for:
            return False
        self.state.occurrences.add((reminder_id, scheduled_for))
        kept.last_claimed_for = scheduled_for
        return True

    async def record_outcome(
        self, reminder_id: int, scheduled_for: datetime, at: datetime, outcome: str, posted: bool
    ) -> None:
        kept = self.state.reminders.get(reminder_id)
        if kept is not None and posted:
            kept.last_posted_for = scheduled_for

    async def disable(self, reminder_id: int, reason: str, at: datetime) -> None:
        kept = self.state.reminders.get(reminder_id)
        if kept is not None:
            kept.disabled_at, kept.disabled_reason = at, reason

    async def prune_occurrences(self, before: datetime) -> int:
        old = {each for each in self.state.occurrences if each[1] < before}
        self.state.occurrences -= old
        return len(old)


class Unreached:
    """Stands for a repository the unit tests must not reach (reminders, the roadmap, SLAs,
    KPIs and dashboard access are tested on a real database): any use of it fails the test,
    naming it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        raise AssertionError(f"these use cases need no {self._name} storage ({method})")


class FakeUnitOfWork:
    """One transaction over a staged copy of the factory's committed state."""

    # Declared as the port (a protocol attribute is invariant); ``staged`` is the fake itself.
    items: ItemRepository
    deliveries: DeliveryLog
    reminders: ReminderStore
    roadmap: RoadmapReader
    slas: SlaStore
    kpis: KpiReader
    outbox: OutboxStore
    access: AccessStore
    backlog: BacklogReader
    links: IssueLinkStore
    webhooks: WebhookStore
    surveys: SurveyStore
    staged: FakeItemRepository

    def __init__(self, factory: FakeUnitOfWorkFactory, *, fail: bool = False) -> None:
        self._factory = factory
        self._fail = fail
        self.committed = False
        self.reminders = Unreached("reminder")
        self.roadmap = Unreached("roadmap")
        self.slas = Unreached("SLA")
        self.kpis = Unreached("KPI")
        self.access = Unreached("dashboard access")
        self.backlog = Unreached("backlog")
        self.links = Unreached("tracker link")

    async def __aenter__(self) -> Self:
        if self._fail:
            raise StorageError("cannot reach the database (fake)")
        self.staged = FakeItemRepository(copy.deepcopy(self._factory.state))
        self.items = self.staged
        self.deliveries = self.staged
        self.outbox = FakeOutbox(self.staged.state)
        self.webhooks = FakeWebhooks(self.staged.state)
        self.surveys = FakeSurveys(self.staged.state)
        if self._factory.keeps_reminders:
            self.reminders = FakeReminders(self.staged.state)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped with the staged copy.
        return None

    async def commit(self) -> None:
        if self._factory.fail_on_commit:
            raise StorageError("the database failed at commit (fake)")
        self._factory.state = copy.deepcopy(self.staged.state)
        self.committed = True


class FakeUnitOfWorkFactory:
    """Hands out units of work and keeps what they committed.

    ``unreachable`` makes every new unit of work fail with ``StorageError``; ``fail_after``
    lets that many units of work succeed first; ``fail_on_commit`` makes commits fail.
    """

    def __init__(self) -> None:
        self.state = FakeState()
        self.units: list[FakeUnitOfWork] = []
        self.unreachable = False
        self.fail_after: int | None = None
        self.fail_on_commit = False
        # Reminders kept in memory (``FakeReminders``) instead of refused as unreached.
        self.keeps_reminders = False

    def __call__(self) -> FakeUnitOfWork:
        fail = self.unreachable or (
            self.fail_after is not None and len(self.units) >= self.fail_after
        )
        unit = FakeUnitOfWork(self, fail=fail)
        self.units.append(unit)
        return unit

    @property
    def committed(self) -> FakeItemRepository:
        """A read-only view of what is committed (do not change it through this)."""
        return FakeItemRepository(self.state)

    def stored(self, workspace: Workspace, number: int) -> Item | None:
        return self.state.items.get(workspace, {}).get(number)

    def stored_items(self, workspace: Workspace) -> list[Item]:
        items = self.state.items.get(workspace, {})
        return [items[number] for number in sorted(items)]

    def all_items(self) -> list[Item]:
        return [item for items in self.state.items.values() for item in items.values()]


class FakeChat:
    """``bot.ports.Chat`` that records what a person would read, rendered as plain text.

    A post or reply with a ``marker`` is kept in ``marked`` by (channel, marker); posting the
    same marker again in that channel returns the first message and shows nothing new (as
    Discord's ``enforce_nonce`` does), and ``find_posted`` finds it."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []
        self.private: list[tuple[str, str]] = []
        self.private_to: list[Person] = []
        self.threads: list[tuple[str, str, str]] = []
        self.direct: list[tuple[str, str]] = []
        self.unavailable: set[str] = set()
        self.closed_dms: set[str] = set()
        # The messages themselves (buttons included), as ``posted`` and ``direct`` are.
        self.posted_messages: list[tuple[str, Message]] = []
        self.direct_messages: list[tuple[str, Message]] = []
        self.marked: dict[tuple[str, str], MessageRef] = {}
        # Raised by every channel post while set (a passing failure, say).
        self.failing: ChatFailed | None = None
        self._next_id = 0

    def make_unavailable(self, channel_id: str) -> None:
        self.unavailable.add(channel_id)

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        if channel_id in self.unavailable:
            raise ChannelUnavailable("not_in_channel")
        if marker is not None and (channel_id, marker) in self.marked:
            return self.marked[(channel_id, marker)]
        if self.failing is not None:
            raise self.failing
        self._next_id += 1
        self.posted.append((channel_id, message.plain))
        self.posted_messages.append((channel_id, message))
        return self._mark(channel_id, marker, MessageRef(channel_id, f"msg-{self._next_id}"))

    def _mark(self, channel_id: str, marker: str | None, ref: MessageRef) -> MessageRef:
        if marker is not None:
            self.marked[(channel_id, marker)] = ref
        return ref

    async def find_posted(
        self,
        channel_id: str,
        marker: str,
        since: datetime,
        thread: MessageRef | None = None,
        until: datetime | None = None,
    ) -> MessageRef | None:
        return self.marked.get((channel_id, marker))

    async def post_private(self, channel_id: str, person: Person, message: Message) -> None:
        self.private.append((channel_id, message.plain))
        self.private_to.append(person)

    async def reply_in_thread(
        self, channel_id: str, thread: MessageRef, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        if channel_id in self.unavailable:
            raise ChannelUnavailable("not_in_channel")
        if marker is not None and (channel_id, marker) in self.marked:
            return self.marked[(channel_id, marker)]
        if self.failing is not None:
            raise self.failing
        self.threads.append((channel_id, thread.message_id, message.plain))
        reply = MessageRef(channel_id, f"{thread.message_id}-reply-{len(self.threads)}")
        return self._mark(channel_id, marker, reply)

    async def direct_message(self, person: Person, message: Message) -> None:
        """Recorded in ``direct`` as (user id, text); people in ``closed_dms`` cannot be reached."""
        if person.user_id in self.closed_dms:
            raise ChatFailed("cannot_dm_user")
        self.direct.append((person.user_id, message.plain))
        self.direct_messages.append((person.user_id, message))


# -- builders shared by the unit tests ---------------------------------------------------------

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
ADA = Person("U-ADA", "Ada")
BOB = Person("U-BOB", "Bob")
CY = Person("U-CY", "Cy")
GENERAL = "C-GENERAL"


@dataclass
class Harness:
    """The core service wired to fakes, with the fakes at hand for assertions."""

    service: FeedbackService
    uow: FakeUnitOfWorkFactory
    clock: FixedClock
    chat: FakeChat


def build() -> Harness:
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock()
    return Harness(FeedbackService(uow, clock), uow, clock, FakeChat())


def submission(
    text: str,
    *,
    kind: ItemKind = ItemKind.FEEDBACK,
    workspace: Workspace = ACME,
    author: Person = ADA,
    channel_id: str = GENERAL,
    priority: Priority | None = None,
    anonymous: bool = False,
    stakeholder: Stakeholder = Stakeholder.INTERNAL,
) -> Submission:
    return Submission(
        workspace=workspace,
        channel_id=channel_id,
        author=author,
        kind=kind,
        text=text,
        stakeholder=stakeholder,
        priority=priority,
        anonymous=anonymous,
    )


def request(text: str, **kwargs: Any) -> Submission:
    return submission(text, kind=ItemKind.REQUEST, **kwargs)


class Waits:
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
