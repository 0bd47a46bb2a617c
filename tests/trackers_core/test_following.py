"""Items follow their issues: tracker changes (webhooks and polls) move them through triage,
on the real core and database (SQLite and PostgreSQL), with in-test trackers."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.issue_links import IssueRef
from bot.items import Status
from bot.presenting import describe
from bot.state_map import StateMap
from bot.trackers import TrackerChange
from tests.fakes import ACME, ADA, BOB, CY
from tests.trackers_core.conftest import ADMIN, Admins, World, world_on

ISSUE = "acme/infra#12"


async def _linked_github(world: World, number: int = 1, key: str = ISSUE) -> IssueRef:
    ref = world.github.ref(key)
    world.github.set(ref, open=True, state="open")
    await world.core.trackers.link(ACME, ADMIN, Admins(), number, key)
    return ref


async def _linked_jira(world: World, number: int = 1, key: str = "OPS-7") -> IssueRef:
    ref = world.jira.ref(key)
    world.jira.set(ref, open=True, state="To Do", category="new")
    await world.core.trackers.link(ACME, ADMIN, Admins(), number, key)
    return ref


async def test_an_issue_closed_as_completed_ships_the_item_and_everyone_hears(
    world: World,
) -> None:
    await world.item()
    for voter in (BOB, CY):
        await world.core.feedback.vote(ACME, 1, voter)
    ref = await _linked_github(world)
    state = world.github.set(ref, open=False, state="closed", reason="completed")
    (applied,) = await world.core.trackers.apply(
        TrackerChange(state, "github:d-1", action="closed")
    )
    assert (applied.number, applied.to, applied.outcome) == (1, Status.SHIPPED, "moved")
    stored = await world.stored(1)
    assert stored.status is Status.SHIPPED and stored.links[0].state == "closed:completed"
    assert stored.history[-1].by is not None
    assert stored.history[-1].by.display_name == "GitHub acme/infra#12"
    assert "has shipped" in world.chat.threads[-1][2]
    told = {user: text for user, text in world.chat.direct}
    assert "has shipped" in told[ADA.user_id]
    assert "An item you voted for" in told[BOB.user_id] and CY.user_id in told


@pytest.mark.parametrize(
    ("state", "reason", "status"),
    [
        ("closed", "completed", Status.SHIPPED),
        ("closed", "not_planned", Status.DECLINED),
        ("closed", None, Status.SHIPPED),
    ],
)
async def test_each_closed_github_state_maps_to_its_default_status(
    world: World, state: str, reason: str | None, status: Status
) -> None:
    await world.item()
    ref = await _linked_github(world)
    change = world.github.set(ref, open=False, state=state, reason=reason)
    await world.core.trackers.apply(TrackerChange(change, action="closed"))
    assert (await world.stored(1)).status is status


async def test_a_reopened_github_issue_plans_the_item_again(world: World) -> None:
    await world.item()
    ref = await _linked_github(world)
    await world.core.triage.change_status(ACME, ADMIN, Admins(), None, 1, Status.IN_PILOT)
    reopened = world.github.set(ref, open=True, state="open", reason="reopened")
    (applied,) = await world.core.trackers.apply(TrackerChange(reopened, action="reopened"))
    assert applied.outcome == "moved" and (await world.stored(1)).status is Status.PLANNED


@pytest.mark.parametrize(
    ("state", "category", "resolution", "status"),
    [
        ("In Progress", "indeterminate", None, Status.PLANNED),
        ("Done", "done", "Done", Status.SHIPPED),
        ("Done", "done", "Won't Do", Status.DECLINED),
        ("Closed", "done", "Duplicate", Status.DECLINED),
        ("Closed", "done", "Cannot Reproduce", Status.DECLINED),
    ],
)
async def test_each_jira_status_category_maps_to_its_default_status(
    world: World, state: str, category: str, resolution: str | None, status: Status
) -> None:
    await world.item()
    ref = await _linked_jira(world)
    assert (await world.stored(1)).status is Status.PLANNED  # To Do: category new
    change = world.jira.set(
        ref, open=category != "done", state=state, reason=resolution, category=category
    )
    (applied,) = await world.core.trackers.apply(TrackerChange(change, action="jira:issue_updated"))
    assert applied.to is status and (await world.stored(1)).status is status


async def test_a_project_s_status_names_map_as_configured(engine: AsyncEngine) -> None:
    world = world_on(engine, StateMap.parse("jira:OPS:In Pilot=in_pilot"))
    await world.item()
    ref = await _linked_jira(world)
    pilot = world.jira.set(ref, open=True, state="In Pilot", category="indeterminate")
    await world.core.trackers.apply(TrackerChange(pilot, action="jira:issue_updated"))
    assert (await world.stored(1)).status is Status.IN_PILOT


async def test_a_repeated_delivery_changes_the_item_once(world: World) -> None:
    await world.item()
    ref = await _linked_github(world)
    closed = world.github.set(ref, open=False, state="closed", reason="completed")
    first = await world.core.trackers.apply(TrackerChange(closed, "github:d-7", "closed"))
    threads = len(world.chat.threads)
    # The same delivery again, even saying something else, changes nothing.
    reopened = world.github.set(ref, open=True, state="open", reason="reopened")
    again = await world.core.trackers.apply(TrackerChange(reopened, "github:d-7", "closed"))
    assert [a.outcome for a in first] == ["moved"] and [a.outcome for a in again] == ["repeated"]
    stored = await world.stored(1)
    assert stored.status is Status.SHIPPED and len(world.chat.threads) == threads
    assert [change.to_status for change in stored.history] == [Status.PLANNED, Status.SHIPPED]


async def test_an_edit_that_leaves_the_state_as_it_was_moves_nothing(world: World) -> None:
    await world.item()
    ref = await _linked_github(world)
    await world.core.triage.change_status(ACME, ADMIN, Admins(), None, 1, Status.IN_PILOT)
    still_open = world.github.set(ref, open=True, state="open")
    (applied,) = await world.core.trackers.apply(TrackerChange(still_open, "github:e", "edited"))
    assert applied.outcome == "unchanged" and (await world.stored(1)).status is Status.IN_PILOT


async def test_a_move_the_lifecycle_refuses_is_noted_and_logged_never_raised(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.item()
    ref = await _linked_github(world)
    declined = world.github.set(ref, open=False, state="closed", reason="not_planned")
    await world.core.trackers.apply(TrackerChange(declined, "github:1", "closed"))
    reopened = world.github.set(ref, open=True, state="open", reason="reopened")
    with caplog.at_level(logging.WARNING, logger="bot.trackers"):
        (applied,) = await world.core.trackers.apply(
            TrackerChange(reopened, "github:2", "reopened")
        )
    assert applied.outcome.startswith("refused: ") and applied.to is Status.PLANNED
    stored = await world.stored(1)
    assert stored.status is Status.DECLINED
    ((_, note),) = stored.tracker_notes
    assert note.startswith("GitHub acme/infra#12 is open (reopened): not applied, #1 is declined")
    assert "not applied" in describe(stored).plain
    assert any("not applied" in record.getMessage() for record in caplog.records)
    # The state is kept, so the next poll does not try again.
    assert stored.links[0].state == "open:reopened"


async def test_every_item_linked_to_the_issue_moves(world: World) -> None:
    await world.item("one")
    await world.item("two")
    ref = await _linked_github(world, 1)
    await world.core.trackers.link(ACME, ADMIN, Admins(), 2, ISSUE)
    closed = world.github.set(ref, open=False, state="closed", reason="completed")
    applied = await world.core.trackers.apply(TrackerChange(closed, "github:9", "closed"))
    assert [(a.number, a.outcome) for a in applied] == [(1, "moved"), (2, "moved")]


async def test_a_poll_applies_only_what_changed(world: World) -> None:
    for text in ("one", "two"):
        await world.item(text)
    first = await _linked_github(world, 1, "acme/infra#1")
    await _linked_github(world, 2, "acme/infra#2")
    world.github.set(first, open=False, state="closed", reason="completed")
    world.github.reads.clear()
    assert await world.core.trackers.poll() == 1
    assert sorted(world.github.reads) == ["acme/infra#1", "acme/infra#2"]
    assert (await world.stored(1)).status is Status.SHIPPED
    assert (await world.stored(2)).status is Status.PLANNED
    # Nothing changed since: nothing moves, and the shipped item is no longer read.
    world.github.reads.clear()
    assert await world.core.trackers.poll() == 0
    assert world.github.reads == ["acme/infra#2"]


async def test_a_failing_tracker_is_skipped_by_the_poll_and_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    for text in ("one", "two", "three"):
        await world.item(text)
    await _linked_jira(world, 1, "OPS-1")
    await _linked_jira(world, 2, "OPS-2")
    ref = await _linked_github(world, 3)
    world.github.set(ref, open=False, state="closed", reason="completed")
    world.jira.failing = "Jira answered 503 Service Unavailable"
    with caplog.at_level(logging.WARNING, logger="bot.trackers"):
        assert await world.core.trackers.poll() == 1
    assert (await world.stored(3)).status is Status.SHIPPED
    failures = [r for r in caplog.records if "could not be polled" in r.getMessage()]
    assert len(failures) == 1 and "503" in failures[0].getMessage()
