"""What operators alert on, read straight from the database when metrics are scraped: open items
by status, stakeholder and priority, the oldest open must-have, the open SLA breaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Platform
from bot.items import OPEN_STATUSES, Priority, Status
from storage.rows import utc
from storage.tables import items, sla_breaches, workspaces

_OPEN = sorted(status.value for status in OPEN_STATUSES)


@dataclass(slots=True)
class WorkspaceGauges:
    """One workspace's open work. ``open_items`` is keyed by (status, stakeholder, priority),
    priority ``""`` for feedback, which has none."""

    platform: Platform
    workspace_id: str
    open_items: dict[tuple[str, str, str], int] = field(default_factory=dict)
    oldest_must_have: datetime | None = None
    open_breaches: int = 0


async def read_gauges(engine: AsyncEngine) -> list[WorkspaceGauges]:
    """Every workspace's gauges, in one short read transaction of one query per workspace (each
    an index range scan of its open items, see ``ix_items_workspace_open``) and one for the
    open SLA breaches of all of them."""
    async with engine.connect() as conn:
        known = (
            await conn.execute(
                select(workspaces.c.id, workspaces.c.platform, workspaces.c.external_id)
            )
        ).all()
        read: list[WorkspaceGauges] = []
        by_id: dict[int, WorkspaceGauges] = {}
        for workspace_id, platform, external_id in known:
            gauges = WorkspaceGauges(Platform(platform), external_id)
            by_id[workspace_id] = gauges
            read.append(gauges)
            rows = await conn.execute(
                select(
                    items.c.status,
                    items.c.stakeholder,
                    items.c.priority,
                    func.count(),
                    func.min(items.c.created_at),
                )
                .where(items.c.workspace_id == workspace_id, items.c.status.in_(_OPEN))
                .group_by(items.c.status, items.c.stakeholder, items.c.priority)
            )
            for status, stakeholder, priority, count, oldest in rows:
                gauges.open_items[(status, stakeholder, priority or "")] = count
                if priority == Priority.MUST_HAVE.value and oldest is not None:
                    at = utc(oldest)
                    if gauges.oldest_must_have is None or at < gauges.oldest_must_have:
                        gauges.oldest_must_have = at
        breaches = await conn.execute(
            select(sla_breaches.c.workspace_id, func.count())
            .join(items, items.c.id == sla_breaches.c.item_id)
            .where(items.c.status == Status.NEW.value)
            .group_by(sla_breaches.c.workspace_id)
        )
        for workspace_id, count in breaches:
            if workspace_id in by_id:
                by_id[workspace_id].open_breaches = count
        await conn.rollback()
    return read
