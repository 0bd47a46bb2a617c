"""What each event says: version 1, the item as it stands after the change, and never the author
of an anonymous item, in any payload (the use cases on in-memory fakes)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from adapters.sealing import FernetSeal, new_key
from bot.identity import Person
from bot.issue_links import IssueLink, IssueRef
from bot.items import Status
from bot.service import FeedbackService
from bot.webhooks import EventType, linked, webhook_test
from tests.fakes import (
    ACME,
    ADA,
    BOB,
    START,
    FakeUnitOfWorkFactory,
    FixedClock,
    request,
    submission,
)

SEAL = FernetSeal(new_key())
ISSUE = IssueLink(IssueRef("github", "acme/app#7", "https://github.com/acme/app/issues/7"), START)


def service() -> tuple[FeedbackService, FakeUnitOfWorkFactory]:
    uow = FakeUnitOfWorkFactory()
    return FeedbackService(uow, FixedClock(), SEAL), uow


async def every_event_of(anonymous: bool) -> list[dict[str, object]]:
    """An item through all it can live: created, voted, moved, merged, linked."""
    feedback, uow = service()
    await feedback.submit(request("Dark mode please", anonymous=anonymous))
    await feedback.submit(request("A dark theme", anonymous=anonymous))
    await feedback.vote(ACME, 1, BOB)
    await feedback.withdraw_vote(ACME, 1, BOB)
    await feedback.change_status(ACME, 1, Status.PLANNED, by=ADA, note="next quarter")
    await feedback.vote(ACME, 2, Person("U-CY", "Cy"))
    await feedback.change_status(ACME, 2, Status.DUPLICATE, by=ADA, duplicate_of=1)
    item = uow.stored(ACME, 1)
    assert item is not None
    events = [*uow.state.events, linked(item, ISSUE)]
    return [json.loads(event.body()) for event in events]


async def test_every_event_type_has_a_versioned_payload_of_the_item() -> None:
    payloads = await every_event_of(anonymous=False)
    assert [p["type"] for p in payloads] == [
        "item.created",
        "item.created",
        "item.voted",
        "item.voted",
        "item.status_changed",
        "item.voted",
        "item.status_changed",
        "item.merged",
        "item.linked",
    ]
    assert all(p["version"] == 1 for p in payloads)
    assert len({p["id"] for p in payloads}) == len(payloads)
    assert all(p["workspace"] == {"platform": "slack", "id": ACME.id} for p in payloads)
    created = payloads[0]
    assert created["item"] == {
        "number": 1,
        "kind": "request",
        "text": "Dark mode please",
        "status": "new",
        "priority": "good-to-have",
        "stakeholder": "internal",
        "votes": 0,
        "channel": "C-GENERAL",
        "created_at": "2025-03-03T09:00:00Z",
        "anonymous": False,
        "author": {"id": "U-ADA", "name": "Ada"},
        "duplicate_of": None,
    }
    assert created["timestamp"] == "2025-03-03T09:00:00Z"


async def test_each_event_says_what_changed() -> None:
    payloads = await every_event_of(anonymous=False)
    cast, withdrawn, moved = payloads[2], payloads[3], payloads[4]
    assert cast["data"] == {"votes": 1, "cast": True}
    assert cast["item"]["votes"] == 1  # type: ignore[index]
    assert withdrawn["data"] == {"votes": 0, "cast": False}
    assert moved["data"] == {
        "from": "new",
        "to": "planned",
        "by": {"id": "U-ADA", "name": "Ada"},
        "note": "next quarter",
        "duplicate_of": None,
    }
    assert moved["item"]["status"] == "planned"  # type: ignore[index]
    merged_into, merged = payloads[6], payloads[7]
    assert merged_into["data"]["to"] == "duplicate"  # type: ignore[index]
    assert merged["data"] == {"into": 1}
    assert merged["item"]["number"] == 2 and merged["item"]["votes"] == 0  # type: ignore[index]
    assert payloads[8]["data"] == {
        "link": {
            "tracker": "github",
            "key": "acme/app#7",
            "url": "https://github.com/acme/app/issues/7",
            "linked_at": "2025-03-03T09:00:00Z",
        }
    }


async def test_an_anonymous_item_carries_no_author_in_any_payload() -> None:
    payloads = await every_event_of(anonymous=True)
    everything = json.dumps(payloads)
    assert ADA.user_id not in everything and ADA.display_name not in everything
    for payload in payloads:
        assert payload["item"]["anonymous"] is True  # type: ignore[index]
        assert payload["item"]["author"] is None  # type: ignore[index]
    moved = next(p for p in payloads if p["type"] == "item.status_changed")
    # Who moved it is left out too: an author triaging their own item would be named.
    assert moved["data"]["by"] is None  # type: ignore[index]


async def test_a_repeated_delivery_of_an_item_emits_it_once() -> None:
    feedback, uow = service()
    once = replace(submission("Faster search"), delivery_id="ev-1")
    await feedback.submit(once)
    await feedback.submit(once)
    assert [e.type for e in uow.state.events] == [EventType.CREATED]
    assert uow.state.events[0].payload()["item"]["number"] == 1  # type: ignore[index]


async def test_a_rolled_back_status_change_emits_nothing() -> None:
    feedback, uow = service()
    await feedback.submit(submission("Faster search"))

    async def failing_news(*_: object) -> list[object]:
        raise RuntimeError("the news could not be composed")

    with pytest.raises(RuntimeError):
        await feedback.change_status(ACME, 1, Status.PLANNED, news=failing_news)  # type: ignore[arg-type]
    assert [e.type for e in uow.state.events] == [EventType.CREATED]


def test_a_test_event_names_no_item() -> None:
    payload = webhook_test(ACME, 3, START).payload()
    assert payload["type"] == "webhook.test" and payload["item"] is None
    assert payload["data"] == {"endpoint": 3}
