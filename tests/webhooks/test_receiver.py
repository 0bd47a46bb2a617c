"""The receiver fake itself: it takes only what ``standardwebhooks`` verifies, and its faults
do what the tests that lean on it expect."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks import Webhook

from bot.webhooks import new_secret
from tests.webhooks.receiver import Receiver


def signed(secret: str, body: str, message_id: str = "evt_1") -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
    }


async def test_a_request_signed_with_another_secret_is_refused() -> None:
    secret = new_secret()
    async with Receiver(secret) as receiver, httpx.AsyncClient() as client:
        good = await client.post(receiver.url(), content="{}", headers=signed(secret, "{}"))
        bad = await client.post(receiver.url(), content="{}", headers=signed(new_secret(), "{}"))
        assert (good.status_code, bad.status_code) == (204, 401)
        assert len(receiver.payloads) == 1 and len(receiver.rejected) == 1


async def test_one_request_in_n_fails_and_a_receiver_down_comes_back_on_its_port() -> None:
    secret = new_secret()
    async with Receiver(secret, fail_every=3) as receiver, httpx.AsyncClient() as client:
        statuses = []
        for n in range(6):
            body = f'{{"id": "evt_{n}"}}'
            answer = await client.post(
                receiver.url(), content=body, headers=signed(secret, body, f"evt_{n}")
            )
            statuses.append(answer.status_code)
        assert statuses == [204, 204, 500, 204, 204, 500]
        url = receiver.url()
        await receiver.go_down()
        with pytest.raises(httpx.TransportError):
            await client.post(url, content="{}", headers=signed(secret, "{}"))
        await receiver.come_up()
        back = await client.post(url, content="{}", headers=signed(secret, "{}"))
        assert back.status_code == 204
