"""What the sender says of an endpoint that does not answer in time, or cannot be reached: the
words ``webhooks test``, ``webhooks deliveries`` and the dashboard show."""

from __future__ import annotations

from datetime import UTC, datetime

from httpx_aiohttp import HttpxAiohttpClient

from adapters.webhooks.sender import HttpxWebhookSender
from bot.webhooks import new_secret
from tests.webhooks.receiver import Receiver

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def test_an_endpoint_slower_than_the_timeout_timed_out() -> None:
    secret = new_secret()
    async with Receiver(secret, delay=0.5) as receiver, HttpxAiohttpClient() as client:
        sent = await HttpxWebhookSender(client, timeout_s=0.1).send(
            receiver.url(), secret, "evt_slow", AT, b"{}"
        )
    assert (sent.status, sent.error) == (None, "timed out")


async def test_an_endpoint_that_refuses_connections_cannot_be_connected_to() -> None:
    secret = new_secret()
    async with Receiver(secret) as receiver, HttpxAiohttpClient() as client:
        url = receiver.url()
        await receiver.go_down()
        sent = await HttpxWebhookSender(client).send(url, secret, "evt_down", AT, b"{}")
    assert sent.status is None
    assert sent.error is not None and "Cannot connect" in sent.error
