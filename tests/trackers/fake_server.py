"""What the fake GitHub and the fake Jira share: an aiohttp server on 127.0.0.1 that records
every call the bot makes, and faults a test switches on for the next requests.

    fake.fail(503)                       # the next request answers 503 (times=N for more)
    fake.fail(429, retry_after=30)       # a rate limit with Retry-After
    fake.fail(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "..."})
    fake.drop()                          # the next request's connection is closed unanswered
    fake.hold()                          # the next request waits until fake.release()

Each fault takes requests in the order they arrive, then is gone; a recorded ``Call`` says
whether a fault answered it."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp
from aiohttp import web

JsonDict = dict[str, Any]


@dataclass
class Call:
    """One request the bot made, as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    query: dict[str, str]
    json: Any = None
    fault: str | None = None  # the fault that answered it, if one did


@dataclass
class _Fault:
    kind: str  # "status" | "drop" | "hold"
    times: int
    status: int = 500
    body: JsonDict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery as sent: the same bytes and headers can be sent again."""

    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> JsonDict:
        parsed: JsonDict = json.loads(self.body)
        return parsed


@dataclass(frozen=True)
class Answer:
    """What the bot answered a delivery."""

    status: int
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeServer:
    """The shared machinery; subclasses add their routes in ``routes``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._recording])
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- faults -----------------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        body: JsonDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        given = dict(headers or {})
        if retry_after is not None:
            given["Retry-After"] = str(retry_after)
        self._faults.append(_Fault("status", times, status, body, given))

    def drop(self, *, times: int = 1) -> None:
        self._faults.append(_Fault("drop", times))

    def hold(self, *, times: int = 1) -> None:
        self._released.clear()
        self._faults.append(_Fault("hold", times))

    def release(self) -> None:
        self._released.set()

    def _next_fault(self) -> _Fault | None:
        while self._faults and self._faults[0].times <= 0:
            self._faults.pop(0)
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.times -= 1
        return fault

    @web.middleware
    async def _recording(self, request: web.Request, handler: Route) -> web.StreamResponse:
        raw = await request.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        call = Call(
            request.method,
            request.path,
            {k.lower(): v for k, v in request.headers.items()},
            dict(request.query),
            parsed,
        )
        self.calls.append(call)
        fault = self._next_fault()
        if fault is None:
            return await handler(request)
        call.fault = fault.kind
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault.kind == "hold":
            await self._released.wait()
            return await handler(request)
        call.fault = f"status {fault.status}"
        return web.json_response(
            fault.body or {"message": f"fault {fault.status}"},
            status=fault.status,
            headers=fault.headers,
        )

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    # -- deliveries -------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> Answer:
        """Post ``delivery`` (again, for a redelivery) and read the bot's answer."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(delivery.url, data=delivery.body, headers=delivery.headers) as response,
        ):
            return Answer(response.status, await response.text())
