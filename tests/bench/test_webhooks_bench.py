"""What bench/webhooks.py counts: its receiver verifies, fails one request in N, tells a repeat
after a 2xx from a retry, and an item's events received out of their order."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks import Webhook

from bench.webhooks import Receiver, out_of_order, rank, receiver_app

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def signed(event_id: str, payload: dict[str, object], secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    body = json.dumps(payload)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, now, body),
        "content-type": "application/json",
    }


def event(event_id: str, votes: int | None = None) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "item.created" if votes is None else "item.voted",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "item": {"number": 7},
        "data": {} if votes is None else {"votes": votes, "cast": True},
    }


def test_an_items_events_are_ranked_created_first_then_by_the_votes_they_brought() -> None:
    assert rank(event("a")) == 0
    assert rank(event("b", votes=3)) == 3
    assert out_of_order([0, 1, 2, 3]) == 0
    assert out_of_order([0, 2, 1, 3]) == 1  # the first vote came after the second
    assert out_of_order([1, 0, 2]) == 1


async def test_the_receiver_fails_every_nth_request_and_counts_a_repeat_after_a_2xx() -> None:
    receiver = Receiver(latency_s=0, fail_every=2, secret=SECRET)
    async with TestClient(TestServer(receiver_app(receiver))) as client:

        async def post(event_id: str, payload: dict[str, object], secret: str = SECRET) -> int:
            body = json.dumps(payload)
            sent = await client.post("/hooks", data=body, headers=signed(event_id, payload, secret))
            return sent.status

        first = event("evt_1")
        assert await post("evt_1", first) == 204
        assert await post("evt_2", event("evt_2", votes=1)) == 500  # the second request
        assert await post("evt_2", event("evt_2", votes=1)) == 204  # its retry
        assert await post("evt_1", first) == 500  # the fourth request
        assert await post("evt_1", first) == 200  # taken before: a repeat
        assert await post("evt_3", event("evt_3"), secret="whsec_" + "A" * 32) == 401

    assert sorted(receiver.delivered) == ["evt_1", "evt_2"]
    assert (receiver.requests, receiver.failed, receiver.twice, receiver.refused) == (5, 2, 1, 1)
    assert receiver.ranks[7] == [0, 1]
