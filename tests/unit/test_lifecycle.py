"""The status lifecycle: idea, review, plan, pilot, ship, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidTransition, ItemNotFound
from bot.items import ALLOWED_TRANSITIONS, Item, ItemKind, Stakeholder, Status, StatusChange
from tests.fakes import ACME, ADA, BOB, GENERAL, GLOBEX, START, Harness, build, request

ALLOWED = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in sorted(targets)]
REFUSED = [
    (a, b)
    for a in Status
    for b in Status
    if b not in ALLOWED_TRANSITIONS[a] and b is not Status.DUPLICATE
]


def item_in(status: Status, number: int = 5) -> Item:
    return Item(
        workspace=ACME,
        kind=ItemKind.REQUEST,
        text="Dark mode",
        channel_id=GENERAL,
        author=ADA,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
        number=number,
        status=status,
        duplicate_of=1 if status is Status.DUPLICATE else None,
    )


async def two_requests(h: Harness) -> None:
    await h.service.submit(request("Dark mode"))
    await h.service.submit(request("Night theme"))


def stored(h: Harness, number: int) -> Item:
    item = h.uow.stored(ACME, number)
    assert item is not None
    return item


# -- the rules, on the item itself -------------------------------------------------------------


@pytest.mark.parametrize(("start", "to"), ALLOWED, ids=lambda s: str(s))
def test_allowed_transition_moves_the_item(start: Status, to: Status) -> None:
    item = item_in(start)
    duplicate_of = 1 if to is Status.DUPLICATE else None

    item.change_status(to, START, duplicate_of=duplicate_of)

    assert item.status is to
    assert item.status_changed_at == START


@pytest.mark.parametrize(("start", "to"), REFUSED, ids=lambda s: str(s))
def test_transition_outside_the_lifecycle_is_refused(start: Status, to: Status) -> None:
    item = item_in(start)

    with pytest.raises(InvalidTransition):
        item.change_status(to, START)

    assert item.status is start
    assert item.history == []


def test_shipped_and_duplicate_are_final() -> None:
    assert ALLOWED_TRANSITIONS[Status.SHIPPED] == frozenset()
    assert ALLOWED_TRANSITIONS[Status.DUPLICATE] == frozenset()


def test_refusal_names_both_statuses() -> None:
    item = item_in(Status.SHIPPED, number=4)

    with pytest.raises(InvalidTransition, match=r"#4 is shipped; it cannot become under review"):
        item.change_status(Status.UNDER_REVIEW, START)


def test_open_items_are_those_not_yet_settled() -> None:
    assert {s for s in Status if item_in(s).is_open} == {
        Status.NEW,
        Status.UNDER_REVIEW,
        Status.PLANNED,
        Status.IN_PILOT,
    }


@pytest.mark.parametrize(
    "typed", ["under review", "Under-Review", "under_review", " UNDER  review "]
)
def test_status_is_read_as_people_type_it(typed: str) -> None:
    assert Status.parse(typed) is Status.UNDER_REVIEW


def test_unknown_status_word_is_refused() -> None:
    with pytest.raises(ValueError):
        Status.parse("finished")


def test_status_label_reads_as_words() -> None:
    assert Status.IN_PILOT.label == "in pilot"


# -- through the service -----------------------------------------------------------------------


async def test_status_change_is_stored() -> None:
    h = build()
    await two_requests(h)

    item = await h.service.change_status(ACME, 1, Status.UNDER_REVIEW, by=BOB)

    assert item.status is Status.UNDER_REVIEW
    assert stored(h, 1).status is Status.UNDER_REVIEW
    assert stored(h, 2).status is Status.NEW


async def test_each_change_is_kept_in_the_history_with_who_when_and_why() -> None:
    h = build()
    await two_requests(h)
    h.clock.advance(timedelta(hours=1))
    await h.service.change_status(ACME, 1, Status.UNDER_REVIEW, by=BOB, note="looking")
    h.clock.advance(timedelta(days=2))
    await h.service.change_status(ACME, 1, Status.PLANNED, by=ADA, note="Q3")

    history = stored(h, 1).history

    assert history == [
        StatusChange(Status.NEW, Status.UNDER_REVIEW, START + timedelta(hours=1), BOB, "looking"),
        StatusChange(
            Status.UNDER_REVIEW, Status.PLANNED, START + timedelta(hours=1, days=2), ADA, "Q3"
        ),
    ]
    assert stored(h, 1).status_changed_at == START + timedelta(hours=1, days=2)


async def test_history_is_read_back_with_the_item() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 1, Status.PLANNED)

    found = await h.service.find(ACME, 1)

    assert found is not None
    assert [(c.from_status, c.to_status) for c in found.history] == [(Status.NEW, Status.PLANNED)]


async def test_control_characters_are_dropped_from_the_note() -> None:
    h = build()
    await two_requests(h)

    await h.service.change_status(ACME, 1, Status.DECLINED, note=" out of\x07 scope \x00")

    assert stored(h, 1).history[-1].note == "out of scope"


async def test_the_whole_lifecycle_from_idea_to_shipped() -> None:
    h = build()
    await two_requests(h)

    for step in (Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PILOT, Status.SHIPPED):
        await h.service.change_status(ACME, 1, step)

    assert stored(h, 1).status is Status.SHIPPED
    assert len(stored(h, 1).history) == 4
    assert not stored(h, 1).is_open


async def test_a_declined_item_can_be_reconsidered() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 1, Status.DECLINED)

    item = await h.service.change_status(ACME, 1, Status.UNDER_REVIEW)

    assert item.status is Status.UNDER_REVIEW


async def test_refused_transition_leaves_the_stored_item_unchanged() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 1, Status.PLANNED)
    await h.service.change_status(ACME, 1, Status.SHIPPED)

    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 1, Status.UNDER_REVIEW)

    assert stored(h, 1).status is Status.SHIPPED
    assert len(stored(h, 1).history) == 2


async def test_skipping_from_new_straight_to_shipped_is_refused() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 1, Status.SHIPPED)

    assert stored(h, 1).status is Status.NEW


async def test_changing_an_unknown_item_is_refused() -> None:
    h = build()

    with pytest.raises(ItemNotFound):
        await h.service.change_status(ACME, 1, Status.PLANNED)


async def test_status_change_does_not_reach_into_another_workspace() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(ItemNotFound):
        await h.service.change_status(GLOBEX, 1, Status.PLANNED)

    assert stored(h, 1).status is Status.NEW


# -- duplicates -------------------------------------------------------------------------------


async def test_a_duplicate_names_the_item_it_duplicates() -> None:
    h = build()
    await two_requests(h)

    item = await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)

    assert item.status is Status.DUPLICATE
    assert stored(h, 2).duplicate_of == 1
    assert stored(h, 2).history[-1].duplicate_of == 1


async def test_a_duplicate_without_the_item_it_duplicates_is_refused() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 2, Status.DUPLICATE)

    assert stored(h, 2).status is Status.NEW


async def test_an_item_cannot_duplicate_itself() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=2)

    assert stored(h, 2).status is Status.NEW


async def test_a_duplicate_of_an_item_that_does_not_exist_is_refused() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(ItemNotFound):
        await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=9)

    assert stored(h, 2).status is Status.NEW


async def test_a_duplicate_cannot_point_into_another_workspace() -> None:
    h = build()
    await h.service.submit(request("acme one"))
    await h.service.submit(request("globex one", workspace=GLOBEX))
    await h.service.submit(request("globex two", workspace=GLOBEX))

    with pytest.raises(ItemNotFound):
        await h.service.change_status(ACME, 1, Status.DUPLICATE, duplicate_of=2)


async def test_only_a_duplicate_names_another_item() -> None:
    h = build()
    await two_requests(h)

    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 2, Status.PLANNED, duplicate_of=1)

    assert stored(h, 2).status is Status.NEW


async def test_the_kept_item_cannot_become_a_duplicate_of_its_own_duplicate() -> None:
    h = build()
    await two_requests(h)
    await h.service.change_status(ACME, 2, Status.DUPLICATE, duplicate_of=1)

    # #1 is the item #2 was folded into; marking #1 a duplicate of #2 would leave no kept item.
    with pytest.raises(InvalidTransition):
        await h.service.change_status(ACME, 1, Status.DUPLICATE, duplicate_of=2)

    assert stored(h, 1).status is Status.NEW
