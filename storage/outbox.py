"""The owed messages (``bot.outbox``) in the ``outbox`` table.

The writes (``add_owed``, ``settle``, ``postpone``) are plain-connection functions, so that
storage's group commit (``storage.writes``) and the unit of work run the same statements.
Claims are one conditional UPDATE: on PostgreSQL a second claimer of the same row waits for the
first one's lock and then finds the row held, so every row has one holder at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.outbox import Owed, Postponed, Purpose, Settled
from storage.message_json import decode, encode
from storage.rows import (
    message_columns,
    message_ref,
    person,
    stored,
    utc,
    utc_or_none,
    workspace_of,
)
from storage.sqlite_rows import INSERT_OWED, SQLITE_SETTLE, owed_rows, settled_values
from storage.tables import outbox, workspaces
from storage.workspaces import WorkspaceIds


def owed_row(owed: Owed, workspace_id: int) -> dict[str, Any]:
    addressee = owed.person
    # A message about to be attempted by the process that claims it may be posted before that
    # process can say so: whoever finds it unsettled later looks for it first.
    return {
        "key": owed.key,
        "workspace_id": workspace_id,
        "platform": owed.platform.value,
        "purpose": owed.purpose.value,
        "item_number": owed.number,
        "channel_id": owed.channel_id,
        **message_columns("thread", owed.thread),
        "person_id": addressee.user_id if addressee else None,
        "person_name": addressee.display_name if addressee and not owed.sealed else None,
        "person_sealed": owed.sealed,
        "response_url": owed.response_url,
        "body": encode(owed.message),
        "created_at": stored(owed.created_at),
        "due_at": stored(owed.due_at or owed.created_at),
        "attempts": owed.attempts,
        "maybe_sent": owed.maybe_sent or owed.claimed_by is not None,
        "tried_at": None if owed.tried_at is None else stored(owed.tried_at),
        "claimed_by": owed.claimed_by,
        "claimed_until": None if owed.claimed_until is None else stored(owed.claimed_until),
    }


def to_owed(row: RowMapping) -> Owed:
    """An owed message from its row joined with ``workspaces``."""
    return Owed(
        workspace_of(row),
        Purpose(row["purpose"]),
        utc(row["created_at"]),
        fixed_key=row["key"],
        channel_id=row["channel_id"],
        thread=message_ref(row, "thread"),
        person=person(row, "person"),
        sealed=bool(row["person_sealed"]),
        response_url=row["response_url"],
        message=decode(row["body"]),
        item_number=row["item_number"],
        attempts=row["attempts"],
        maybe_sent=bool(row["maybe_sent"]),
        tried_at=utc_or_none(row["tried_at"]),
        due_at=utc(row["due_at"]),
        claimed_by=row["claimed_by"],
        claimed_until=utc_or_none(row["claimed_until"]),
    )


def add_owed(conn: Connection, owed: Sequence[Owed], ids: Mapping[Workspace, int]) -> None:
    """Keep owed messages; ``ids`` holds each workspace's row id (items are numbered first)."""
    if not owed:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(INSERT_OWED, owed_rows(owed, ids))
    else:
        conn.execute(outbox.insert(), [owed_row(each, ids[each.workspace]) for each in owed])


_SETTLE = (
    update(outbox)
    .where(outbox.c.key == bindparam("s_key"))
    .values(
        done_at=bindparam("s_at"),
        outcome=bindparam("s_outcome"),
        posted_channel_id=bindparam("s_channel"),
        posted_message_id=bindparam("s_message"),
        claimed_by=None,
        claimed_until=None,
    )
)
_POSTPONE = (
    update(outbox)
    .where(outbox.c.key == bindparam("p_key"), outbox.c.done_at.is_(None))
    .values(
        due_at=bindparam("p_due"),
        attempts=bindparam("p_attempts"),
        maybe_sent=bindparam("p_maybe_sent"),
        tried_at=bindparam("p_tried_at"),
        outcome=bindparam("p_reason"),
        claimed_by=None,
        claimed_until=None,
    )
)


def settle(conn: Connection, settled: Sequence[Settled]) -> None:
    if not settled:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(SQLITE_SETTLE, [settled_values(each) for each in settled])
        return
    conn.execute(
        _SETTLE,
        [
            {
                "s_at": stored(each.at),
                "s_outcome": each.outcome[:255],
                "s_channel": each.posted.channel_id if each.posted else None,
                "s_message": each.posted.message_id if each.posted else None,
                "s_key": each.key,
            }
            for each in settled
        ],
    )


def postpone(conn: Connection, postponed: Sequence[Postponed]) -> None:
    if postponed:
        conn.execute(
            _POSTPONE,
            [
                {
                    "p_key": each.key,
                    "p_due": stored(each.due_at),
                    "p_attempts": each.attempts,
                    "p_maybe_sent": each.maybe_sent,
                    "p_tried_at": None if each.tried_at is None else stored(each.tried_at),
                    "p_reason": each.reason[:255],
                }
                for each in postponed
            ],
        )


class SqlOutbox:
    """``OutboxStore`` on one unit of work's connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def add(self, owed: list[Owed]) -> None:
        ids = {each.workspace: await self._workspaces.make(each.workspace) for each in owed}
        await self._conn.run_sync(add_owed, owed, ids)

    async def settle(self, settled: list[Settled]) -> None:
        await self._conn.run_sync(settle, settled)

    async def postpone(self, postponed: list[Postponed]) -> None:
        await self._conn.run_sync(postpone, postponed)

    async def claim(
        self, platforms: frozenset[Platform], now: datetime, *, by: str, until: datetime, limit: int
    ) -> list[Owed]:
        free = and_(
            outbox.c.done_at.is_(None),
            outbox.c.platform.in_(sorted(p.value for p in platforms)),
            outbox.c.due_at <= stored(now),
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= stored(now)),
        )
        # The row says it may be posted from here on; the claimer gets what it said before.
        rows = (
            (
                await self._conn.execute(
                    # The row names its workspace's platform itself.
                    select(outbox, workspaces.c.external_id)
                    .join(workspaces, workspaces.c.id == outbox.c.workspace_id)
                    .where(free)
                    .order_by(outbox.c.due_at)
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            return []
        claimed = (
            (
                await self._conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row["id"] for row in rows]), free)
                    .values(
                        claimed_by=by,
                        claimed_until=stored(until),
                        maybe_sent=True,
                        tried_at=stored(now),
                    )
                    .returning(outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
        taken = set(claimed)
        return [to_owed(row) for row in rows if row["id"] in taken]

    async def release(self, by: str) -> int:
        released = await self._conn.execute(
            update(outbox)
            .where(outbox.c.claimed_by == by, outbox.c.done_at.is_(None))
            .values(claimed_by=None, claimed_until=None)
            .returning(outbox.c.id)
        )
        return len(released.scalars().all())

    async def pending(self) -> int:
        found = await self._conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
        )
        return int(found.scalar_one())
