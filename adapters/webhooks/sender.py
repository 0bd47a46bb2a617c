"""``bot.webhooks.WebhookSender`` over httpx, signed the Standard Webhooks way.

Each request carries ``webhook-id`` (the event's id, the same on every retry, for receivers to
drop repeats), ``webhook-timestamp`` (when this attempt was made, in seconds) and
``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` under the
endpoint's secret), made by the ``standardwebhooks`` package itself; receivers verify it with
``standardwebhooks.Webhook(secret).verify(body, headers)``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from time import perf_counter

import httpx
from standardwebhooks import Webhook

from bot.errors import first_line
from bot.webhooks import SendResult

TIMEOUT_S = 10.0


@cache
def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"feedbackbot/{version('feedbackbot')}"
    except PackageNotFoundError:
        return "feedbackbot"


class HttpxWebhookSender:
    """Sends through ``client`` (shared, closed by its owner), each request within
    ``timeout_s``. Never raises for the endpoint's or the network's failures: the result says
    them, in one line without the secret."""

    def __init__(self, client: httpx.AsyncClient, timeout_s: float = TIMEOUT_S) -> None:
        self._client = client
        self._timeout = httpx.Timeout(timeout_s)

    async def send(
        self, url: str, secret: str, message_id: str, timestamp: datetime, body: bytes
    ) -> SendResult:
        began = perf_counter()
        try:
            signature = Webhook(secret).sign(message_id, timestamp.astimezone(UTC), body.decode())
        except Exception as error:  # a malformed secret: said, never shown
            return SendResult(None, f"bad signing secret ({type(error).__name__})", 0.0)
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature,
            "content-type": "application/json",
            "user-agent": user_agent(),
        }
        try:
            answer = await self._client.post(
                url, content=body, headers=headers, timeout=self._timeout, follow_redirects=False
            )
        except httpx.HTTPError as error:
            return SendResult(None, _reason(error), perf_counter() - began)
        return SendResult(answer.status_code, None, perf_counter() - began)


def _reason(error: httpx.HTTPError) -> str:
    # The transport's own error says best what happened: aiohttp's refused connection reaches
    # httpx as a ConnectTimeout, though nothing timed out.
    cause = error.__cause__
    if isinstance(cause, TimeoutError) or (
        isinstance(error, httpx.TimeoutException) and cause is None
    ):
        return "timed out"
    failed: BaseException = cause if isinstance(cause, Exception) else error
    name, said = type(failed).__name__, str(failed).strip()
    return f"{name}: {first_line(failed)}" if said else name
