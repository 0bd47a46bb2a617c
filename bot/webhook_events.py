"""What happened to items, as the events that signed webhooks tell (``bot.webhooks``).

An ``Event`` is written in the transaction of the change it reports. Its payload is versioned
(``PAYLOAD_VERSION``), and an anonymous item's carries no author, nor anything that names them.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from bot.identity import Person, Workspace
from bot.issue_links import IssueLink
from bot.items import Item, StatusChange

# The payload's shape; a change that could break a receiver comes with a new version.
PAYLOAD_VERSION = 1


class EventType(StrEnum):
    CREATED = "item.created"
    STATUS_CHANGED = "item.status_changed"
    VOTED = "item.voted"
    MERGED = "item.merged"
    LINKED = "item.linked"
    TEST = "webhook.test"


# What an endpoint that names no events is subscribed to: everything that happens to items.
ITEM_EVENTS = frozenset(
    {
        EventType.CREATED,
        EventType.STATUS_CHANGED,
        EventType.VOTED,
        EventType.MERGED,
        EventType.LINKED,
    }
)


def new_event_id() -> str:
    """The event's id, also the ``webhook-id`` of each of its deliveries: unique, and the same
    on every retry so receivers can drop repeats."""
    return "evt_" + secrets.token_hex(12)


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _person(person: Person | None) -> dict[str, str] | None:
    return None if person is None else {"id": person.user_id, "name": person.display_name}


def item_payload(item: Item) -> dict[str, object]:
    """The item as webhooks show it; ``author`` is ``None`` for an anonymous item, and nothing
    else of it names its author."""
    shown: dict[str, object] = {
        "number": item.number,
        "kind": item.kind.value,
        "text": item.text,
        "status": item.status.value,
        "priority": None if item.priority is None else item.priority.value,
        "stakeholder": item.stakeholder.value,
        "votes": item.votes,
        "channel": item.channel_id,
        "created_at": _moment(item.created_at),
        "anonymous": item.anonymous,
        "author": None if item.anonymous else _person(item.author),
        "duplicate_of": item.duplicate_of,
        "links": [_link(link) for link in item.links],
    }
    return shown


def _link(link: IssueLink) -> dict[str, object]:
    return {
        "tracker": link.ref.tracker,
        "key": link.ref.key,
        "url": link.ref.url,
        "linked_at": _moment(link.linked_at),
    }


@dataclass(slots=True)
class Event:
    """One thing that happened to an item, for the endpoints subscribed to its type. Written in
    the transaction of the change it reports; its payload is composed once the item has its
    number (a new item's transaction gives it, as for ``Owed.thanks``). ``item`` is ``None``
    only for a test event."""

    type: EventType
    workspace: Workspace
    at: datetime
    item: Item | None
    data: dict[str, object] = field(default_factory=dict)
    id: str = field(default_factory=new_event_id)

    @property
    def number(self) -> int | None:
        return None if self.item is None else self.item.number

    def payload(self) -> dict[str, object]:
        return {
            "version": PAYLOAD_VERSION,
            "id": self.id,
            "type": self.type.value,
            "timestamp": _moment(self.at),
            "workspace": {"platform": self.workspace.platform.value, "id": self.workspace.id},
            "item": None if self.item is None else item_payload(self.item),
            "data": self.data,
        }

    def body(self) -> str:
        """The payload as the JSON text every delivery of the event sends."""
        return json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":"))


def created(item: Item) -> Event:
    return Event(EventType.CREATED, item.workspace, item.created_at, item)


def status_changed(item: Item, change: StatusChange) -> Event:
    # Who moved it is told, except on an anonymous item: an author who triages their own item
    # would be named by it.
    by = None if item.anonymous else _person(change.by)
    return Event(
        EventType.STATUS_CHANGED,
        item.workspace,
        change.at,
        item,
        {
            "from": change.from_status.value,
            "to": change.to_status.value,
            "by": by,
            "note": change.note,
            "duplicate_of": change.duplicate_of,
        },
    )


def voted(item: Item, votes: int, cast: bool, at: datetime) -> Event:
    """A vote cast (``cast``) or withdrawn; ``votes`` is the count after it. Voters are never
    named."""
    return Event(
        EventType.VOTED,
        item.workspace,
        at,
        item,
        {"votes": votes, "cast": cast},
    )


def merged(item: Item, kept: int, at: datetime) -> Event:
    """``item`` became a duplicate of ``kept``, which gained its votes."""
    return Event(
        EventType.MERGED,
        item.workspace,
        at,
        item,
        {"into": kept},
    )


def linked(item: Item, link: IssueLink) -> Event:
    return Event(EventType.LINKED, item.workspace, link.linked_at, item, {"link": _link(link)})


def webhook_test(workspace: Workspace, endpoint_id: int, at: datetime) -> Event:
    return Event(EventType.TEST, workspace, at, None, {"endpoint": endpoint_id})
