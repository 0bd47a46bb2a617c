"""Items (feedback and requests), their lifecycle, and the rules of that lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.errors import InvalidTransition
from bot.identity import MessageRef, Person, Workspace
from bot.issue_links import IssueLink


class ItemKind(StrEnum):
    FEEDBACK = "feedback"
    REQUEST = "request"


class Priority(StrEnum):
    MUST_HAVE = "must-have"
    GOOD_TO_HAVE = "good-to-have"


class Stakeholder(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Status(StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PILOT = "in_pilot"
    SHIPPED = "shipped"
    DECLINED = "declined"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, text: str) -> Status:
        """Accept what people type: ``under review``, ``under-review`` or ``under_review``."""
        key = "_".join(text.strip().lower().replace("-", " ").split())
        return cls(key)


# Items still on their way: what "open" lists and the digest count as not yet done.
OPEN_STATUSES = frozenset({Status.NEW, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PILOT})

# The lifecycle runs idea -> review -> plan -> pilot -> ship. Shipped and duplicate are final;
# a declined item can be reconsidered, and a pilot that did not convince goes back to planned.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.UNDER_REVIEW, Status.PLANNED, Status.DECLINED, Status.DUPLICATE}),
    Status.UNDER_REVIEW: frozenset({Status.PLANNED, Status.DECLINED, Status.DUPLICATE}),
    Status.PLANNED: frozenset(
        {Status.IN_PILOT, Status.SHIPPED, Status.DECLINED, Status.UNDER_REVIEW}
    ),
    Status.IN_PILOT: frozenset({Status.SHIPPED, Status.PLANNED, Status.DECLINED}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.SHIPPED: frozenset(),
    Status.DUPLICATE: frozenset(),
}


@dataclass(frozen=True, slots=True)
class StatusChange:
    from_status: Status
    to_status: Status
    at: datetime
    by: Person | None = None
    note: str = ""
    duplicate_of: int | None = None


@dataclass(slots=True)
class Item:
    """One piece of feedback or one request, as recorded in one workspace.

    ``number`` is the short public number (#1, #2, ...) that is unique within the workspace; it
    is ``None`` until storage assigns it. ``author`` is ``None`` exactly when the item is anonymous.
    Feedback has no priority; a request always has one.
    """

    workspace: Workspace
    kind: ItemKind
    text: str
    channel_id: str
    author: Person | None
    stakeholder: Stakeholder
    priority: Priority | None
    created_at: datetime
    number: int | None = None
    status: Status = Status.NEW
    duplicate_of: int | None = None
    votes: int = 0
    acknowledged_at: datetime | None = None
    status_changed_at: datetime | None = None
    thanks: MessageRef | None = None
    # The message this item was captured from (a reaction on someone's message), if any.
    source: MessageRef | None = None
    # Anonymous items only, and only with a seal key configured: the author's id, sealed so
    # that the bot alone can tell them what became of the item (see ``bot.ports.Seal``).
    author_handle: str | None = None
    history: list[StatusChange] = field(default_factory=list)
    # The tracker issues the item is linked to, oldest first (where ``get`` reads them).
    links: list[IssueLink] = field(default_factory=list)
    # The item's tracker history: moves its issues asked for that the lifecycle refused.
    tracker_notes: list[tuple[datetime, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind is ItemKind.REQUEST and self.priority is None:
            self.priority = Priority.GOOD_TO_HAVE
        if self.kind is ItemKind.FEEDBACK:
            self.priority = None

    @property
    def anonymous(self) -> bool:
        return self.author is None

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.SHIPPED, Status.DECLINED, Status.DUPLICATE)

    def change_status(
        self,
        to: Status,
        at: datetime,
        *,
        by: Person | None = None,
        note: str = "",
        duplicate_of: int | None = None,
    ) -> StatusChange:
        """Move the item along its lifecycle; anything ``ALLOWED_TRANSITIONS`` lacks is refused."""
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"#{self.number} is {self.status.label}; it cannot become {to.label}"
            )
        if to is Status.DUPLICATE:
            if duplicate_of is None:
                raise InvalidTransition("a duplicate must name the item it duplicates")
            if duplicate_of == self.number:
                raise InvalidTransition("an item cannot duplicate itself")
        elif duplicate_of is not None:
            raise InvalidTransition("only a duplicate names another item")
        change = StatusChange(self.status, to, at, by, note, duplicate_of)
        self.status = to
        self.duplicate_of = duplicate_of
        self.status_changed_at = at
        self.history.append(change)
        return change
