"""The statements of a group commit, written once on a plain (synchronous) connection.

``SqlItemRepository`` runs them through ``AsyncConnection.run_sync`` on either database;
``SqliteWriteTogether`` runs a whole group commit of them in one call on its own thread, so
the transaction holds SQLite's file lock only as long as SQLite works, not while the event loop
gets round to each statement of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.identity import MessageRef, Workspace
from bot.items import Item
from bot.ports import ThanksNote
from storage.tables import items, workspaces

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


def insert_ignoring_duplicates(dialect: str, table: Any, row: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the dialect named ``dialect``."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).values(**row).on_conflict_do_nothing()


def find_workspace(conn: Connection, workspace: Workspace, create: bool) -> tuple[int | None, bool]:
    """The workspace's row id, made when ``create`` and missing; and whether it was made in
    this transaction (then it is not committed yet)."""
    found = select(workspaces.c.id).where(
        workspaces.c.platform == workspace.platform.value,
        workspaces.c.external_id == workspace.id,
    )
    workspace_id: int | None = conn.execute(found).scalar_one_or_none()
    if workspace_id is not None or not create:
        return workspace_id, False
    row = {
        "platform": workspace.platform.value,
        "external_id": workspace.id,
        "created_at": datetime.now(UTC),
    }
    conn.execute(insert_ignoring_duplicates(conn.dialect.name, workspaces, row))
    return conn.execute(found).scalar_one(), True


def add_items(conn: Connection, new: Sequence[Item], ids: Mapping[Workspace, int]) -> None:
    """Number ``new`` after the last number of their workspace, in the order given, and insert
    them; ``ids`` holds each workspace's row id."""
    by_workspace: dict[Workspace, list[Item]] = {}
    for item in new:
        by_workspace.setdefault(item.workspace, []).append(item)
    rows = []
    for workspace, added in by_workspace.items():
        workspace_id = ids[workspace]
        # The UPDATE takes a row lock, so concurrent adders in one workspace queue up here;
        # it reserves one number per item at once.
        last = conn.execute(
            _RESERVE_NUMBERS, {"w_id": workspace_id, "w_count": len(added)}
        ).scalar_one()
        for number, item in enumerate(added, start=last - len(added) + 1):
            item.number = number
            rows.append({"workspace_id": workspace_id, **item_columns(item)})
    if rows:
        conn.execute(_INSERT_ITEMS, rows)


def note_thanks(
    conn: Connection, notes: Sequence[ThanksNote], ids: Mapping[Workspace, int | None]
) -> None:
    """Note when each item was thanked and which message carries the thank-you."""
    rows = []
    for note in notes:
        thanks = message_columns("thanks", note.message)
        rows.append(
            {
                "w_id": ids.get(note.workspace),
                "w_number": note.number,
                "w_at": note.at,
                "w_channel": thanks["thanks_channel_id"],
                "w_message": thanks["thanks_message_id"],
            }
        )
    if not rows:
        return
    conn.execute(_NOTE_THANKS, rows)


def item_columns(item: Item) -> dict[str, Any]:
    return {
        "number": item.number,
        "kind": item.kind.value,
        "text": item.text,
        "channel_id": item.channel_id,
        "author_id": item.author.user_id if item.author else None,
        "author_name": item.author.display_name if item.author else None,
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


def message_columns(prefix: str, message: MessageRef | None) -> dict[str, str | None]:
    """A message reference as its pair of columns (``thanks_*`` or ``source_*``)."""
    return {
        f"{prefix}_channel_id": message.channel_id if message else None,
        f"{prefix}_message_id": message.message_id if message else None,
    }
