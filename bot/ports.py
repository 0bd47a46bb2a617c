"""The ports: what the core needs from the world, stated as the business rules it relies on.

Storage adapters implement ``UnitOfWork``/``ItemRepository``; platform adapters implement
``Chat``; the composition root passes a ``Clock``. Tests implement them with small fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.backlog import BacklogReader

# Re-exported: adapters name the chat port through ``bot.ports`` like every other port.
from bot.chat import ChannelUnavailable as ChannelUnavailable
from bot.chat import Chat as Chat
from bot.chat import ChatFailed as ChatFailed
from bot.chat import DirectChat as DirectChat
from bot.chat import TryLater as TryLater
from bot.dashboard_access import AccessStore
from bot.identity import MessageRef, Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import KpiReader
from bot.outbox import OutboxStore, Owed, Postponed, Settled
from bot.reminders import ReminderStore, RoadmapReader
from bot.slas import SlaStore
from bot.surveys import SurveyStore
from bot.trackers import IssueLinkStore
from bot.webhook_events import Event
from bot.webhooks import WebhookStore


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """Which items of one workspace to list; ``None`` means any."""

    kind: ItemKind | None = None
    statuses: frozenset[Status] | None = None
    priority: Priority | None = None
    stakeholder: Stakeholder | None = None
    author_id: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ThanksNote:
    """When item ``number`` was acknowledged, and which message (if any) carries the thanks."""

    workspace: Workspace
    number: int
    at: datetime
    message: MessageRef | None


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting item ``number`` removed with it, row by row (issue 18)."""

    number: int
    votes: int = 0
    status_changes: int = 0
    sla_breaches: int = 0
    survey_answers: int = 0
    tracker_links: int = 0
    tracker_notes: int = 0
    owed_messages: int = 0
    webhook_deliveries: int = 0
    # The items merged into it as duplicates: kept, still pointing at its number.
    duplicates: tuple[int, ...] = ()


@dataclass(slots=True)
class FirstDelivery:
    """A new item from a delivery its platform may repeat (a retried or replayed request):
    stored, with what it owes, only if ``delivery_id`` was not seen in its workspace before.
    ``first`` says which, once written."""

    item: Item
    owed: list[Owed]
    delivery_id: str
    at: datetime
    first: bool | None = None
    # The webhook events of the item, emitted with it if it is stored.
    events: list[Event] = field(default_factory=list)


@dataclass(slots=True)
class Writes:
    """What arrived together to be written in one transaction, in this order: new items, the
    messages owed (for them), items of deliveries that may repeat (``once``: stored after
    ``new`` when their delivery is the first), thank-you notes, and owed messages settled or
    postponed."""

    new: list[Item] = field(default_factory=list)
    owed: list[Owed] = field(default_factory=list)
    once: list[FirstDelivery] = field(default_factory=list)
    notes: list[ThanksNote] = field(default_factory=list)
    settled: list[Settled] = field(default_factory=list)
    postponed: list[Postponed] = field(default_factory=list)
    # Webhook events of ``new`` items (``bot.webhooks``), emitted once the items are numbered.
    events: list[Event] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.new
            or self.owed
            or self.once
            or self.notes
            or self.settled
            or self.postponed
            or self.events
        )

    def adding(self) -> set[Workspace]:
        """The workspaces something is added to (made if new; a note never makes one)."""
        return {
            *(item.workspace for item in self.new),
            *(owed.workspace for owed in self.owed),
            *(each.item.workspace for each in self.once),
        }

    def to_add(self, firsts: Sequence[FirstDelivery]) -> tuple[list[Item], list[Owed]]:
        """The items and owed messages to add: ``new`` and ``owed``, then those of the
        deliveries of ``once`` that were the first (``firsts``)."""
        return (
            [*self.new, *(each.item for each in firsts)],
            [*self.owed, *(owed for each in firsts for owed in each.owed)],
        )

    def to_emit(self, firsts: Sequence[FirstDelivery]) -> list[Event]:
        """The webhook events to emit: ``events``, then those of the deliveries of ``once``
        that were the first."""
        return [*self.events, *(event for each in firsts for event in each.events)]


class WriteTogether(Protocol):
    """``Writes`` that arrived together, written in one transaction.

    Each workspace numbers its new items after its last number, in the order given (the numbers
    are set on the items); a workspace seen for the first time is made. An item of ``once`` is
    stored only if its delivery is the first of that id in its workspace (within the batch
    too), and ``first`` is set on each. A note of an item that does not exist changes nothing.
    Either all of it is kept or, with ``StorageError``, none."""

    async def __call__(self, writes: Writes) -> None: ...


