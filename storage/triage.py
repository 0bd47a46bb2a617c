"""SLA claims on SQLAlchemy Core (the KPIs are read by storage/kpis.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.slas import Breach
from storage.dialect import insert_ignoring_duplicates
from storage.rows import stored, to_breach, to_item, workspace_of
from storage.tables import items, sla_breaches, workspaces
from storage.workspaces import WorkspaceIds


class SqlTriage:
    """``SlaStore`` on one connection."""

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
