"""A workspace's organisation (a Slack Enterprise Grid) is recorded with it, on SQLite and
PostgreSQL, and never splits one workspace into two."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import Person, Platform, Workspace
from bot.items import ItemKind
from bot.service import FeedbackService, Refused, Submission
from storage import tables
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import FixedClock

ALICE = Person("W-ALICE", "Alice")


async def record(engine: AsyncEngine, workspace: Workspace, text: str = "More dashboards") -> int:
    service = FeedbackService(lambda: SqlUnitOfWork(engine), FixedClock())
    item = await service.submit(
        Submission(workspace, "C1", ALICE, ItemKind.FEEDBACK, text, delivery_id=text)
    )
    assert not isinstance(item, Refused) and item.number is not None, item
    return item.number


async def organisations(engine: AsyncEngine) -> list[tuple[str, str | None]]:
    query = select(tables.workspaces.c.external_id, tables.workspaces.c.organisation_id)
    async with engine.connect() as connection:
        return [(row[0], row[1]) for row in await connection.execute(query)]


async def test_a_grid_workspace_is_recorded_with_its_enterprise(engine: AsyncEngine) -> None:
    await record(engine, Workspace(Platform.SLACK, "T-SALES", "E-ACME"))
    assert await organisations(engine) == [("T-SALES", "E-ACME")]


async def test_the_enterprise_is_filled_in_when_a_known_workspace_first_names_it(
    engine: AsyncEngine,
) -> None:
    await record(engine, Workspace(Platform.SLACK, "T-SALES"), "first")
    numbers = [await record(engine, Workspace(Platform.SLACK, "T-SALES", "E-ACME"), "second")]
    assert numbers == [2]  # the same workspace: its numbers go on
    assert await organisations(engine) == [("T-SALES", "E-ACME")]


async def test_a_workspace_outside_any_grid_has_no_organisation(engine: AsyncEngine) -> None:
    await record(engine, Workspace(Platform.SLACK, "T-SMALL"))
    assert await organisations(engine) == [("T-SMALL", None)]
