"""Deleting an item on real databases (SQLite and PostgreSQL): everything kept about it goes
with it, nothing of another item does, and the KPIs and open counts read as if it had never
been."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import ItemNotFound
from bot.identity import Person, Platform, Workspace
from bot.issue_links import IssueRef
from bot.items import Item, Priority, Stakeholder, Status
from bot.ports import Deletion
from bot.slas import TriageChannels
from bot.surveys import Role, ShipAnswer, ShippedAnswer
from bot.webhook_events import ITEM_EVENTS
from storage.tables import (
    issue_link_notes,
    issue_links,
    items,
    kpi_events,
    kpi_items,
    kpi_open_votes,
    open_item_counts,
    outbox,
    sla_breaches,
    status_changes,
    survey_answers,
    votes,
    webhook_attempts,
    webhook_deliveries,
    workspaces,
)
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import ACME, ADA, BOB, CY, START, FakeChat, FixedClock, request, submission

# ACME's twin: the same history without the item ACME deletes.
TWIN = Workspace(Platform.SLACK, "T-TWIN")
ISSUE = IssueRef("github", "acme/infra#12", "https://github.com/acme/infra/issues/12")


async def _submit(
    core: Core,
    workspace: Workspace,
    text: str,
    priority: Priority | None = None,
    stakeholder: Stakeholder = Stakeholder.INTERNAL,
) -> int:
    said = (
        request(text, workspace=workspace, priority=priority, stakeholder=stakeholder)
        if priority
        else submission(text, workspace=workspace, stakeholder=stakeholder)
    )
    outcome = await core.feedback.submit(said)
    assert isinstance(outcome, Item) and outcome.number is not None
    return outcome.number


async def _answer(storage: SqlStorage, workspace: Workspace, number: int, who: Person) -> None:
    async with storage.unit_of_work() as uow:
        await uow.surveys.answer_shipped(
            ShippedAnswer(
                workspace, number, who.user_id, who.user_id, Role.VOTER, ShipAnswer.NO, START
            )
        )
        await uow.commit()


async def _history(engine: AsyncEngine, *, deleted_too: bool) -> tuple[Core, FixedClock]:
    """In ACME: must-have #1 (shipped, voted, answered), must-have #2 (the one deleted:
    breached, voted twice, shipped, answered, linked, with a tracker note and a webhook
    endpoint's deliveries) and feedback #3 (breached, still new). In TWIN the same, without
    #2."""
    clock = FixedClock(START)
    core = core_on(engine, clock)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        await uow.webhooks.add_endpoint(ACME, "https://hooks.example/x", ITEM_EVENTS, "s", START)
        await uow.webhooks.add_endpoint(TWIN, "https://hooks.example/x", ITEM_EVENTS, "s", START)
        await uow.commit()
    numbers: dict[Workspace, dict[str, int]] = {ACME: {}, TWIN: {}}
    for workspace in (ACME, TWIN):
        mine = numbers[workspace]
        mine["kept"] = await _submit(
            core, workspace, "SSO for Grafana", priority=Priority.MUST_HAVE
        )
        if workspace == ACME or deleted_too:
            mine["gone"] = await _submit(
                core,
                workspace,
                "faster CI runners",
                priority=Priority.MUST_HAVE,
                stakeholder=Stakeholder.EXTERNAL,
            )
        mine["feedback"] = await _submit(core, workspace, "the runbooks are great")
    clock.advance(timedelta(hours=1))
    for workspace, mine in numbers.items():
        await core.feedback.vote(workspace, mine["kept"], BOB)
        if "gone" in mine:
            for voter in (BOB, CY):
                await core.feedback.vote(workspace, mine["gone"], voter)
    clock.advance(timedelta(hours=1))
    for workspace, mine in numbers.items():
        await core.feedback.change_status(workspace, mine["kept"], Status.PLANNED, by=ADA)
    clock.advance(timedelta(days=10))
    channels = TriageChannels()
    channels.serve(Platform.SLACK, FakeChat(), None)
    await core.slas.check(channels)
    clock.advance(timedelta(days=1))
    for workspace, mine in numbers.items():
        await core.feedback.change_status(workspace, mine["kept"], Status.SHIPPED, by=ADA)
        await _answer(storage, workspace, mine["kept"], BOB)
        if "gone" in mine:
            for status in (Status.UNDER_REVIEW, Status.PLANNED, Status.SHIPPED):
                await core.feedback.change_status(workspace, mine["gone"], status, by=ADA)
            for voter in (BOB, CY):
                await _answer(storage, workspace, mine["gone"], voter)
            async with storage.unit_of_work() as uow:
                await uow.links.add(workspace, mine["gone"], ISSUE, clock.now())
                await uow.links.note(workspace, mine["gone"], clock.now(), "closed as done")
                await uow.commit()
    return core, clock


