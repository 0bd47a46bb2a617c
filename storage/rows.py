"""Rows to the core's objects and back, for every repository of storage.

Every moment is stored in UTC: SQLite keeps no offset, so one written in another zone would
compare wrongly, and it hands moments back naive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from bot.digest import ItemLine
from bot.identity import MessageRef, Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status, StatusChange
from bot.reminders import Reminder, ReminderKind
from bot.schedules import parse_schedule
from bot.slas import Breach
from bot.surveys import Scale

# Stored values to the core's enums by a dict: calling the enum costs several times more, which
# shows on an export of a million items.
_KINDS = {kind.value: kind for kind in ItemKind}
_STAKEHOLDERS = {stakeholder.value: stakeholder for stakeholder in Stakeholder}
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


def stored(moment: datetime) -> datetime:
    """A moment as it is written and compared: in UTC."""
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def utc(moment: datetime) -> datetime:
    """A moment as read back, in UTC whether the database kept its offset or not."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def message_columns(prefix: str, message: MessageRef | None) -> dict[str, str | None]:
    """A message reference as its pair of columns (``thanks_*`` or ``source_*``)."""
    return {
        f"{prefix}_channel_id": message.channel_id if message else None,
        f"{prefix}_message_id": message.message_id if message else None,
    }


def message_ref(row: RowMapping, prefix: str) -> MessageRef | None:
    if row[f"{prefix}_message_id"] is None:
        return None
    return MessageRef(row[f"{prefix}_channel_id"], row[f"{prefix}_message_id"])


def person_columns(prefix: str, person: Person | None) -> dict[str, str | None]:
    """A person as their pair of columns (``author_*``, ``by_*``, ``created_by_*``); both
    ``None`` for nobody, which is how an anonymous author is kept."""
    return {
        f"{prefix}_id": person.user_id if person else None,
        f"{prefix}_name": person.display_name if person else None,
    }


def person(row: RowMapping, prefix: str) -> Person | None:
    if row[f"{prefix}_id"] is None:
        return None
    return Person(row[f"{prefix}_id"], row[f"{prefix}_name"] or "")


def author_name_column(item: Item) -> dict[str, str]:
    """The author's display name, which can be corrected after the item is stored; nothing
    for an anonymous item, whose author is never written."""
    return {} if item.author is None else {"author_name": item.author.display_name}


def workspace_of(row: RowMapping) -> Workspace:
    """The workspace of a row joined with ``workspaces``."""
    return Workspace(Platform(row["platform"]), row["external_id"])


def item_columns(item: Item) -> dict[str, Any]:
    """An item's columns, all but its workspace's id."""
    return {
        "number": item.number,
        "kind": item.kind.value,
        "text": item.text,
        "channel_id": item.channel_id,
        **person_columns("author", item.author),
        "author_handle": item.author_handle if item.author is None else None,
        "stakeholder": item.stakeholder.value,
        "priority": item.priority.value if item.priority else None,
        "status": item.status.value,
        "duplicate_of": item.duplicate_of,
        "votes": item.votes,
        "created_at": item.created_at,
        "acknowledged_at": item.acknowledged_at,
        "status_changed_at": item.status_changed_at,
        **message_columns("thanks", item.thanks),
        **message_columns("source", item.source),
    }


def to_item(row: RowMapping, workspace: Workspace) -> Item:
    return Item(
        workspace=workspace,
        number=row["number"],
        kind=_KINDS[row["kind"]],
        text=row["text"],
        channel_id=row["channel_id"],
        author=person(row, "author"),
        stakeholder=_STAKEHOLDERS[row["stakeholder"]],
        priority=_priority(row),
        status=_STATUSES[row["status"]],
        duplicate_of=row["duplicate_of"],
        votes=row["votes"],
        created_at=utc(row["created_at"]),
        acknowledged_at=utc_or_none(row["acknowledged_at"]),
        status_changed_at=utc_or_none(row["status_changed_at"]),
        thanks=message_ref(row, "thanks"),
        source=message_ref(row, "source"),
        author_handle=row["author_handle"],
    )


def change_columns(item_id: int, change: StatusChange) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "from_status": change.from_status.value,
        "to_status": change.to_status.value,
        "duplicate_of": change.duplicate_of,
        "note": change.note,
        **person_columns("by", change.by),
        "at": change.at,
    }


def to_change(row: RowMapping) -> StatusChange:
    return StatusChange(
        from_status=Status(row["from_status"]),
        to_status=Status(row["to_status"]),
        at=utc(row["at"]),
        by=person(row, "by"),
        note=row["note"],
        duplicate_of=row["duplicate_of"],
    )


def to_line(row: RowMapping) -> ItemLine:
    return ItemLine(
        number=row["number"],
        text=row["text"],
        priority=_priority(row),
        stakeholder=Stakeholder(row["stakeholder"]),
        status=Status(row["status"]),
        votes=row["votes"],
        created_at=utc(row["created_at"]),
    )


def to_breach(row: RowMapping, workspace: Workspace) -> Breach:
    return Breach(
        workspace,
        row["number"],
        ItemKind(row["kind"]),
        row["text"],
        _priority(row),
        Stakeholder(row["stakeholder"]),
        utc(row["deadline"]),
        utc(row["breached_at"]),
    )


def to_reminder(row: RowMapping) -> Reminder:
    """A reminder from its row joined with ``workspaces``."""
    return Reminder(
        id=row["id"],
        workspace=workspace_of(row),
        channel_id=row["channel_id"],
        schedule=parse_schedule(row["schedule"])[0],
        time_zone=row["time_zone"],
        kind=ReminderKind(row["kind"]),
        created_at=utc(row["created_at"]),
        created_by=person(row, "created_by"),
        text=row["text"],
        last_claimed_for=utc_or_none(row["last_claimed_for"]),
        last_posted_for=utc_or_none(row["last_posted_for"]),
        disabled_at=utc_or_none(row["disabled_at"]),
        disabled_reason=row["disabled_reason"],
        scale=None if row["scale"] is None else Scale(row["scale"]),
    )


def _priority(row: RowMapping) -> Priority | None:
    priority = row["priority"]
    return _PRIORITIES[priority] if priority else None
