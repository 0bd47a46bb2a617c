"""Reminders, their claims and the roadmap digest's queries on SQLAlchemy Core."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.digest import ANNOUNCED, ItemLine, RoadmapFacts, StatusMove
from bot.identity import Workspace
from bot.items import OPEN_STATUSES, ItemKind, Priority, Stakeholder, Status
from bot.reminders import Reminder
from storage.dialect import insert_ignoring_duplicates
from storage.kpis import poll_results
from storage.links import links_by_number
from storage.rows import person_columns, stored, to_line, to_reminder, utc
from storage.tables import items, reminder_occurrences, reminders, status_changes, workspaces
from storage.workspaces import WorkspaceIds


class SqlReminders:
    """``ReminderStore`` and ``RoadmapReader`` on one connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    # -- ReminderStore ------------------------------------------------------------------------

    def _select(self) -> Any:
        return select(reminders, workspaces.c.platform, workspaces.c.external_id).join(
            workspaces, workspaces.c.id == reminders.c.workspace_id
        )

    async def add(self, reminder: Reminder) -> Reminder:
        workspace_id = await self._workspaces.make(reminder.workspace)
        reminder.id = (
            await self._conn.execute(
                insert(reminders)
                .values(
                    workspace_id=workspace_id,
                    channel_id=reminder.channel_id,
                    kind=reminder.kind.value,
                    schedule=reminder.schedule.text,
                    time_zone=reminder.time_zone,
                    text=reminder.text,
                    scale=None if reminder.scale is None else reminder.scale.value,
                    **person_columns("created_by", reminder.created_by),
                    created_at=stored(reminder.created_at),
                )
                .returning(reminders.c.id)
            )
        ).scalar_one()
        return reminder

    async def get(self, reminder_id: int) -> Reminder | None:
        row = (
            (await self._conn.execute(self._select().where(reminders.c.id == reminder_id)))
            .mappings()
            .one_or_none()
        )
        return None if row is None else to_reminder(row)

    async def in_workspace(
        self, workspace: Workspace, channel_id: str | None = None
    ) -> list[Reminder]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return []
        query = self._select().where(reminders.c.workspace_id == workspace_id)
        if channel_id is not None:
            query = query.where(reminders.c.channel_id == channel_id)
        rows = await self._conn.execute(query.order_by(reminders.c.id))
        return [to_reminder(row) for row in rows.mappings()]

    async def everywhere(self) -> list[Reminder]:
        rows = await self._conn.execute(self._select().order_by(reminders.c.id))
        return [to_reminder(row) for row in rows.mappings()]

    async def active(self) -> list[Reminder]:
        rows = await self._conn.execute(
            self._select().where(reminders.c.disabled_at.is_(None)).order_by(reminders.c.id)
        )
        return [to_reminder(row) for row in rows.mappings()]

    async def remove(self, workspace: Workspace, reminder_id: int) -> bool:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return False
        removed = await self._conn.execute(
            delete(reminders)
            .where(reminders.c.id == reminder_id, reminders.c.workspace_id == workspace_id)
            .returning(reminders.c.id)
        )
        return removed.first() is not None

    async def claim(self, reminder_id: int, scheduled_for: datetime, at: datetime) -> bool:
        due = stored(scheduled_for)
        # Compare-and-set on the reminder's row: the row lock makes a concurrent claimer wait,
        # then see the new value and match nothing.
        advanced = await self._conn.execute(
            update(reminders)
            .where(
                reminders.c.id == reminder_id,
                reminders.c.disabled_at.is_(None),
                (reminders.c.last_claimed_for.is_(None)) | (reminders.c.last_claimed_for < due),
            )
            .values(last_claimed_for=due)
            .returning(reminders.c.id)
        )
        if advanced.first() is None:
            return False
        # The unique key on (reminder, scheduled time) is the final word on who posts.
        inserted = await self._conn.execute(
            insert_ignoring_duplicates(
                self._conn.dialect,
                reminder_occurrences,
                reminder_id=reminder_id,
                scheduled_for=due,
                claimed_at=stored(at),
            ).returning(reminder_occurrences.c.id)
        )
        return inserted.first() is not None

    async def record_outcome(
        self, reminder_id: int, scheduled_for: datetime, at: datetime, outcome: str, posted: bool
    ) -> None:
        due = stored(scheduled_for)
        await self._conn.execute(
            update(reminder_occurrences)
            .where(
                reminder_occurrences.c.reminder_id == reminder_id,
                reminder_occurrences.c.scheduled_for == due,
            )
            .values(finished_at=stored(at), outcome=outcome[:255])
        )
        if posted:
            await self._conn.execute(
                update(reminders)
                .where(
                    reminders.c.id == reminder_id,
                    (reminders.c.last_posted_for.is_(None)) | (reminders.c.last_posted_for < due),
                )
                .values(last_posted_for=due)
            )

    async def disable(self, reminder_id: int, reason: str, at: datetime) -> None:
        await self._conn.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id)
            .values(disabled_at=stored(at), disabled_reason=reason[:255])
        )

    async def prune_occurrences(self, before: datetime) -> int:
        pruned = await self._conn.execute(
            delete(reminder_occurrences)
            .where(reminder_occurrences.c.claimed_at < stored(before))
            .returning(reminder_occurrences.c.id)
        )
        return len(pruned.all())

    # -- RoadmapReader ------------------------------------------------------------------------

    async def facts(
        self, workspace: Workspace, since: datetime, until: datetime, limit: int
    ) -> RoadmapFacts:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return RoadmapFacts(stored(since), stored(until))
        start, end = stored(since), stored(until)
        mine = items.c.workspace_id == workspace_id
        in_period = and_(mine, items.c.created_at >= start, items.c.created_at < end)
        line_columns = (
            items.c.number,
            items.c.text,
            items.c.priority,
            items.c.stakeholder,
            items.c.status,
            items.c.votes,
            items.c.created_at,
        )

        counts = await self._conn.execute(
            select(items.c.stakeholder, items.c.kind, func.count())
            .where(in_period)
            .group_by(items.c.stakeholder, items.c.kind)
        )
        new_items: dict[Stakeholder, int] = {}
        by_kind: dict[ItemKind, int] = {}
        for stakeholder, kind, count in counts:
            new_items[Stakeholder(stakeholder)] = new_items.get(Stakeholder(stakeholder), 0) + count
            by_kind[ItemKind(kind)] = by_kind.get(ItemKind(kind), 0) + count

        must_first = case((items.c.priority == Priority.MUST_HAVE.value, 0), else_=1)
        new_requests = await self._lines(
            select(*line_columns)
            .where(in_period, items.c.kind == ItemKind.REQUEST.value)
            .order_by(must_first, items.c.votes.desc(), items.c.number)
            .limit(limit)
        )

        announced = [s.value for s in ANNOUNCED]
        moved = and_(
            mine,
            status_changes.c.at >= start,
            status_changes.c.at < end,
            status_changes.c.to_status.in_(announced),
        )
        joined = status_changes.join(items, items.c.id == status_changes.c.item_id)
        moves_total = (
            await self._conn.execute(select(func.count()).select_from(joined).where(moved))
        ).scalar_one()
        move_rows = await self._conn.execute(
            select(items.c.number, items.c.text, status_changes.c.to_status, status_changes.c.at)
            .select_from(joined)
            .where(moved)
            .order_by(status_changes.c.at.desc(), status_changes.c.id.desc())
            .limit(limit)
        )
        moves = [
            StatusMove(number, text, Status(to_status), utc(at))
            for number, text, to_status, at in move_rows
        ]

        top_voted = await self._lines(
            select(*line_columns)
            .where(
                mine,
                items.c.votes > 0,
                items.c.kind == ItemKind.REQUEST.value,
                items.c.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(items.c.votes.desc(), items.c.number)
            .limit(limit)
        )

        waiting_filter = and_(
            mine,
            items.c.status == Status.NEW.value,
            items.c.priority == Priority.MUST_HAVE.value,
        )
        waiting_total = (
            await self._conn.execute(select(func.count()).select_from(items).where(waiting_filter))
        ).scalar_one()
        waiting = await self._lines(
            select(*line_columns).where(waiting_filter).order_by(items.c.created_at).limit(limit)
        )
        linked = await links_by_number(
            self._conn,
            workspace_id,
            {line.number for line in (*new_requests, *top_voted, *waiting)}
            | {move.number for move in moves},
        )
        new_requests, top_voted, waiting = (
            [replace(line, links=linked.get(line.number, ())) for line in lines]
            for lines in (new_requests, top_voted, waiting)
        )
        moves = [replace(move, links=linked.get(move.number, ())) for move in moves]
        last_poll = await poll_results(self._conn, [workspace_id], None, end, limit=1)
        return RoadmapFacts(
            since=start,
            until=end,
            new_requests=new_requests,
            new_requests_total=by_kind.get(ItemKind.REQUEST, 0),
            moves=moves,
            moves_total=moves_total,
            top_voted=top_voted,
            waiting_must_haves=waiting,
            waiting_total=waiting_total,
            new_items=new_items,
            new_feedback=by_kind.get(ItemKind.FEEDBACK, 0),
            last_poll=last_poll[0] if last_poll else None,
        )

    async def _lines(self, query: Any) -> list[ItemLine]:
        rows = await self._conn.execute(query)
        return [to_line(row) for row in rows.mappings()]