class ItemRepository(Protocol):
    """Items, their votes and their history. Every method is scoped to one workspace: nothing
    of one workspace is ever read or changed through another."""

    async def add(self, item: Item) -> Item:
        """Store a new item and give it the next public number of its workspace (1, 2, ...).

        Numbers are never reused, and two items of one workspace never share one, even when
        several processes add items at once."""
        ...

    async def add_all(self, items: Sequence[Item]) -> list[Item]:
        """Store new items together, numbered as ``add`` would, in the order given."""
        ...

    async def get(self, workspace: Workspace, number: int) -> Item | None:
        """The item with that number, with its status history, or ``None``."""
        ...

    async def get_by_thanks(self, workspace: Workspace, thanks: MessageRef) -> Item | None:
        """The item whose thank-you is that message, so a reaction on it can find the item."""
        ...

    async def get_by_source(self, workspace: Workspace, source: MessageRef) -> Item | None:
        """The item captured from that message, so a message is never recorded twice."""
        ...

    async def record_thanks(self, notes: Sequence[ThanksNote]) -> None:
        """Note the thank-yous of items (of any workspaces); cheap, since every item makes one."""
        ...

    async def update(self, item: Item) -> None:
        """Save the item's status, priority and stakeholder kind (and its author's display
        name, never an author for an anonymous item), and append any status changes not yet
        stored. Its acknowledgement and thank-you are saved by ``record_thanks`` alone."""
        ...

    async def add_vote(
        self,
        workspace: Workspace,
        number: int,
        voter_id: str,
        at: datetime,
        voter_name: str | None = None,
    ) -> bool:
        """Count one vote of that person for that item; ``False`` if they had already voted.
        ``voter_name`` is their display name, kept with the vote when their platform told it
        (and written on a vote already cast that had none)."""
        ...

    async def remove_vote(self, workspace: Workspace, number: int, voter_id: str) -> bool:
        """Withdraw that person's vote; ``False`` if they had none."""
        ...

    async def name_voter(self, workspace: Workspace, voter_id: str, name: str) -> int:
        """Write ``name`` on that person's votes in that workspace that carry no name (or only
        their id), as when their platform tells it after the vote; a name already kept stays.
        How many votes were named."""
        ...

    async def remove_votes(self, workspace: Workspace, number: int) -> int:
        """Withdraw every vote on that item; how many there were."""
        ...

    async def search(self, workspace: Workspace, query: ItemQuery) -> list[Item]:
        """Matching items, newest first, at most ``query.limit``."""
        ...

    def export(self, workspace: Workspace) -> AsyncIterator[Item]:
        """Every item of the workspace in number order, read in pages so memory stays flat."""
        ...

    async def workspaces(self) -> list[Workspace]:
        """Every workspace that has recorded anything (for operators' exports)."""
        ...

    async def move_votes(self, workspace: Workspace, duplicate: int, kept: int) -> int:
        """Move the votes of a duplicate onto the item it is merged into, once per person: a
        person who voted for both counts once. The duplicate keeps no votes; returns how many
        votes the kept item gained."""
        ...

    async def voter_ids(self, workspace: Workspace, number: int) -> list[str]:
        """The platform ids of the people who vote for that item, to tell them its outcome."""
        ...

    async def delete(self, workspace: Workspace, number: int) -> Deletion | None:
        """Delete the item and everything kept about it: its votes, status history, SLA
        breach, survey answers, tracker links and notes, the messages owed about it (sent or
        not) and its webhook deliveries. The KPI figures and open counts then read as if it had
        never been; its number is never handed out again. ``None`` when there is no such item
        (issue 18)."""
        ...


class DeliveryLog(Protocol):
    """Platforms deliver some events more than once (Slack retries with the same event id)."""

    async def first_delivery(self, workspace: Workspace, delivery_id: str, at: datetime) -> bool:
        """Claim the delivery; ``False`` if it was claimed before, so its effect is skipped.
        The claim belongs to the unit of work, so it only sticks if the effect is committed."""
        ...

    async def first_deliveries(self, once: Sequence[FirstDelivery]) -> list[FirstDelivery]:
        """Claim each one's delivery, setting its ``first``; those that were first, in order."""
        ...


class Transaction(Protocol):
    """One transaction, used with ``async with``. Nothing is kept unless ``commit`` is called
    before the block ends; storage failures surface as ``bot.errors.StorageError``."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """One transaction over everything stored: items, their votes and the deliveries already
    handled, reminders and the roadmap digest's facts, SLA claims and the KPIs, the
    messages the bot owes, and the dashboard's sign-in links and sessions."""

    items: ItemRepository
    deliveries: DeliveryLog
    reminders: ReminderStore
    roadmap: RoadmapReader
    slas: SlaStore
    kpis: KpiReader
    outbox: OutboxStore
    access: AccessStore
    backlog: BacklogReader
    # Items' links to tracker issues (issue 16).
    links: IssueLinkStore
    webhooks: WebhookStore
    # Survey answers and the polls survey reminders posted (issue 18).
    surveys: SurveyStore


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Roles(Protocol):
    """Who may triage: change an item's status, priority or stakeholder kind, merge duplicates.

    The platform supplies the facts (a Slack workspace admin or owner or a configured user, a
    Discord member with Manage Server or a configured role, anyone in the console); the rule
    that only they may triage is the core's."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool: ...


class Seal(Protocol):
    """Seals the platform id of an anonymous author so the bot alone can write to them.

    A sealed handle is unreadable without the key from the configuration and differs every
    time it is made, so two handles of one person cannot be matched."""

    def seal(self, user_id: str) -> str: ...

    def open(self, handle: str) -> str | None:
        """The user id sealed in the handle; ``None`` if no configured key opens it."""
        ...
