"""Deleting an item with everything kept about it (``feedbackbot delete``), in one transaction.

The KPI figures and open counts are kept by triggers (migrations 0007 and 0010): the item's
status changes and SLA breach are deleted first, while the item is still there for their
triggers to read its workspace and creation time, then the item, whose own triggers take it
out of the figures by day, month, status, priority, stakeholder kind, kind and votes. The rows
without a foreign key to the item (owed messages, webhook deliveries, which name it by workspace
and number) are deleted by that workspace and number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.items import Status
from bot.ports import Deletion
from storage.tables import (
    issue_link_notes,
    issue_links,
    items,
    outbox,
    sla_breaches,
    status_changes,
    survey_answers,
    votes,
    webhook_attempts,
    webhook_deliveries,
)


async def _deleted(connection: AsyncConnection, table: Table, *where: Any) -> int:
    rows = await connection.execute(delete(table).where(*where).returning(table.c.id))
    return len(rows.all())


async def delete_item(
    connection: AsyncConnection, workspace_id: int, item_id: int, number: int
) -> Deletion:
    """Item ``item_id`` (``number`` of workspace ``workspace_id``) deleted, and what went with
    it."""
    duplicates = await connection.execute(
        select(items.c.number)
        .where(
            items.c.workspace_id == workspace_id,
            items.c.duplicate_of == number,
            items.c.status == Status.DUPLICATE.value,
        )
        .order_by(items.c.number)
    )
    found = tuple(duplicates.scalars())
    counts = {
        name: await _deleted(connection, table, table.c.item_id == item_id)
        for name, table in (
            ("votes", votes),
            ("status_changes", status_changes),
            ("sla_breaches", sla_breaches),
            ("survey_answers", survey_answers),
            ("tracker_links", issue_links),
            ("tracker_notes", issue_link_notes),
        )
    }
    owed = await _deleted(
        connection, outbox, outbox.c.workspace_id == workspace_id, outbox.c.item_number == number
    )
    tied = (
        webhook_deliveries.c.workspace_id == workspace_id,
        webhook_deliveries.c.item_number == number,
    )
    await connection.execute(
        delete(webhook_attempts).where(
            webhook_attempts.c.delivery_id.in_(select(webhook_deliveries.c.id).where(*tied))
        )
    )
    deliveries = await _deleted(connection, webhook_deliveries, *tied)
    await connection.execute(delete(items).where(items.c.id == item_id))
    return Deletion(
        number,
        **counts,
        owed_messages=owed,
        webhook_deliveries=deliveries,
        duplicates=found,
    )
