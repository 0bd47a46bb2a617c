"""Rows in SQLite's own forms, handed to the driver as tuples, and the statements that take them.

Through SQLAlchemy's typed statements each value of each row was converted one by one in
Python, which cost about three times SQLite's own work on the group commit's thread
(``bench/slack_ack.py``); here each row is one tuple, its moments as text in the form
SQLAlchemy itself writes, so that rows written either way read back the same. Units of work on
SQLite use them too.

SQLite's group commit (``storage.sqlite_writes``) builds them before its transaction, which
holds the lock that orders every worker's writes: Python work done while it is held makes the
other workers wait, and on the writer's thread it also waits its turn for the interpreter while
the event loop runs. So everything that does not depend on what the transaction reads (the item
numbers, the thank-you's key, which deliveries are the first) is turned into tuples beforehand
(``Prepared``), and the transaction runs them on the driver's cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.identity import Workspace
from bot.items import Item
from bot.outbox import Owed, Settled
from bot.ports import ThanksNote, Writes
from storage.message_json import encode
from storage.rows import stored

# The updates of a group commit, written once for both of its ways to SQLite (through
# SQLAlchemy's connection in a unit of work, and straight on the driver's cursor).
SQLITE_NOTE_THANKS = (
    "UPDATE items SET acknowledged_at = ?, thanks_channel_id = ?, thanks_message_id = ? "
    "WHERE workspace_id = ? AND number = ?"
)
SQLITE_SETTLE = (
    "UPDATE outbox SET done_at = ?, outcome = ?, posted_channel_id = ?, "
    "posted_message_id = ?, claimed_by = NULL, claimed_until = NULL WHERE key = ?"
)


def moment(value: datetime | None) -> str | None:
    """A moment as SQLAlchemy keeps it in SQLite: UTC, as text that sorts as time does
    (``2026-11-27 09:00:00.000000``). ``isoformat`` writes those characters before the offset,
    several times faster than ``strftime``."""
    return None if value is None else stored(value).isoformat(" ", "microseconds")[:26]


ITEM_COLUMNS = (
    "workspace_id",
    "number",
    "kind",
    "text",
    "channel_id",
    "author_id",
    "author_name",
    "author_handle",
    "stakeholder",
    "priority",
    "status",
    "duplicate_of",
    "votes",
    "created_at",
    "acknowledged_at",
    "status_changed_at",
    "thanks_channel_id",
    "thanks_message_id",
    "source_channel_id",
    "source_message_id",
)
OWED_COLUMNS = (
    "workspace_id",
    "key",
    "item_number",
    "platform",
    "purpose",
    "channel_id",
    "thread_channel_id",
    "thread_message_id",
    "person_id",
    "person_name",
    "person_sealed",
    "response_url",
    "body",
    "created_at",
    "due_at",
    "attempts",
    "maybe_sent",
    "tried_at",
    "claimed_by",
    "claimed_until",
)


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


INSERT_ITEMS = _insert("items", ITEM_COLUMNS)
INSERT_OWED = _insert("outbox", OWED_COLUMNS)
RESERVE_NUMBERS = (
    "UPDATE workspaces SET last_number = last_number + ? WHERE id = ? RETURNING last_number"
)


def item_values(item: Item) -> tuple[Any, ...]:
    """An item's values after its workspace id and number, in ``ITEM_COLUMNS`` order."""
    author, thanks, source = item.author, item.thanks, item.source
    return (
        item.kind.value,
        item.text,
        item.channel_id,
        author.user_id if author else None,
        author.display_name if author else None,
        item.author_handle if author is None else None,
        item.stakeholder.value,
        item.priority.value if item.priority else None,
        item.status.value,
        item.duplicate_of,
        item.votes,
        moment(item.created_at),
        moment(item.acknowledged_at),
        moment(item.status_changed_at),
        thanks.channel_id if thanks else None,
        thanks.message_id if thanks else None,
        source.channel_id if source else None,
        source.message_id if source else None,
    )


