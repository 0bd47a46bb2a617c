"""Workspace row ids. Every row of a workspace hangs off its id, so every repository looks it
up; they do so through one ``WorkspaceIds`` per unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Workspace
from storage.dialect import insert_ignoring_duplicates
from storage.tables import items, workspaces


def find_workspace(conn: Connection, workspace: Workspace, create: bool) -> tuple[int | None, bool]:
    """The workspace's row id, made when ``create`` and missing; and whether it was made in
    this transaction (then it is not committed yet). Its organisation, when ``workspace``
    names one, is recorded on the way: with the new row, or on a row that had none."""
    found = select(workspaces.c.id, workspaces.c.organisation_id).where(
        workspaces.c.platform == workspace.platform.value,
        workspaces.c.external_id == workspace.id,
    )
    row = conn.execute(found).one_or_none()
    if row is not None:
        workspace_id: int = row.id
        if create and workspace.organisation is not None and row.organisation_id is None:
            conn.execute(
                update(workspaces)
                .where(workspaces.c.id == workspace_id)
                .values(organisation_id=workspace.organisation)
            )
        return workspace_id, False
    if not create:
        return None, False
    values = {
        "platform": workspace.platform.value,
        "external_id": workspace.id,
        "organisation_id": workspace.organisation,
        "created_at": datetime.now(UTC),
    }
    conn.execute(insert_ignoring_duplicates(conn.dialect, workspaces, **values))
    return conn.execute(found).one().id, True


class WorkspaceIds:
    """The workspace ids of one unit of work. A workspace's id never changes once committed,
    so ``known`` (shared by every unit of work of one engine) keeps committed ids for good; an
    id made in this transaction is kept here alone, since a rollback takes it back."""

    def __init__(self, connection: AsyncConnection, known: dict[Workspace, int]) -> None:
        self._conn = connection
        self._known = known
        self._made: dict[Workspace, int] = {}

    async def find(self, workspace: Workspace) -> int | None:
        """The workspace's id, ``None`` if it has recorded nothing yet."""
        return await self._look_up(workspace, create=False)

    async def make(self, workspace: Workspace) -> int:
        """The workspace's id, the workspace made first if it is new."""
        workspace_id = await self._look_up(workspace, create=True)
        assert workspace_id is not None, "a workspace is made when missing"
        return workspace_id

    async def item_id(self, workspace: Workspace, number: int) -> int | None:
        """The row id of item ``number`` of that workspace; never an item of another."""
        workspace_id = await self.find(workspace)
        if workspace_id is None:
            return None
        found: int | None = (
            await self._conn.execute(
                select(items.c.id).where(
                    items.c.workspace_id == workspace_id, items.c.number == number
                )
            )
        ).scalar_one_or_none()
        return found

    async def _look_up(self, workspace: Workspace, *, create: bool) -> int | None:
        if workspace in self._known:
            return self._known[workspace]
        if workspace in self._made:
            return self._made[workspace]
        workspace_id, made = await self._conn.run_sync(find_workspace, workspace, create)
        if workspace_id is not None:
            (self._made if made else self._known)[workspace] = workspace_id
        return workspace_id
