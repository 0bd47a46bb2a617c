"""What operators alert on, read straight from the database when metrics are scraped: open items
by status, stakeholder and priority, the oldest open must-have, the open SLA breaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Platform
from bot.items import OPEN_STATUSES, Priority
from storage.rows import utc
from storage.tables import items, open_item_counts, sla_breaches, workspaces

_OPEN = sorted(status.value for status in OPEN_STATUSES)


@dataclass(slots=True)
class WorkspaceGauges:
    """One workspace's open work. ``open_items`` is keyed by (status, stakeholder, priority),
    priority ``""`` for feedback, which has none; groups with none are left out."""

    platform: Platform
    workspace_id: str
    open_items: dict[tuple[str, str, str], int] = field(default_factory=dict)
    oldest_must_have: datetime | None = None
    open_breaches: int = 0


@cache
def _per_workspace() -> Select[Any]:
    """One statement for what is not counted in ``open_item_counts``: the oldest open
    must-have (the first entry of ``ix_items_workspace_triage`` for each open status) and the
    open SLA breaches (``ix_sla_breaches_workspace_still_new``)."""
    workspace = bindparam("workspace", type_=Integer)
    oldest = [
        select(func.min(items.c.created_at))
        .where(
            items.c.workspace_id == workspace,
            items.c.status == status,
            items.c.priority == Priority.MUST_HAVE.value,
        )
        .scalar_subquery()
        for status in _OPEN
    ]
    breaches = (
        select(func.count())
        .select_from(sla_breaches)
        .where(sla_breaches.c.workspace_id == workspace, sla_breaches.c.still_new)
        .scalar_subquery()
    )
    return select(*oldest, breaches)


async def read_gauges(engine: AsyncEngine) -> list[WorkspaceGauges]:
    """Every workspace's gauges, in one read transaction: the counts kept by the database (a
    few rows however many items there are), then one query per workspace."""
    statement = _per_workspace()
    read: list[WorkspaceGauges] = []
    async with engine.connect() as conn:
        known = (
            await conn.execute(
                select(workspaces.c.id, workspaces.c.platform, workspaces.c.external_id)
            )
        ).all()
        counted: dict[int, dict[tuple[str, str, str], int]] = {}
        for workspace_id, status, stakeholder, priority, count in await conn.execute(
            select(
                open_item_counts.c.workspace_id,
                open_item_counts.c.status,
                open_item_counts.c.stakeholder,
                open_item_counts.c.priority,
                open_item_counts.c.count,
            ).where(open_item_counts.c.count > 0)
        ):
            counted.setdefault(workspace_id, {})[(status, stakeholder, priority)] = count
        for workspace_id, platform, external_id in known:
            oldest_and_breaches: tuple[Any, ...] = tuple(
                (await conn.execute(statement, {"workspace": workspace_id})).one()
            )
            *oldest, breaches = oldest_and_breaches
            found = [utc(moment) for moment in oldest if moment is not None]
            read.append(
                WorkspaceGauges(
                    Platform(platform),
                    external_id,
                    open_items=counted.get(workspace_id, {}),
                    oldest_must_have=min(found) if found else None,
                    open_breaches=int(breaches),
                )
            )
        await conn.rollback()
    return read
