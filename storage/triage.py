"""SLA claims and KPI queries on SQLAlchemy Core: aggregates in the database, never item by item."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import Durations, KpiReader, Kpis
from bot.slas import Breach, SlaStore
from storage.repository import _to_item, _utc
from storage.tables import items, sla_breaches, status_changes, workspaces
from storage.unit_of_work import SqlTransaction


def _stored(moment: datetime) -> datetime:
    # SQLite keeps no offset, so every moment goes in as UTC and compares as UTC.
    return moment.astimezone(UTC)


class SqlTriage:
    """``SlaStore`` and ``KpiReader`` on one connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection
        self._postgres = connection.dialect.name == "postgresql"

    async def _workspace_id(self, workspace: Workspace) -> int | None:
        found: int | None = (
            await self._conn.execute(
                select(workspaces.c.id).where(
                    workspaces.c.platform == workspace.platform.value,
                    workspaces.c.external_id == workspace.id,
                )
            )
        ).scalar_one_or_none()
        return found

    async def _item_ids(self, workspace: Workspace, number: int) -> tuple[int, int] | None:
        row = (
            await self._conn.execute(
                select(items.c.id, items.c.workspace_id)
                .join(workspaces, workspaces.c.id == items.c.workspace_id)
                .where(
                    workspaces.c.platform == workspace.platform.value,
                    workspaces.c.external_id == workspace.id,
                    items.c.number == number,
                )
            )
        ).first()
        return None if row is None else (row[0], row[1])

    # -- SlaStore ---------------------------------------------------------------------------

    async def waiting(
        self,
        platforms: frozenset[Platform],
        klass: str,
        stakeholder: Stakeholder,
        created_before: datetime,
        limit: int,
    ) -> list[Item]:
        of_class = (
            items.c.kind == ItemKind.FEEDBACK.value
            if klass == "feedback"
            else items.c.priority == Priority(klass).value
        )
        rows = await self._conn.execute(
            select(items, workspaces.c.platform, workspaces.c.external_id)
            .join(workspaces, workspaces.c.id == items.c.workspace_id)
            .where(
                workspaces.c.platform.in_([platform.value for platform in platforms]),
                items.c.status == Status.NEW.value,
                of_class,
                items.c.stakeholder == stakeholder.value,
                items.c.created_at < _stored(created_before),
                ~exists().where(sla_breaches.c.item_id == items.c.id),
            )
            .order_by(items.c.created_at, items.c.id)
            .limit(limit)
        )
        return [
            _to_item(row, Workspace(Platform(row["platform"]), row["external_id"]))
            for row in rows.mappings()
        ]

    async def claim(
        self, workspace: Workspace, number: int, deadline: datetime, at: datetime
    ) -> bool:
        ids = await self._item_ids(workspace, number)
        if ids is None:
            return False
        dialect = postgresql if self._postgres else sqlite
        claimed = (
            await self._conn.execute(
                dialect.insert(sla_breaches)
                .values(
                    item_id=ids[0],
                    workspace_id=ids[1],
                    deadline=_stored(deadline),
                    breached_at=_stored(at),
                )
                .on_conflict_do_nothing()
                .returning(sla_breaches.c.id)
            )
        ).first()
        return claimed is not None

    async def record_post(
        self, workspace: Workspace, number: int, outcome: str, posted_at: datetime | None
    ) -> None:
        ids = await self._item_ids(workspace, number)
        if ids is None:
            return
        await self._conn.execute(
            update(sla_breaches)
            .where(sla_breaches.c.item_id == ids[0])
            .values(outcome=outcome, posted_at=_stored(posted_at) if posted_at else None)
        )

    async def open_breaches(self, workspace: Workspace, limit: int) -> list[Breach]:
        workspace_id = await self._workspace_id(workspace)
        if workspace_id is None:
            return []
        rows = await self._conn.execute(
            select(
                items.c.number,
                items.c.kind,
                items.c.text,
                items.c.priority,
                items.c.stakeholder,
                sla_breaches.c.deadline,
                sla_breaches.c.breached_at,
            )
            .join(items, items.c.id == sla_breaches.c.item_id)
            .where(sla_breaches.c.workspace_id == workspace_id, items.c.status == Status.NEW.value)
            .order_by(sla_breaches.c.deadline, items.c.number)
            .limit(limit)
        )
        found = []
        for row in rows.mappings():
            deadline, breached_at = _utc(row["deadline"]), _utc(row["breached_at"])
            assert deadline is not None and breached_at is not None
            found.append(
                Breach(
                    workspace,
                    row["number"],
                    ItemKind(row["kind"]),
                    row["text"],
                    Priority(row["priority"]) if row["priority"] else None,
                    Stakeholder(row["stakeholder"]),
                    deadline,
                    breached_at,
                )
            )
        return found

    # -- KpiReader --------------------------------------------------------------------------

    async def kpis(
        self, workspace: Workspace | None, since: datetime | None, until: datetime
    ) -> Kpis:
        scope: list[ColumnElement[bool]] = []
        if workspace is not None:
            workspace_id = await self._workspace_id(workspace)
            if workspace_id is None:
                return Kpis(workspace, since, until)
            scope.append(items.c.workspace_id == workspace_id)

        def within(column: Any) -> ColumnElement[bool]:
            bounds = [column < _stored(until)]
            if since is not None:
                bounds.append(column >= _stored(since))
            return and_(*scope, *bounds)

        created = within(items.c.created_at)
        counts = {
            name: await self._count_by(column, created)
            for name, column in (
                ("status", items.c.status),
                ("priority", func.coalesce(items.c.priority, "none")),
                ("stakeholder", items.c.stakeholder),
                ("kind", items.c.kind),
                ("platform", workspaces.c.platform),
            )
        }
        left_new = status_changes.c.from_status == Status.NEW.value
        shipped = status_changes.c.to_status == Status.SHIPPED.value
        moved = items.join(status_changes, status_changes.c.item_id == items.c.id)
        to_acknowledge = await self._durations(
            items,
            items.c.acknowledged_at,
            and_(items.c.acknowledged_at.is_not(None), within(items.c.acknowledged_at)),
        )
        to_leave_new = await self._durations(
            moved, status_changes.c.at, and_(left_new, within(status_changes.c.at))
        )
        to_ship = await self._durations(
            moved, status_changes.c.at, and_(shipped, within(status_changes.c.at))
        )
        in_period = [sla_breaches.c.deadline < _stored(until)]
        if since is not None:
            in_period.append(sla_breaches.c.deadline >= _stored(since))
        breached = items.join(sla_breaches, sla_breaches.c.item_id == items.c.id)
        sla_count = (
            await self._conn.execute(
                select(func.count()).select_from(breached).where(*scope, *in_period)
            )
        ).scalar_one()
        still_new = (
            await self._conn.execute(
                select(func.count())
                .select_from(breached)
                .where(*scope, items.c.status == Status.NEW.value)
            )
        ).scalar_one()
        return Kpis(
            workspace,
            since,
            until,
            items=sum(counts["status"].values()),
            by_status=counts["status"],
            by_priority=counts["priority"],
            by_stakeholder=counts["stakeholder"],
            by_kind=counts["kind"],
            by_platform=counts["platform"],
            to_acknowledge=to_acknowledge,
            to_leave_new=to_leave_new,
            to_ship=to_ship,
            sla_breaches=sla_count,
            open_breaches=still_new,
        )

    async def _count_by(self, column: Any, where: ColumnElement[bool]) -> dict[str, int]:
        rows = await self._conn.execute(
            select(column, func.count())
            .select_from(items.join(workspaces, workspaces.c.id == items.c.workspace_id))
            .where(where)
            .group_by(column)
        )
        return {str(key): count for key, count in rows}

    def _seconds(self, end: Any) -> Any:
        if self._postgres:
            return func.extract("epoch", end - items.c.created_at)
        return (func.julianday(end) - func.julianday(items.c.created_at)) * 86400.0

    async def _durations(self, source: Any, end: Any, where: ColumnElement[bool]) -> Durations:
        """Median and 90th percentile of ``end - items.created_at``, interpolated."""
        seconds = self._seconds(end)
        if self._postgres:
            row = (
                await self._conn.execute(
                    select(
                        func.count(),
                        func.percentile_cont(0.5).within_group(seconds),
                        func.percentile_cont(0.9).within_group(seconds),
                    )
                    .select_from(source)
                    .where(where)
                )
            ).one()
            count, median, p90 = row
            return Durations(count, _round(median), _round(p90))
        count = (
            await self._conn.execute(select(func.count()).select_from(source).where(where))
        ).scalar_one()
        if not count:
            return Durations()
        ordered: Select[Any] = select(seconds).select_from(source).where(where).order_by(seconds)
        values = []
        for fraction in (0.5, 0.9):
            position = fraction * (count - 1)
            low = math.floor(position)
            pair = [
                float(value) for (value,) in await self._conn.execute(ordered.limit(2).offset(low))
            ]
            upper = pair[1] if len(pair) > 1 else pair[0]
            values.append(pair[0] + (position - low) * (upper - pair[0]))
        return Durations(count, _round(values[0]), _round(values[1]))


def _round(seconds: Any) -> float | None:
    # SQLite's julianday arithmetic is exact to a few microseconds; a millisecond is plenty.
    return None if seconds is None else round(float(seconds), 3)


class SqlTriageUnitOfWork(SqlTransaction):
    slas: SlaStore
    kpis: KpiReader

    def _open(self, connection: AsyncConnection) -> None:
        store = SqlTriage(connection)
        self.slas = store
        self.kpis = store
