"""``UnitOfWork`` on one database connection and transaction.

Every write goes through it, except SQLite's group commits: ``storage.writes`` says why.
"""

from __future__ import annotations

import os
from contextlib import suppress
from time import perf_counter
from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.backlog import BacklogReader
from bot.dashboard_access import AccessStore
from bot.errors import StorageError
from bot.identity import Workspace
from bot.kpis import KpiReader
from bot.observations import UNOBSERVED, Observations
from bot.outbox import OutboxStore
from bot.ports import DeliveryLog, ItemRepository
from bot.reminders import ReminderStore, RoadmapReader
from bot.slas import SlaStore
from bot.surveys import SurveyStore
from bot.trackers import IssueLinkStore
from bot.webhooks import WebhookStore
from storage.access import SqlAccess
from storage.backlog import SqlBacklog
from storage.file_lock import take
from storage.kpis import SqlKpis
from storage.links import SqlLinks
from storage.outbox import SqlOutbox
from storage.reminders import SqlReminders
from storage.repository import SqlItemRepository
from storage.surveys import SqlSurveyStore
from storage.triage import SqlTriage
from storage.webhooks import SqlWebhooks
from storage.workspaces import WorkspaceIds

# What a database can throw at us: the driver's errors (wrapped by SQLAlchemy) and the network's.
DATABASE_FAILURES = (SQLAlchemyError, OSError)
# What ``Observations.transaction`` calls the transactions of units of work.
UNIT_OF_WORK = "unit_of_work"


class SqlUnitOfWork:
    """Every repository on one connection and one transaction, for ``async with``. Nothing is
    kept unless ``commit`` is called, and database failures surface as ``StorageError``.

    ``known`` is the committed workspace ids shared by every unit of work of one engine;
    ``observations`` hears how long each transaction took and whether the database failed."""

    items: ItemRepository
    deliveries: DeliveryLog
    reminders: ReminderStore
    roadmap: RoadmapReader
    slas: SlaStore
    kpis: KpiReader
    outbox: OutboxStore
    access: AccessStore
    backlog: BacklogReader
    links: IssueLinkStore
    webhooks: WebhookStore
    surveys: SurveyStore

    def __init__(
        self,
        engine: AsyncEngine,
        known: dict[Workspace, int] | None = None,
        observations: Observations = UNOBSERVED,
    ) -> None:
        self._engine = engine
        self._known = known if known is not None else {}
        self._observations = observations
        self._conn: AsyncConnection | None = None
        self._queue: int | None = None
        self._began = 0.0

    async def __aenter__(self) -> Self:
        self._began = perf_counter()
        try:
            self._conn = await self._engine.connect()
            if self._engine.dialect.name == "sqlite":
                # Queued behind the other processes' writers in the kernel, as SQLite's group
                # commits are (storage.sqlite_writes), rather than polling in SQLite's busy
                # handler, whose sleeps grow to 100 ms while another process keeps writing.
                self._queue = await take(self._engine.url.database)
            await self._conn.begin()
        except DATABASE_FAILURES as error:
            await self._close()
            self._observations.transaction(UNIT_OF_WORK, perf_counter() - self._began, True)
            raise StorageError(f"cannot reach the database: {error}") from error
        self._open(self._conn)
        return self

    def _open(self, connection: AsyncConnection) -> None:
        # One class may serve several ports: they share its queries' state.
        workspaces = WorkspaceIds(connection, self._known)
        self.items = self.deliveries = SqlItemRepository(connection, workspaces)
        self.reminders = self.roadmap = SqlReminders(connection, workspaces)
        self.slas = SqlTriage(connection, workspaces)
        self.kpis = SqlKpis(connection, workspaces)
        self.outbox = SqlOutbox(connection, workspaces)
        self.access = SqlAccess(connection, workspaces)
        self.backlog = SqlBacklog(connection, workspaces)
        self.links = SqlLinks(connection, workspaces)
        self.webhooks = SqlWebhooks(connection, workspaces)
        self.surveys = SqlSurveyStore(connection, workspaces)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()
        failed = isinstance(exc, DATABASE_FAILURES)
        self._observations.transaction(UNIT_OF_WORK, perf_counter() - self._began, failed)
        if failed:
            raise StorageError(f"the database failed: {exc}") from exc

    async def commit(self) -> None:
        assert self._conn is not None, "commit outside the unit of work"
        await self._conn.commit()

    async def _close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        # Closing rolls back whatever was not committed; a connection already gone kept nothing.
        with suppress(*DATABASE_FAILURES):
            await conn.close()
        if self._queue is not None:
            queue, self._queue = self._queue, None
            os.close(queue)  # lets the lock file go


class SqlStorage:
    """Units of work on one engine, sharing what they learnt of committed workspaces."""

    def __init__(self, engine: AsyncEngine, observations: Observations = UNOBSERVED) -> None:
        self._engine = engine
        self._known: dict[Workspace, int] = {}
        self._observations = observations

    @property
    def known(self) -> dict[Workspace, int]:
        """The committed workspace ids found so far, shared with writers of this storage."""
        return self._known

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, self._known, self._observations)
