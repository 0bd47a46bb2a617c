"""SLA claims and KPI queries on SQLAlchemy Core: aggregates in the database, never item by item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import Durations, Kpis
from bot.slas import Breach
from storage.dialect import count_and_percentiles, insert_ignoring_duplicates, seconds_between
from storage.rows import stored, to_breach, to_item, workspace_of
from storage.tables import items, sla_breaches, status_changes, workspaces
from storage.workspaces import WorkspaceIds


class SqlTriage:
    """``SlaStore`` and ``KpiReader`` on one connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

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
                items.c.created_at < stored(created_before),
                ~exists().where(sla_breaches.c.item_id == items.c.id),
            )
            .order_by(items.c.created_at, items.c.id)
            .limit(limit)
        )
        return [to_item(row, workspace_of(row)) for row in rows.mappings()]

    async def claim(
        self, workspace: Workspace, number: int, deadline: datetime, at: datetime
    ) -> bool:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return False
        workspace_id = await self._workspaces.find(workspace)
        claimed = (
            await self._conn.execute(
                insert_ignoring_duplicates(
                    self._conn.dialect,
                    sla_breaches,
                    item_id=item_id,
                    workspace_id=workspace_id,
                    deadline=stored(deadline),
                    breached_at=stored(at),
                ).returning(sla_breaches.c.id)
            )
        ).first()
        return claimed is not None

    async def record_post(
        self, workspace: Workspace, number: int, outcome: str, posted_at: datetime | None
    ) -> None:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return
        await self._conn.execute(
            update(sla_breaches)
            .where(sla_breaches.c.item_id == item_id)
            .values(outcome=outcome, posted_at=stored(posted_at) if posted_at else None)
        )

    async def open_breaches(self, workspace: Workspace, limit: int) -> list[Breach]:
        workspace_id = await self._workspaces.find(workspace)
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
        return [to_breach(row, workspace) for row in rows.mappings()]

    # -- KpiReader --------------------------------------------------------------------------

    async def kpis(
        self, workspace: Workspace | None, since: datetime | None, until: datetime
    ) -> Kpis:
        scope: list[ColumnElement[bool]] = []
        if workspace is not None:
            workspace_id = await self._workspaces.find(workspace)
            if workspace_id is None:
                return Kpis(workspace, since, until)
            scope.append(items.c.workspace_id == workspace_id)

        def within(column: Any) -> ColumnElement[bool]:
            bounds = [column < stored(until)]
            if since is not None:
                bounds.append(column >= stored(since))
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
        in_period = [sla_breaches.c.deadline < stored(until)]
        if since is not None:
            in_period.append(sla_breaches.c.deadline >= stored(since))
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

    async def _durations(
        self, source: FromClause, end: Any, where: ColumnElement[bool]
    ) -> Durations:
        """Median and 90th percentile of ``end - items.created_at``, interpolated."""
        seconds = seconds_between(self._conn.dialect, items.c.created_at, end)
        count, (median, p90) = await count_and_percentiles(
            self._conn, seconds, source, where, (0.5, 0.9)
        )
        return Durations(count, _round(median), _round(p90))


def _round(seconds: Any) -> float | None:
    # SQLite's julianday arithmetic is exact to a few microseconds; a millisecond is plenty.
    return None if seconds is None else round(float(seconds), 3)
