"""``ItemRepository`` on SQLAlchemy Core. Every statement is scoped by workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import MessageRef, Platform, Workspace
from bot.items import Item
from bot.ports import Deletion, FirstDelivery, ItemQuery, ThanksNote
from storage.deletion import delete_item
from storage.dialect import insert_ignoring_duplicates
from storage.links import links_of, notes_of
from storage.paging import keyset_pages
from storage.rows import (
    author_name_column,
    change_columns,
    message_columns,
    to_change,
    to_item,
)
from storage.tables import deliveries, items, status_changes, votes, workspaces
from storage.workspaces import WorkspaceIds
from storage.writes import add_items, first_deliveries, forget_deliveries, note_thanks

EXPORT_PAGE = 500


class SqlItemRepository:
    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def first_delivery(self, workspace: Workspace, delivery_id: str, at: datetime) -> bool:
        workspace_id = await self._workspaces.make(workspace)
        await self._conn.run_sync(forget_deliveries, at)
        claimed = (
            await self._conn.execute(
                insert_ignoring_duplicates(
                    self._conn.dialect,
                    deliveries,
                    workspace_id=workspace_id,
                    delivery_id=delivery_id,
                    received_at=at,
                ).returning(deliveries.c.id)
            )
        ).first()
        return claimed is not None

    async def workspaces(self) -> list[Workspace]:
        rows = await self._conn.execute(
            select(workspaces.c.platform, workspaces.c.external_id).order_by(workspaces.c.id)
        )
        return [Workspace(Platform(platform), external_id) for platform, external_id in rows]

    # -- items ------------------------------------------------------------------------------

    async def add(self, item: Item) -> Item:
        (added,) = await self.add_all([item])
        return added

    async def first_deliveries(self, once: Sequence[FirstDelivery]) -> list[FirstDelivery]:
        ids = {
            each.item.workspace: await self._workspaces.make(each.item.workspace) for each in once
        }
        return await self._conn.run_sync(first_deliveries, once, ids)

    async def add_all(self, new_items: Sequence[Item]) -> list[Item]:
        ids = {item.workspace: await self._workspaces.make(item.workspace) for item in new_items}
        await self._conn.run_sync(add_items, new_items, ids)
        return list(new_items)

    def _in(self, workspace_id: int) -> Select[Any]:
        return select(items).where(items.c.workspace_id == workspace_id)

    async def get(self, workspace: Workspace, number: int) -> Item | None:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return None
        row = (
            (await self._conn.execute(self._in(workspace_id).where(items.c.number == number)))
            .mappings()
            .one_or_none()
        )
        if row is None:
            return None
        item = to_item(row, workspace)
        history = await self._conn.execute(
            select(status_changes)
            .where(status_changes.c.item_id == row["id"])
            .order_by(status_changes.c.at, status_changes.c.id)
        )
        item.history = [to_change(change) for change in history.mappings()]
        item.links = await links_of(self._conn, [row["id"]])
        item.tracker_notes = (await notes_of(self._conn, [row["id"]])).get(row["id"], [])
        return item

    async def get_by_thanks(self, workspace: Workspace, thanks: MessageRef) -> Item | None:
        return await self._get_by_message(workspace, "thanks", thanks)

    async def get_by_source(self, workspace: Workspace, source: MessageRef) -> Item | None:
        return await self._get_by_message(workspace, "source", source)

    async def _get_by_message(
        self, workspace: Workspace, prefix: str, message: MessageRef
    ) -> Item | None:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return None
        number = (
            await self._conn.execute(
                select(items.c.number).where(
                    items.c.workspace_id == workspace_id,
                    *(
                        items.c[column] == value
                        for column, value in message_columns(prefix, message).items()
                    ),
                )
            )
        ).scalar_one_or_none()
        return None if number is None else await self.get(workspace, number)

    async def record_thanks(self, notes: Sequence[ThanksNote]) -> None:
        ids = {note.workspace: await self._workspaces.find(note.workspace) for note in notes}
        await self._conn.run_sync(note_thanks, notes, ids)

    async def update(self, item: Item) -> None:
        workspace_id = await self._workspaces.find(item.workspace)
        assert workspace_id is not None and item.number is not None
        item_id = (
            await self._conn.execute(
                update(items)
                .where(items.c.workspace_id == workspace_id, items.c.number == item.number)
                .values(
                    status=item.status.value,
                    duplicate_of=item.duplicate_of,
                    priority=item.priority.value if item.priority else None,
                    stakeholder=item.stakeholder.value,
                    # Not the thank-you: the outbox notes it (record_thanks), maybe in another
                    # process between this item's read and this write, which must not undo it.
                    status_changed_at=item.status_changed_at,
                    **author_name_column(item),
                )
                .returning(items.c.id)
            )
        ).scalar_one()
        stored = (
            await self._conn.execute(
                select(func.count()).where(status_changes.c.item_id == item_id)
            )
        ).scalar_one()
        for change in item.history[stored:]:
            await self._conn.execute(
                insert(status_changes).values(**change_columns(item_id, change))
            )

    async def search(self, workspace: Workspace, query: ItemQuery) -> list[Item]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return []
        conditions = []
        if query.kind is not None:
            conditions.append(items.c.kind == query.kind.value)
        if query.statuses is not None:
            conditions.append(items.c.status.in_([s.value for s in query.statuses]))
        if query.priority is not None:
            conditions.append(items.c.priority == query.priority.value)
        if query.stakeholder is not None:
            conditions.append(items.c.stakeholder == query.stakeholder.value)
        if query.author_id is not None:
            conditions.append(items.c.author_id == query.author_id)
        rows = await self._conn.execute(
            self._in(workspace_id)
            .where(and_(True, *conditions))
            .order_by(items.c.number.desc())
            .limit(query.limit)
        )
        return [to_item(row, workspace) for row in rows.mappings()]

    async def export(self, workspace: Workspace) -> AsyncIterator[Item]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return
        pages = keyset_pages(self._conn, self._in(workspace_id), (items.c.number,), EXPORT_PAGE)
        async for row in pages:
            yield to_item(row._mapping, workspace)

    # -- votes ------------------------------------------------------------------------------

    async def add_vote(
        self,
        workspace: Workspace,
        number: int,
        voter_id: str,
        at: datetime,
        voter_name: str | None = None,
    ) -> bool:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return False
        added = (
            await self._conn.execute(
                insert_ignoring_duplicates(
                    self._conn.dialect,
                    votes,
                    item_id=item_id,
                    voter_id=voter_id,
                    voter_name=voter_name,
                    created_at=at,
                ).returning(votes.c.id)
            )
        ).first()
        if added is None:
            if voter_name is not None:
                # A repeat vote tells the name a vote cast without one (by reaction) lacked.
                await self._conn.execute(
                    update(votes)
                    .where(votes.c.item_id == item_id, votes.c.voter_id == voter_id, _unnamed())
                    .values(voter_name=voter_name)
                )
            return False
        await self._count_vote(item_id, +1)
        return True

    async def name_voter(self, workspace: Workspace, voter_id: str, name: str) -> int:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return 0
        named = await self._conn.execute(
            update(votes)
            .where(
                votes.c.voter_id == voter_id,
                _unnamed(),
                votes.c.item_id.in_(select(items.c.id).where(items.c.workspace_id == workspace_id)),
            )
            .values(voter_name=name)
        )
        return named.rowcount

    async def remove_vote(self, workspace: Workspace, number: int, voter_id: str) -> bool:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return False
        removed = (
            await self._conn.execute(
                delete(votes)
                .where(votes.c.item_id == item_id, votes.c.voter_id == voter_id)
                .returning(votes.c.id)
            )
        ).first()
        if removed is None:
            return False
        await self._count_vote(item_id, -1)
        return True

    async def remove_votes(self, workspace: Workspace, number: int) -> int:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return 0
        removed = (
            await self._conn.execute(
                delete(votes).where(votes.c.item_id == item_id).returning(votes.c.id)
            )
        ).all()
        if removed:
            await self._count_vote(item_id, -len(removed))
        return len(removed)

    async def move_votes(self, workspace: Workspace, duplicate: int, kept: int) -> int:
        from_id = await self._workspaces.item_id(workspace, duplicate)
        to_id = await self._workspaces.item_id(workspace, kept)
        if from_id is None or to_id is None:
            return 0
        # One statement adds every voter of the duplicate who has no vote on the kept item yet;
        # the unique key (item, voter) is the final guard against counting anyone twice.
        already = select(votes.c.voter_id).where(votes.c.item_id == to_id)
        moved = (
            await self._conn.execute(
                insert(votes)
                .from_select(
                    ["item_id", "voter_id", "voter_name", "created_at"],
                    select(
                        bindparam("to_id", to_id),
                        votes.c.voter_id,
                        votes.c.voter_name,
                        votes.c.created_at,
                    ).where(votes.c.item_id == from_id, votes.c.voter_id.not_in(already)),
                )
                .returning(votes.c.id)
            )
        ).all()
        await self._conn.execute(delete(votes).where(votes.c.item_id == from_id))
        await self._conn.execute(update(items).where(items.c.id == from_id).values(votes=0))
        if moved:
            await self._count_vote(to_id, len(moved))
        return len(moved)

    async def voter_ids(self, workspace: Workspace, number: int) -> list[str]:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return []
        rows = await self._conn.execute(
            select(votes.c.voter_id).where(votes.c.item_id == item_id).order_by(votes.c.id)
        )
        return [voter for (voter,) in rows]

    async def delete(self, workspace: Workspace, number: int) -> Deletion | None:
        item_id = await self._workspaces.item_id(workspace, number)
        workspace_id = await self._workspaces.find(workspace)
        if item_id is None or workspace_id is None:
            return None
        return await delete_item(self._conn, workspace_id, item_id, number)

    async def _count_vote(self, item_id: int, delta: int) -> None:
        await self._conn.execute(
            update(items).where(items.c.id == item_id).values(votes=items.c.votes + delta)
        )


def _unnamed() -> ColumnElement[bool]:
    """A vote whose voter's name is not known: none was told, or only their id."""
    return or_(votes.c.voter_name.is_(None), votes.c.voter_name == votes.c.voter_id)
