"""Voters named after their votes were counted, on SQLite and PostgreSQL: a platform that tells
a voter's name late (a Slack reaction carries only an id) names their nameless votes in that
workspace alone, and never replaces a name a vote already has."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backlog import BacklogService, Voter
from bot.enrichment import Enrichment
from bot.identity import Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder
from bot.service import FeedbackService
from storage.unit_of_work import SqlStorage
from tests.fakes import START, FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.SLACK, "T-GLOBEX")
ALICE = Person("U-ALICE", "Alice")
# As a reaction says who voted: the id alone.
BOB_BY_ID = Person("U-BOB", "U-BOB")
BOB = Person("U-BOB", "Bob")


@pytest.fixture
def storage(engine: AsyncEngine) -> SqlStorage:
    return SqlStorage(engine)


@pytest.fixture
def feedback(storage: SqlStorage) -> FeedbackService:
    return FeedbackService(storage.unit_of_work, FixedClock())


@pytest.fixture
def enrichment(storage: SqlStorage) -> Enrichment:
    return Enrichment(storage.unit_of_work)


async def add_items(storage: SqlStorage, workspace: Workspace, count: int) -> None:
    async with storage.unit_of_work() as uow:
        await uow.items.add_all(
            [
                Item(
                    workspace=workspace,
                    kind=ItemKind.REQUEST,
                    text=f"idea {n}",
                    channel_id="C-GENERAL",
                    author=ALICE,
                    stakeholder=Stakeholder.INTERNAL,
                    priority=Priority.GOOD_TO_HAVE,
                    created_at=START,
                )
                for n in range(count)
            ]
        )
        await uow.commit()


async def voters(storage: SqlStorage, workspace: Workspace, number: int) -> list[Voter]:
    detail = await BacklogService(storage.unit_of_work, FixedClock()).detail(workspace, number)
    assert detail is not None
    return detail.voters


async def test_naming_a_voter_names_their_nameless_votes_in_that_workspace_only(
    storage: SqlStorage, feedback: FeedbackService, enrichment: Enrichment
) -> None:
    await add_items(storage, ACME, 2)
    await add_items(storage, GLOBEX, 1)
    for workspace, number in ((ACME, 1), (ACME, 2), (GLOBEX, 1)):
        await feedback.vote(workspace, number, BOB_BY_ID)
    await feedback.vote(ACME, 1, Person("U-CY", "U-CY"))

    named = await enrichment.name_voter(ACME, BOB)

    assert named == 2
    assert await voters(storage, ACME, 1) == [Voter("U-BOB", "Bob"), Voter("U-CY", "U-CY")]
    assert await voters(storage, ACME, 2) == [Voter("U-BOB", "Bob")]
    assert await voters(storage, GLOBEX, 1) == [Voter("U-BOB", "U-BOB")]


async def test_a_vote_kept_with_the_id_for_a_name_is_named(storage: SqlStorage) -> None:
    await add_items(storage, ACME, 1)
    async with storage.unit_of_work() as uow:
        await uow.items.add_vote(ACME, 1, "U-BOB", START, voter_name="U-BOB")
        assert await uow.items.name_voter(ACME, "U-BOB", "Bob") == 1
        await uow.commit()
    assert await voters(storage, ACME, 1) == [Voter("U-BOB", "Bob")]


async def test_a_name_a_vote_already_has_is_kept(
    storage: SqlStorage, feedback: FeedbackService, enrichment: Enrichment
) -> None:
    await add_items(storage, ACME, 1)
    await feedback.vote(ACME, 1, BOB)

    named = await enrichment.name_voter(ACME, Person("U-BOB", "Robert"))

    assert named == 0
    assert await voters(storage, ACME, 1) == [Voter("U-BOB", "Bob")]


async def test_an_id_for_a_name_names_nobody(
    storage: SqlStorage, feedback: FeedbackService, enrichment: Enrichment
) -> None:
    await add_items(storage, ACME, 1)
    await feedback.vote(ACME, 1, BOB_BY_ID)
    assert await enrichment.name_voter(ACME, BOB_BY_ID) == 0
    assert await enrichment.name_voter(Workspace(Platform.SLACK, "T-NONE"), BOB) == 0
    assert await voters(storage, ACME, 1) == [Voter("U-BOB", "U-BOB")]


async def test_a_repeat_vote_with_a_name_names_the_vote_cast_without_one(
    storage: SqlStorage, feedback: FeedbackService
) -> None:
    await add_items(storage, ACME, 1)
    await feedback.vote(ACME, 1, BOB_BY_ID)

    again = await feedback.vote(ACME, 1, BOB)
    await feedback.vote(ACME, 1, Person("U-BOB", "Robert"))

    assert (again.counted, again.votes) == (False, 1)
    assert await voters(storage, ACME, 1) == [Voter("U-BOB", "Bob")]
