"""The rows of SQLite's group commit as the driver takes them, built before the transaction.

A group commit holds the lock that orders every worker's writes from BEGIN IMMEDIATE to
COMMIT. Python work done while it is held makes the other workers wait, and on the writer's
thread it also waits its turn for the interpreter while the event loop runs: measured with
``bench/slack_ack.py``, building rows and running each statement through SQLAlchemy inside the
transaction cost as much throughput as SQLite's own work. So everything that does not depend
on what the transaction reads (the item numbers, the thank-you's key, which deliveries are the
first) is turned into tuples beforehand, and the transaction runs them on the driver's cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.identity import Workspace
from bot.items import Item
from bot.outbox import Owed, Settled
from bot.ports import ThanksNote, Writes
from storage.outbox import encode
from storage.sqlite_forms import moment

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


def settled_values(each: Settled) -> tuple[Any, ...]:
    posted = each.posted
    return (
        moment(each.at),
        each.outcome[:255],
        posted.channel_id if posted else None,
        posted.message_id if posted else None,
        each.key,
    )


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
        prepared.notes = [
            (
                moment(note.at),
                note.message.channel_id if note.message else None,
                note.message.message_id if note.message else None,
            )
            for note in writes.notes
        ]
        prepared.settled = [settled_values(each) for each in writes.settled]
        return prepared

    def item_rows(self, new: Iterable[Item], ids: Mapping[Workspace, int]) -> list[tuple[Any, ...]]:
        """The rows of ``new``, numbered."""
        return [(ids[item.workspace], item.number, *self.items[id(item)]) for item in new]

    def owed_rows(
        self, owed: Iterable[Owed], ids: Mapping[Workspace, int]
    ) -> list[tuple[Any, ...]]:
        """The rows of ``owed``, once the items they are for are numbered (a thank-you's key
        is made from its item's number)."""
        return [(ids[each.workspace], each.key, each.number, *self.owed[id(each)]) for each in owed]

    def note_rows(self, ids: Mapping[Workspace, int | None]) -> list[tuple[Any, ...]]:
        notes: list[ThanksNote] = self.writes.notes
        return [
            (*values, ids.get(note.workspace), note.number)
            for note, values in zip(notes, self.notes, strict=True)
        ]
