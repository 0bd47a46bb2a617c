"""Votes: one per person per item, withdrawn at will, and following duplicates."""

from __future__ import annotations

import contextlib

import pytest

from bot.errors import InvalidTransition, ItemNotFound
from bot.items import Status
from tests.fakes import ACME, ADA, BOB, CY, GLOBEX, Harness, build, request


async def two_requests(h: Harness) -> None:
    await h.service.submit(request("Dark mode"))
    await h.service.submit(request("Night theme"))


def stored_votes(h: Harness, number: int) -> int:
    item = h.uow.stored(ACME, number)
    assert item is not None
    return item.votes


async def test_a_vote_is_counted() -> None:
    h = build()
    await two_requests(h)

    result = await h.service.vote(ACME, 1, BOB)

    assert (result.number, result.counted, result.votes) == (1, True, 1)
    assert stored_votes(h, 1) == 1
    assert h.uow.committed.voters(ACME, 1) == {BOB.user_id}


async def test_a_person_votes_only_once_for_an_item() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 1, BOB)

    again = await h.service.vote(ACME, 1, BOB)

    assert (again.counted, again.votes) == (False, 1)
    assert stored_votes(h, 1) == 1


async def test_votes_of_different_people_add_up() -> None:
    h = build()
    await two_requests(h)

    await h.service.vote(ACME, 1, BOB)
    result = await h.service.vote(ACME, 1, CY)

    assert (result.counted, result.votes) == (True, 2)
    assert stored_votes(h, 1) == 2
    assert stored_votes(h, 2) == 0


async def test_a_person_may_vote_for_several_items() -> None:
    h = build()
    await two_requests(h)

    await h.service.vote(ACME, 1, BOB)
    result = await h.service.vote(ACME, 2, BOB)

    assert result.counted
    assert (stored_votes(h, 1), stored_votes(h, 2)) == (1, 1)


async def test_a_vote_can_be_withdrawn() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 1, BOB)
    await h.service.vote(ACME, 1, CY)

    result = await h.service.withdraw_vote(ACME, 1, BOB)

    assert (result.number, result.counted, result.votes) == (1, True, 1)
    assert h.uow.committed.voters(ACME, 1) == {CY.user_id}


async def test_withdrawing_a_vote_never_cast_changes_nothing() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 1, CY)

    result = await h.service.withdraw_vote(ACME, 1, BOB)

    assert (result.counted, result.votes) == (False, 1)
    assert stored_votes(h, 1) == 1


async def test_a_withdrawn_vote_can_be_cast_again() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 1, BOB)
    await h.service.withdraw_vote(ACME, 1, BOB)

    result = await h.service.vote(ACME, 1, BOB)

    assert (result.counted, result.votes) == (True, 1)


async def test_a_vote_for_a_duplicate_counts_for_the_kept_item() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)

    result = await h.service.vote(ACME, 2, BOB)

    assert (result.number, result.counted, result.votes) == (1, True, 1)
    assert stored_votes(h, 1) == 1
    assert stored_votes(h, 2) == 0


async def test_withdrawing_from_a_duplicate_withdraws_from_the_kept_item() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)
    await h.service.vote(ACME, 2, BOB)

    result = await h.service.withdraw_vote(ACME, 2, BOB)

    assert (result.number, result.counted, result.votes) == (1, True, 0)
    assert stored_votes(h, 1) == 0


async def test_withdrawing_every_vote_of_an_item_leaves_other_items_alone() -> None:
    h = build()
    await two_requests(h)
    for voter in (BOB, CY):
        await h.service.vote(ACME, 1, voter)
    await h.service.vote(ACME, 2, BOB)

    withdrawn = await h.service.withdraw_all_votes(ACME, 1)

    assert withdrawn == 2
    assert (stored_votes(h, 1), stored_votes(h, 2)) == (0, 1)


async def test_withdrawing_every_vote_of_a_duplicate_leaves_the_votes_it_moved() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 2, BOB)
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)

    withdrawn = await h.service.withdraw_all_votes(ACME, 2)

    assert withdrawn == 0
    assert stored_votes(h, 1) == 1


async def test_a_vote_through_the_duplicate_and_one_on_the_kept_item_count_once() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)
    await h.service.vote(ACME, 1, BOB)

    result = await h.service.vote(ACME, 2, BOB)

    assert (result.counted, result.votes) == (False, 1)


async def test_a_status_change_keeps_the_votes() -> None:
    h = build()
    await two_requests(h)
    await h.service.vote(ACME, 1, BOB)

    item = await h.service.change_status(ACME, 1, Status.PLANNED)

    assert item.votes == 1
    assert stored_votes(h, 1) == 1


async def test_voting_for_an_unknown_item_is_refused() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(ItemNotFound):
        await h.service.vote(ACME, 9, BOB)


async def test_voting_does_not_reach_into_another_workspace() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(ItemNotFound):
        await h.service.vote(GLOBEX, 1, BOB)
    assert stored_votes(h, 1) == 0


async def test_withdrawing_from_an_unknown_item_is_refused() -> None:
    h = build()

    with pytest.raises(ItemNotFound):
        await h.service.withdraw_vote(ACME, 1, ADA)


async def test_a_vote_never_lands_on_a_duplicate_even_through_a_chain() -> None:
    h = build()
    await two_requests(h)
    await h.service.submit(request("Dark theme"))
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)
    # Pointing #3 at #2, itself a duplicate, may be refused or followed through to #1.
    with contextlib.suppress(InvalidTransition):
        await h.service.change_status(ACME, 3, Status.DUPLICATE, duplicate_of=2)

    result = await h.service.vote(ACME, 3, BOB)

    landed = h.uow.stored(ACME, result.number)
    assert landed is not None and landed.status is not Status.DUPLICATE
