"""``IssueLinkStore`` on SQLAlchemy Core: items' links to tracker issues, scoped by workspace."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Platform, Workspace
from bot.issue_links import IssueLink, IssueRef
from bot.items import OPEN_STATUSES
from storage.dialect import insert_ignoring_duplicates
from storage.rows import stored, utc
from storage.tables import issue_link_notes, issue_links, items, workspaces
from storage.workspaces import WorkspaceIds


class SqlLinks:
    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def add(self, workspace: Workspace, number: int, ref: IssueRef, at: datetime) -> bool:
        item_id = await self._workspaces.item_id(workspace, number)
        workspace_id = await self._workspaces.find(workspace)
        if item_id is None or workspace_id is None:
            return False
        added = (
            await self._conn.execute(
                insert_ignoring_duplicates(
                    self._conn.dialect,
                    issue_links,
                    workspace_id=workspace_id,
                    item_id=item_id,
                    tracker=ref.tracker,
                    key=ref.key,
                    url=ref.url,
                    linked_at=stored(at),
                ).returning(issue_links.c.id)
            )
        ).first()
        return added is not None

    async def remove(
        self, workspace: Workspace, number: int, ref: IssueRef | None
    ) -> list[IssueRef]:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return []
        which = [issue_links.c.item_id == item_id]
        if ref is not None:
            which += [issue_links.c.tracker == ref.tracker, issue_links.c.key == ref.key]
        removed = await self._conn.execute(
            delete(issue_links)
            .where(*which)
            .returning(
                issue_links.c.id, issue_links.c.tracker, issue_links.c.key, issue_links.c.url
            )
        )
        return [IssueRef(tracker, key, url) for _, tracker, key, url in sorted(removed.all())]

    async def for_item(self, workspace: Workspace, number: int) -> list[IssueLink]:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return []
        return await links_of(self._conn, [item_id])

    async def linked(self, ref: IssueRef) -> list[tuple[Workspace, int]]:
        rows = await self._conn.execute(
            select(workspaces.c.platform, workspaces.c.external_id, items.c.number)
            .select_from(
                issue_links.join(items, items.c.id == issue_links.c.item_id).join(
                    workspaces, workspaces.c.id == issue_links.c.workspace_id
                )
            )
            .where(issue_links.c.tracker == ref.tracker, issue_links.c.key == ref.key)
            .order_by(issue_links.c.workspace_id, items.c.number)
        )
        return [(Workspace(Platform(platform), wid), number) for platform, wid, number in rows]

    async def to_poll(self, limit: int) -> list[tuple[Workspace, int, IssueLink]]:
        rows = await self._conn.execute(
            select(
                workspaces.c.platform,
                workspaces.c.external_id,
                items.c.number,
                *_link_columns(),
            )
            .select_from(
                issue_links.join(items, items.c.id == issue_links.c.item_id).join(
                    workspaces, workspaces.c.id == issue_links.c.workspace_id
                )
            )
            .where(items.c.status.in_([status.value for status in OPEN_STATUSES]))
            # Never read first (NULL), then the least recently read.
            .order_by(
                issue_links.c.read_at.is_not(None),
                issue_links.c.read_at,
                issue_links.c.id,
            )
            .limit(limit)
        )
        return [
            (Workspace(Platform(row.platform), row.external_id), row.number, _to_link(row))
            for row in rows
        ]

    async def seen(self, ref: IssueRef, state: str, at: datetime) -> None:
        await self._conn.execute(
            update(issue_links)
            .where(issue_links.c.tracker == ref.tracker, issue_links.c.key == ref.key)
            .values(state=state, read_at=stored(at))
        )

    async def note(self, workspace: Workspace, number: int, at: datetime, text: str) -> None:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return
        await self._conn.execute(
            insert(issue_link_notes).values(item_id=item_id, at=stored(at), text=text)
        )

    async def notes(self, workspace: Workspace, number: int) -> list[tuple[datetime, str]]:
        item_id = await self._workspaces.item_id(workspace, number)
        if item_id is None:
            return []
        return (await notes_of(self._conn, [item_id])).get(item_id, [])


def _link_columns() -> list[object]:
    return [
        issue_links.c.item_id,
        issue_links.c.tracker,
        issue_links.c.key,
        issue_links.c.url,
        issue_links.c.linked_at,
        issue_links.c.state,
    ]


def _to_link(row: object) -> IssueLink:
    return IssueLink(
        IssueRef(row.tracker, row.key, row.url),  # type: ignore[attr-defined]
        utc(row.linked_at),  # type: ignore[attr-defined]
        row.state,  # type: ignore[attr-defined]
    )


async def links_by_item(
    connection: AsyncConnection, item_ids: Sequence[int]
) -> dict[int, list[IssueLink]]:
    """The links of each of ``item_ids`` (any of them may have none), oldest first: one
    query, for readers that show many items."""
    found: dict[int, list[IssueLink]] = {}
    if not item_ids:
        return found
    rows = await connection.execute(
        select(*_link_columns())  # type: ignore[call-overload]
        .where(issue_links.c.item_id.in_(list(item_ids)))
        .order_by(issue_links.c.linked_at, issue_links.c.id)
    )
    for row in rows:
        found.setdefault(row.item_id, []).append(_to_link(row))
    return found


async def links_by_number(
    connection: AsyncConnection, workspace_id: int, numbers: Collection[int]
) -> dict[int, tuple[IssueRef, ...]]:
    """The issues each of the items ``numbers`` of one workspace is linked to, oldest link
    first: one query, for the digest's lines."""
    found: dict[int, tuple[IssueRef, ...]] = {}
    if not numbers:
        return found
    rows = await connection.execute(
        select(items.c.number, issue_links.c.tracker, issue_links.c.key, issue_links.c.url)
        .select_from(issue_links.join(items, items.c.id == issue_links.c.item_id))
        .where(items.c.workspace_id == workspace_id, items.c.number.in_(sorted(numbers)))
        .order_by(issue_links.c.linked_at, issue_links.c.id)
    )
    for number, tracker, key, url in rows:
        found[number] = (*found.get(number, ()), IssueRef(tracker, key, url))
    return found


async def links_of(connection: AsyncConnection, item_ids: Sequence[int]) -> list[IssueLink]:
    by_item = await links_by_item(connection, item_ids)
    return [link for item_id in item_ids for link in by_item.get(item_id, [])]


async def notes_of(
    connection: AsyncConnection, item_ids: Sequence[int]
) -> dict[int, list[tuple[datetime, str]]]:
    """The tracker history of each of ``item_ids``, oldest first."""
    found: dict[int, list[tuple[datetime, str]]] = {}
    if not item_ids:
        return found
    rows = await connection.execute(
        select(issue_link_notes.c.item_id, issue_link_notes.c.at, issue_link_notes.c.text)
        .where(issue_link_notes.c.item_id.in_(list(item_ids)))
        .order_by(issue_link_notes.c.at, issue_link_notes.c.id)
    )
    for item_id, at, text in rows:
        found.setdefault(item_id, []).append((utc(at), text))
    return found