def owed_values(owed: Owed) -> tuple[Any, ...]:
    """An owed message's values after its workspace id, key and item number, in
    ``OWED_COLUMNS`` order (as ``storage.outbox.owed_row`` has them)."""
    addressee, thread = owed.person, owed.thread
    return (
        owed.platform.value,
        owed.purpose.value,
        owed.channel_id,
        thread.channel_id if thread else None,
        thread.message_id if thread else None,
        addressee.user_id if addressee else None,
        addressee.display_name if addressee and not owed.sealed else None,
        int(owed.sealed),
        owed.response_url,
        encode(owed.message),
        moment(owed.created_at),
        moment(owed.due_at or owed.created_at),
        owed.attempts,
        int(owed.maybe_sent or owed.claimed_by is not None),
        moment(owed.tried_at),
        owed.claimed_by,
        moment(owed.claimed_until),
    )


def note_values(note: ThanksNote) -> tuple[Any, ...]:
    """A thank-you note's values before its item's workspace id and number."""
    message = note.message
    return (
        moment(note.at),
        message.channel_id if message else None,
        message.message_id if message else None,
    )


def settled_values(each: Settled) -> tuple[Any, ...]:
    posted = each.posted
    return (
        moment(each.at),
        each.outcome[:255],
        posted.channel_id if posted else None,
        posted.message_id if posted else None,
        each.key,
    )


def item_rows(
    new: Iterable[Item],
    ids: Mapping[Workspace, int],
    values: Callable[[Item], tuple[Any, ...]] = item_values,
) -> list[tuple[Any, ...]]:
    """The rows of ``new``, numbered (``INSERT_ITEMS``)."""
    return [(ids[item.workspace], item.number, *values(item)) for item in new]


def owed_rows(
    owed: Iterable[Owed],
    ids: Mapping[Workspace, int],
    values: Callable[[Owed], tuple[Any, ...]] = owed_values,
) -> list[tuple[Any, ...]]:
    """The rows of ``owed`` (``INSERT_OWED``), once the items they are for are numbered: a
    thank-you's key is made from its item's number."""
    return [(ids[each.workspace], each.key, each.number, *values(each)) for each in owed]


def note_rows(
    notes: Sequence[ThanksNote],
    ids: Mapping[Workspace, int | None],
    values: Sequence[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of ``notes`` (``SQLITE_NOTE_THANKS``); ``values`` their ``note_values``."""
    given = values if values is not None else [note_values(note) for note in notes]
    return [
        (*value, ids.get(note.workspace), note.number)
        for note, value in zip(notes, given, strict=True)
    ]


@dataclass
class Prepared:
    """``writes`` as rows, but for what only the transaction can tell."""

    writes: Writes
    items: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    owed: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    notes: list[tuple[Any, ...]] = field(default_factory=list)
    settled: list[tuple[Any, ...]] = field(default_factory=list)

    @classmethod
    def of(cls, writes: Writes) -> Prepared:
        prepared = cls(writes)
        for item in (*writes.new, *(each.item for each in writes.once)):
            prepared.items[id(item)] = item_values(item)
        for owed in (*writes.owed, *(owed for each in writes.once for owed in each.owed)):
            prepared.owed[id(owed)] = owed_values(owed)
        prepared.notes = [note_values(note) for note in writes.notes]
        prepared.settled = [settled_values(each) for each in writes.settled]
        return prepared

    def item_rows(self, new: Iterable[Item], ids: Mapping[Workspace, int]) -> list[tuple[Any, ...]]:
        return item_rows(new, ids, lambda item: self.items[id(item)])

    def owed_rows(
        self, owed: Iterable[Owed], ids: Mapping[Workspace, int]
    ) -> list[tuple[Any, ...]]:
        return owed_rows(owed, ids, lambda each: self.owed[id(each)])

    def note_rows(self, ids: Mapping[Workspace, int | None]) -> list[tuple[Any, ...]]:
        return note_rows(self.writes.notes, ids, self.notes)