async def _kept_about(engine: AsyncEngine, workspace: Workspace, number: int) -> dict[str, int]:
    """How many rows of each table are about that item."""
    async with engine.connect() as conn:
        workspace_id = (
            await conn.execute(
                select(workspaces.c.id).where(workspaces.c.external_id == workspace.id)
            )
        ).scalar_one()
        item_id = (
            await conn.execute(
                select(items.c.id).where(
                    items.c.workspace_id == workspace_id, items.c.number == number
                )
            )
        ).scalar_one_or_none()
        counted: dict[str, int] = {}
        for table in (
            votes,
            status_changes,
            sla_breaches,
            survey_answers,
            issue_links,
            issue_link_notes,
        ):
            counted[table.name] = (
                await conn.execute(
                    select(func.count()).select_from(table).where(table.c.item_id == item_id)
                )
            ).scalar_one()
        for table in (outbox, webhook_deliveries):
            counted[table.name] = (
                await conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.workspace_id == workspace_id, table.c.item_number == number)
                )
            ).scalar_one()
        counted["items"] = 0 if item_id is None else 1
        return counted


async def test_deleting_an_item_removes_everything_kept_about_it_and_nothing_else(
    engine: AsyncEngine,
) -> None:
    core, _ = await _history(engine, deleted_too=False)
    before = await _kept_about(engine, ACME, 2)
    assert all(before.values()), before  # every kind of row is there to delete
    kept_before = await _kept_about(engine, ACME, 1)
    twin_before = await _kept_about(engine, TWIN, 1)

    deleted = await core.feedback.delete(ACME, 2)

    assert deleted == Deletion(
        2,
        votes=2,
        status_changes=3,
        sla_breaches=1,
        survey_answers=2,
        tracker_links=1,
        tracker_notes=1,
        owed_messages=before["outbox"],
        webhook_deliveries=before["webhook_deliveries"],
    )
    assert set((await _kept_about(engine, ACME, 2)).values()) == {0}
    assert await _kept_about(engine, ACME, 1) == kept_before
    assert await _kept_about(engine, TWIN, 1) == twin_before
    async with engine.connect() as conn:
        orphans = await conn.execute(
            select(func.count())
            .select_from(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.not_in(select(webhook_deliveries.c.id)))
        )
        assert orphans.scalar_one() == 0
    assert await core.feedback.find(ACME, 2) is None


async def test_a_deleted_items_number_is_not_handed_out_again(engine: AsyncEngine) -> None:
    core, _ = await _history(engine, deleted_too=False)
    await core.feedback.delete(ACME, 3)
    assert await _submit(core, ACME, "one more") == 4


async def test_deleting_an_item_that_does_not_exist_is_refused(engine: AsyncEngine) -> None:
    core = core_on(engine, FixedClock())
    await _submit(core, ACME, "hello")
    with pytest.raises(ItemNotFound):
        await core.feedback.delete(ACME, 2)
    with pytest.raises(ItemNotFound):
        await core.feedback.delete(TWIN, 1)
    assert await core.feedback.find(ACME, 1) is not None


async def test_the_items_merged_into_a_deleted_item_are_kept_and_named(
    engine: AsyncEngine,
) -> None:
    core = core_on(engine, FixedClock())
    for text in ("SSO", "single sign-on", "SAML login"):
        await _submit(core, ACME, text)
    for duplicate in (2, 3):
        await core.feedback.change_status(ACME, duplicate, Status.DUPLICATE, duplicate_of=1)
    deleted = await core.feedback.delete(ACME, 1)
    assert deleted.duplicates == (2, 3)
    assert [item.number for item in await core.feedback.list_items(ACME)] == [3, 2]


async def _figures(
    engine: AsyncEngine, table: Table, workspace: Workspace
) -> list[tuple[object, ...]]:
    """The figures kept for the workspace, without its id, leaving out the groups counted down
    to nothing."""
    async with engine.connect() as conn:
        workspace_id = (
            await conn.execute(
                select(workspaces.c.id).where(workspaces.c.external_id == workspace.id)
            )
        ).scalar_one()
        columns = [column for column in table.c if column.name != "workspace_id"]
        rows = await conn.execute(
            select(*columns)
            .where(table.c.workspace_id == workspace_id, table.c.count != 0)
            .order_by(*columns)
        )
        return [tuple(row) for row in rows]


async def test_after_deleting_the_kpis_read_as_if_the_item_had_never_been(
    engine: AsyncEngine,
) -> None:
    core, clock = await _history(engine, deleted_too=False)
    clock.advance(timedelta(days=1))
    before = await core.triage.stats(ACME)
    assert (before.items, before.sla_breaches, before.to_ship.count) == (3, 1, 2)

    await core.feedback.delete(ACME, 2)

    acme, twin = await core.triage.stats(ACME), await core.triage.stats(TWIN)
    assert (acme.items, acme.sla_breaches, acme.to_ship.count) == (2, 0, 1)
    assert replace(acme, workspace=TWIN) == twin
    since = START + timedelta(days=3)
    assert replace(await core.triage.stats(ACME, since), workspace=TWIN) == (
        await core.triage.stats(TWIN, since)
    )
    assert await core.triage.charts(ACME) == await core.triage.charts(TWIN)
    for table in (kpi_items, kpi_events, kpi_open_votes, open_item_counts):
        assert await _figures(engine, table, ACME) == await _figures(engine, table, TWIN), table
