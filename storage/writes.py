"""The statements of a group commit, written once on a plain (synchronous) connection.

There are two write paths on purpose. Everything goes through the async unit of work
(``storage.unit_of_work``), which runs these statements with ``AsyncConnection.run_sync``; on
SQLite alone, group commits go through ``SqliteWriteTogether``, which runs a whole one of them
in one call on its own thread, so the transaction holds SQLite's file lock only while SQLite
works, not while the event loop gets round to each statement of it (measured in
``storage.sqlite_writes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, update

from bot.identity import Workspace
from bot.items import Item
from bot.ports import FirstDelivery, ThanksNote
from storage.dialect import ignoring_duplicates
from storage.rows import item_columns
from storage.sqlite_rows import INSERT_ITEMS, SQLITE_NOTE_THANKS, item_rows, moment, note_rows
from storage.tables import deliveries, items, workspaces

# How long a delivery id is remembered: platforms repeat a delivery within minutes (Slack's
# retries, a replayed signed request within its 5 minutes).
DELIVERY_MEMORY = timedelta(days=1)

# Built once: making a statement anew for each group commit cost more CPU than SQLite's own work.
_RESERVE_NUMBERS = (
    update(workspaces)
    .where(workspaces.c.id == bindparam("w_id"))
    .values(last_number=workspaces.c.last_number + bindparam("w_count"))
    .returning(workspaces.c.last_number)
)
_INSERT_ITEMS = insert(items)
_NOTE_THANKS = (
    update(items)
    .where(items.c.workspace_id == bindparam("w_id"), items.c.number == bindparam("w_number"))
    .values(
        acknowledged_at=bindparam("w_at"),
        thanks_channel_id=bindparam("w_channel"),
        thanks_message_id=bindparam("w_message"),
    )
)


def number_items(
    new: Sequence[Item], ids: Mapping[Workspace, int], reserve: Callable[[int, int], int]
) -> None:
    """Number ``new`` after the last number of their workspace, in the order given.
    ``reserve(workspace_id, count)`` takes ``count`` more numbers in the workspace, all at once,
    and answers the last of them."""
    by_workspace: dict[Workspace, list[Item]] = {}
    for item in new:
        by_workspace.setdefault(item.workspace, []).append(item)
    for workspace, added in by_workspace.items():
        last = reserve(ids[workspace], len(added))
        for number, item in enumerate(added, start=last - len(added) + 1):
            item.number = number


def add_items(conn: Connection, new: Sequence[Item], ids: Mapping[Workspace, int]) -> None:
    """Number ``new`` (``number_items``) and insert them; ``ids`` holds each workspace's row
    id."""

    def reserve(workspace_id: int, count: int) -> int:
        # The UPDATE takes a row lock, so concurrent adders in one workspace queue up here.
        found: int = conn.execute(
            _RESERVE_NUMBERS, {"w_id": workspace_id, "w_count": count}
        ).scalar_one()
        return found

    number_items(new, ids, reserve)
    if not new:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(INSERT_ITEMS, item_rows(new, ids))
    else:
        conn.execute(
            _INSERT_ITEMS,
            [{"workspace_id": ids[item.workspace], **item_columns(item)} for item in new],
        )


def note_thanks(
    conn: Connection, notes: Sequence[ThanksNote], ids: Mapping[Workspace, int | None]
) -> None:
    """Note when each item was thanked and which message carries the thank-you."""
    if not notes:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(SQLITE_NOTE_THANKS, note_rows(notes, ids))
        return
    conn.execute(
        _NOTE_THANKS,
        [
            {
                "w_at": note.at,
                "w_channel": note.message.channel_id if note.message else None,
                "w_message": note.message.message_id if note.message else None,
                "w_id": ids.get(note.workspace),
                "w_number": note.number,
            }
            for note in notes
        ],
    )


# When this process last forgot old delivery ids: once a minute is enough for ids kept a day,
# and spares each group commit a statement.
_forgotten: dict[str, datetime] = {}
FORGET_EVERY = timedelta(minutes=1)


def forget_deliveries(conn: Connection, now: datetime) -> None:
    """Forget the delivery ids older than ``DELIVERY_MEMORY``, at most once a minute."""
    database = str(conn.engine.url)
    last = _forgotten.get(database)
    if last is not None and last <= now < last + FORGET_EVERY:
        return
    conn.execute(delete(deliveries).where(deliveries.c.received_at < now - DELIVERY_MEMORY))
    _forgotten[database] = now


def first_deliveries(
    conn: Connection, once: Sequence[FirstDelivery], ids: Mapping[Workspace, int]
) -> list[FirstDelivery]:
    """Claim each delivery id in its workspace, all at once, and set ``first`` on each
    (the second of one id in ``once`` is not); those that were first, in order. Ids older than
    ``DELIVERY_MEMORY`` are forgotten first."""
    if not once:
        return []
    forget_deliveries(conn, min(each.at for each in once))
    rows: dict[tuple[int, str], FirstDelivery] = {}
    for each in once:
        key = (ids[each.item.workspace], each.delivery_id)
        if key in rows:
            each.first = False
        else:
            rows[key] = each
    claimed = _claim_sqlite(conn, rows) if conn.dialect.name == "sqlite" else _claim(conn, rows)
    for key, each in rows.items():
        each.first = key in claimed
    return [each for each in once if each.first]


def _claim(conn: Connection, rows: Mapping[tuple[int, str], FirstDelivery]) -> set[tuple[int, str]]:
    """The keys of ``rows`` claimed here: ``ON CONFLICT DO NOTHING`` returns only those, even
    beside a concurrent transaction that claims one of them (PostgreSQL)."""
    return {
        (workspace_id, delivery_id)
        for workspace_id, delivery_id in conn.execute(
            ignoring_duplicates(conn.dialect, deliveries)
            .values(
                [
                    {"workspace_id": w, "delivery_id": d, "received_at": each.at}
                    for (w, d), each in rows.items()
                ]
            )
            .returning(deliveries.c.workspace_id, deliveries.c.delivery_id)
        )
    }


def _claim_sqlite(
    conn: Connection, rows: Mapping[tuple[int, str], FirstDelivery]
) -> set[tuple[int, str]]:
    """``_claim`` for SQLite, whose group commit holds the write lock from its BEGIN
    IMMEDIATE: what is not there yet is this transaction's to add. Through the driver, in
    SQLite's own forms: SQLAlchemy compiled a many-row INSERT anew for each batch size, and
    that cost more than SQLite's work."""
    asked: dict[int, list[str]] = {}
    for workspace_id, delivery_id in rows:
        asked.setdefault(workspace_id, []).append(delivery_id)
    # One query per workspace (nearly always one), so that the unique index on (workspace,
    # delivery id) finds each id: by delivery id alone, SQLite read the whole table every time.
    seen = {
        (workspace_id, delivery_id)
        for workspace_id, delivery_ids in asked.items()
        for delivery_id in conn.exec_driver_sql(
            "SELECT delivery_id FROM deliveries WHERE workspace_id = ? AND delivery_id IN "
            f"({', '.join('?' * len(delivery_ids))})",
            (workspace_id, *delivery_ids),
        ).scalars()
    }
    claimed = [key for key in rows if key not in seen]
    if claimed:
        conn.exec_driver_sql(
            "INSERT INTO deliveries (workspace_id, delivery_id, received_at) VALUES (?, ?, ?)",
            [(w, d, moment(rows[(w, d)].at)) for w, d in claimed],
        )
    return set(claimed)
