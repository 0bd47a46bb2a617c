"""The dashboard's sign-in links, sessions and signing key on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, delete, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dashboard_access import LinkRefused, Visitor
from bot.identity import Person, Platform, Workspace
from storage.dialect import insert_ignoring_duplicates
from storage.rows import stored
from storage.tables import dashboard_keys, dashboard_links, dashboard_sessions, workspaces
from storage.workspaces import WorkspaceIds

SIGNING = "signing"


class SqlAccess:
    """``AccessStore`` on one connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def add_link(
        self, hashed: str, visitor: Visitor, at: datetime, expires_at: datetime
    ) -> None:
        await self._add(dashboard_links, hashed, visitor, at, expires_at)

    async def use_link(self, hashed: str, at: datetime) -> Visitor | LinkRefused:
        # A compare-and-set: of two uses at once, the second finds ``used_at`` set (PostgreSQL
        # re-reads the row once the first commits; SQLite has one writer at a time).
        used = (
            await self._conn.execute(
                update(dashboard_links)
                .where(
                    dashboard_links.c.token_hash == hashed,
                    dashboard_links.c.used_at.is_(None),
                    dashboard_links.c.expires_at > stored(at),
                )
                .values(used_at=stored(at))
                .returning(dashboard_links.c.id)
            )
        ).scalar_one_or_none()
        row = (await self._conn.execute(_signed_in(dashboard_links, hashed))).mappings().first()
        if row is None:
            return LinkRefused.UNKNOWN
        if used is None:
            return LinkRefused.USED if row["used_at"] is not None else LinkRefused.EXPIRED
        return _visitor(row)

    async def add_session(
        self, hashed: str, visitor: Visitor, at: datetime, expires_at: datetime
    ) -> None:
        await self._add(dashboard_sessions, hashed, visitor, at, expires_at)

    async def session(self, hashed: str, at: datetime) -> Visitor | None:
        row = (
            (
                await self._conn.execute(
                    _signed_in(dashboard_sessions, hashed).where(
                        dashboard_sessions.c.expires_at > stored(at)
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _visitor(row)

    async def end_session(self, hashed: str) -> None:
        await self._conn.execute(
            delete(dashboard_sessions).where(dashboard_sessions.c.token_hash == hashed)
        )

    async def prune(self, before: datetime) -> None:
        for table in (dashboard_links, dashboard_sessions):
            await self._conn.execute(delete(table).where(table.c.expires_at < stored(before)))

    async def signing_key(self, made: bytes, at: datetime) -> bytes:
        # Whoever stores first wins; everyone reads back the key that is stored.
        await self._conn.execute(
            insert_ignoring_duplicates(
                self._conn.dialect,
                dashboard_keys,
                name=SIGNING,
                value=made,
                created_at=stored(at),
            )
        )
        key: bytes = (
            await self._conn.execute(
                select(dashboard_keys.c.value).where(dashboard_keys.c.name == SIGNING)
            )
        ).scalar_one()
        return bytes(key)

    async def _add(
        self, table: Table, hashed: str, visitor: Visitor, at: datetime, expires_at: datetime
    ) -> None:
        values: dict[str, Any] = {
            "token_hash": hashed,
            "workspace_id": await self._workspaces.make(visitor.workspace),
            "user_id": visitor.person.user_id,
            "user_name": visitor.person.display_name,
            "admin": visitor.admin,
            "created_at": stored(at),
            "expires_at": stored(expires_at),
        }
        await self._conn.execute(table.insert().values(**values))


def _signed_in(table: Table, hashed: str) -> Select[Any]:
    """The row of that token, with its workspace."""
    return (
        select(table, workspaces.c.platform, workspaces.c.external_id, workspaces.c.organisation_id)
        .join(workspaces, workspaces.c.id == table.c.workspace_id)
        .where(table.c.token_hash == hashed)
    )


def _visitor(row: RowMapping) -> Visitor:
    workspace = Workspace(Platform(row["platform"]), row["external_id"], row["organisation_id"])
    return Visitor(workspace, Person(row["user_id"], row["user_name"]), bool(row["admin"]))
