"""A webhook receiver on 127.0.0.1 that verifies every request the Standard Webhooks way.

Each request is checked with ``standardwebhooks.Webhook(secret).verify(body, headers)`` against
the secret trusted for its path; verified payloads are recorded in arrival order (``payloads``,
``ids``), every request in ``requests`` (verified or not, with the status answered). Nothing here
sleeps to wait: ``wait_for`` wakes up on every request.

    async with Receiver() as receiver:
        endpoint, secret = await core.webhooks.add(workspace, receiver.url())
        receiver.trust(secret)
        ...
        await receiver.wait_for(lambda r: len(r.payloads) >= 3)

Faults:

    receiver.delay = 0.05          # answer each request after 50 ms
    receiver.fail_every = 10       # answer 500 to one request in ten (the 10th, 20th, ...)
    receiver.status = 503          # answer 503 to every request until set back to None
    await receiver.go_down()       # stop listening: connections are refused ...
    await receiver.come_up()       # ... until it listens again on the same port

``now``: the clock the timestamp tolerance (5 minutes) is checked against, for tests that
drive the bot on an injected clock; real time when ``None`` (then ``Webhook.verify`` as is).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

TOLERANCE = timedelta(minutes=5)


class _ClockedWebhook(Webhook):
    """``Webhook`` whose timestamp check reads ``now`` instead of the wall clock; the
    signature check is the library's own."""

    def __init__(self, secret: str, now: Callable[[], datetime]) -> None:
        super().__init__(secret)
        self._now = now

    def _Webhook__verify_timestamp(self, timestamp_header: str) -> datetime:
        try:
            timestamp = datetime.fromtimestamp(float(timestamp_header), tz=UTC)
        except ValueError:
            raise WebhookVerificationError("Invalid Signature Headers") from None
        now = self._now()
        if timestamp < now - TOLERANCE:
            raise WebhookVerificationError("Message timestamp too old")
        if timestamp > now + TOLERANCE:
            raise WebhookVerificationError("Message timestamp too new")
        return timestamp


@dataclass
class Request:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    status: int
    verified: bool
    error: str | None = None

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(
        self,
        secret: str | None = None,
        *,
        delay: float = 0.0,
        fail_every: int = 0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.secrets: dict[str, str] = {}
        if secret is not None:
            self.trust(secret)
        self.delay = delay
        self.fail_every = fail_every
        self.status: int | None = None
        self.now = now
        self.requests: list[Request] = []
        # Verified and answered 2xx: what the receiver took, in arrival order.
        self.payloads: list[dict[str, Any]] = []
        self._counted = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner, self._site = runner, site
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = self._site = None

    async def __aenter__(self) -> Receiver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def go_down(self) -> None:
        """Stop listening and drop open connections: every request fails to connect."""
        if self._site is None or self._runner is None:
            return
        await self._site.stop()
        self._site = None
        server = self._runner.server
        for connection in list(server.connections if server is not None else ()):
            connection.force_close()

    async def come_up(self) -> None:
        """Listen again on the same port as before."""
        if self._runner is None or self._port is None:
            raise RuntimeError("the receiver is not started")
        if self._site is not None:
            return
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, reuse_address=True)
        await site.start()
        self._site = site

    # -- set-up --------------------------------------------------------------------------------

    def url(self, path: str = "hook") -> str:
        if self._port is None:
            raise RuntimeError("the receiver is not started")
        return f"http://127.0.0.1:{self._port}/{path.lstrip('/')}"

    def trust(self, secret: str, path: str = "hook") -> None:
        """Verify requests to ``path`` with ``secret`` (as given by ``webhooks add``)."""
        self.secrets[path.lstrip("/")] = secret

    # -- inspection ----------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        """The ``webhook-id`` of every payload taken, in arrival order (repeats included)."""
        return [str(payload["id"]) for payload in self.payloads]

    @property
    def rejected(self) -> list[Request]:
        return [request for request in self.requests if not request.verified]

    def of_item(self, number: int) -> list[dict[str, Any]]:
        """The payloads taken about item ``number``, in arrival order."""
        return [p for p in self.payloads if (p.get("item") or {}).get("number") == number]

    async def wait_for(
        self,
        condition: Callable[[Receiver], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: condition(self))

    # -- handling ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        body = await request.read()
        headers = {key.lower(): value for key, value in request.headers.items()}
        if self.delay:
            await asyncio.sleep(self.delay)
        secret = self.secrets.get(path)
        error = None
        payload: dict[str, Any] | None = None
        if secret is None:
            error = f"no secret trusted for /{path}"
        else:
            verifier = Webhook(secret) if self.now is None else _ClockedWebhook(secret, self.now)
            try:
                payload = verifier.verify(body, headers)
            except WebhookVerificationError as failed:
                error = str(failed)
        if payload is None:
            status = 401
        else:
            self._counted += 1
            if self.status is not None:
                status = self.status
            elif self.fail_every and self._counted % self.fail_every == 0:
                status = 500
            else:
                status = 204
        self.requests.append(Request(path, headers, body, status, payload is not None, error))
        if payload is not None and 200 <= status < 300:
            self.payloads.append(payload)
        async with self._changed:
            self._changed.notify_all()
        return web.Response(status=status)
