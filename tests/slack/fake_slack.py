"""A fake Slack Web API on 127.0.0.1 that records every call the bot makes.

Point ``AsyncWebClient(base_url=fake.api_url)`` (or Bolt's ``AsyncApp(client=...)``) at it, drive
the bot, then assert on ``fake.calls`` / ``fake.posted_texts()`` and on what came in at the
response URLs. Nothing here sleeps: ``wait_for`` wakes up on every recorded call.

Semantics kept close to Slack's where tests can observe them:

- messages posted with ``chat.postMessage`` are stored and show up in ``conversations.history``
  and ``conversations.replies``, like messages added with ``add_message``;
- ``conversations.history`` lists top-level messages only (thread parents included, replies
  not), newest first; ``conversations.replies`` lists the thread parent first, then its replies
  oldest first, also when asked with the ``ts`` of a reply;
- ``latest``/``oldest`` are exclusive unless ``inclusive`` is true.

Socket Mode too: ``apps.connections.open`` (with an app-level ``xapp-`` token, in the
``Authorization`` header as Slack requires) answers the WebSocket URL ``/socket`` of this same
server, which greets every connection with a ``hello``. A test pushes envelopes with ``push`` and
reads the bot's acknowledgement with ``wait_for_ack``; ``disconnect`` asks the bot to reconnect.

Message metadata: ``chat.postMessage`` keeps its ``metadata`` argument (``{"event_type": ...,
"event_payload": {...}}``) on the stored message and in its answer's ``message``;
``conversations.history`` and ``conversations.replies`` return it only when asked with
``include_all_metadata`` true, as Slack does. ``add_message(..., metadata=...)`` stores it too.

Faults, each switched on for a window of time that the test opens and closes (no sleeping); each
takes every Web API method, or only ``method``. They answer before the ``fail``/``rate_limit``
rules, and every request they take is recorded in ``calls`` (``answered_ok`` false unless it
was handled)::

    fault = fake.rate_limited(retry_after=1)     # HTTP 429 with Retry-After, ok=false
    fault = fake.server_error("chat.postMessage")  # HTTP 500 (status=503 ... too)
    fault = fake.slow()            # held until fault.release() / fault.end() (or delay=seconds),
                                   # then answered; handled=True handles it before holding
    fault = fake.dropped(handled=True)  # read, handled (a post is stored), then the connection
                                   # is dropped: "posted, but the answer was lost"
    await fault.hit(3)             # wait until it has taken 3 requests
    fault.end()                    # over (also ``with fake.slow() as fault:``)
    await fake.refuse_connections()  # stop listening (open connections are closed) ...
    await fake.accept_connections()  # ... and listen again on the same port

Response URLs and Socket Mode are not touched by the faults, except that a refused server
refuses them too (they share its port).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

JsonDict = dict[str, Any]

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
DEFAULT_TEAM_ID = "T1"
APP_ID = "A1"
_FIRST_TS_MICROS = 1_700_000_000_000_101


@dataclass
class Call:
    """One request to the Web API, as the fake saw it."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]  # keys lower-cased
    answered_ok: bool = True
    http_method: str = "POST"

    def json_arg(self, name: str) -> Any:
        """The argument ``name``, parsed when it came as a JSON string (form-encoded calls)."""
        value = self.args.get(name)
        if isinstance(value, str | bytes):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    @property
    def token(self) -> str | None:
        """The token sent with the call (``Authorization: Bearer ...`` or a ``token`` arg)."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip()
        token = self.args.get("token")
        return str(token) if token is not None else None


@dataclass
class _Rule:
    method: str
    times: int
    when: Callable[[dict[str, Any]], bool] | None
    error: str
    status: int = 200
    retry_after: int | None = None

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        if self.times <= 0 or self.method != method:
            return False
        return self.when is None or bool(self.when(args))


class Fault:
    """A fault on the fake's Web API, on from its creation until ``end``."""

    def __init__(
        self,
        kind: str,
        method: str | None,
        *,
        status: int = 200,
        retry_after: int | None = None,
        delay: float | None = None,
        handled: bool = False,
    ) -> None:
        self.kind = kind
        self.method = method
        self.status = status
        self.retry_after = retry_after
        self.delay = delay
        self.handled = handled
        self.active = True
        self.hits = 0
        self._released = asyncio.Event()
        self._changed = asyncio.Condition()

    def takes(self, method: str) -> bool:
        return self.active and (self.method is None or self.method == method)

    def release(self) -> None:
        """Answer every request a ``slow`` fault holds, and the ones it takes from now on."""
        self._released.set()

    def end(self) -> None:
        """The fault is over: requests are answered normally again; held ones are released."""
        self.active = False
        self.release()

    def __enter__(self) -> Fault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.end()

    async def hit(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> None:
        """Return once the fault has taken at least ``count`` requests."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self.hits >= count)

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s: the {self.kind} fault took {self.hits} of "
                f"{count} request(s)"
            ) from None

    async def _took_one(self) -> None:
        self.hits += 1
        async with self._changed:
            self._changed.notify_all()

    async def _hold(self) -> None:
        if self.delay is None:
            await self._released.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), self.delay)


@dataclass
class _User:
    id: str
    name: str
    team_id: str
    real_name: str
    display_name: str
    is_admin: bool = False
    is_owner: bool = False
    enterprise_id: str | None = None


@dataclass
class _Message:
    channel: str
    ts: str
    user: str | None
    text: str
    thread_ts: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


def _ts_value(ts: Any) -> Decimal | None:
    if ts is None or ts == "":
        return None
    try:
        return Decimal(str(ts))
    except InvalidOperation:
        return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


class FakeSlack:
    """A fake Slack Web API (``/api/{method}``) plus response URLs (``/response/{name}``).

    Message timestamps count up from 1700000000.000101, where the tests' fixed clock starts,
    or follow ``clock`` (seconds since the epoch) when given: a real process reads the system
    clock and looks for its own posts in ``conversations.history`` from a time on, so for it
    the fake's timestamps must be its time, as Slack's are (``FakeSlack(clock=time.time)``)."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self.calls: list[Call] = []
        self._calls_by_method: dict[str, list[Call]] = {}
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self._rules: list[_Rule] = []
        self._faults: list[Fault] = []
        self._expired_urls: set[str] = set()
        self._users: dict[str, _User] = {}
        self._token_teams: dict[str, tuple[str | None, str | None]] = {}
        self._channels: dict[str, list[_Message]] = {}
        self._next_ts = _FIRST_TS_MICROS
        self._clock = clock
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None
        # Socket Mode: the open connections (newest last), how many were ever opened, every
        # message the bot sent over them, and its acknowledgements by envelope id.
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_connections = 0
        self.socket_received: list[JsonDict] = []
        self.acks: dict[str, JsonDict] = {}
        self._envelope_ids = itertools.count(1)
        # The bot token's scopes, sent in every answer's ``x-oauth-scopes`` header as Slack
        # does; ``None`` sends no header.
        self.scopes: list[str] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{name}", self._handle_response)
        app.router.add_get("/socket", self._handle_socket)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._site = site
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        for fault in self._faults:
            fault.end()
        for socket in list(self.sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    @property
    def socket_url(self) -> str:
        """What ``apps.connections.open`` answers: this server's Socket Mode WebSocket."""
        return self.base_url.replace("http://", "ws://", 1) + "/socket"

    # -- set-up ------------------------------------------------------------------------------

    def add_token(self, token: str, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Make ``auth.test`` answer ``team_id`` for ``token`` (any other token is team T1),
        and ``enterprise_id`` on Enterprise Grid; ``team_id`` ``None`` is an org-wide install."""
        self._token_teams[token] = (team_id, enterprise_id)

    def add_user(
        self,
        user_id: str,
        name: str,
        team_id: str = DEFAULT_TEAM_ID,
        real_name: str | None = None,
        display_name: str | None = None,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        enterprise_id: str | None = None,
    ) -> None:
        """``is_admin``/``is_owner`` of the user's own team; ``enterprise_id`` makes them an
        Enterprise Grid user (``users.info`` then carries ``enterprise_user``)."""
        self._users[user_id] = _User(
            id=user_id,
            name=name,
            team_id=team_id,
            real_name=real_name if real_name is not None else name,
            display_name=display_name if display_name is not None else "",
            is_admin=is_admin,
            is_owner=is_owner,
            enterprise_id=enterprise_id,
        )

    def add_channel(self, channel: str) -> None:
        """Make an empty channel known (a channel with no messages is otherwise not found)."""
        self._channels.setdefault(channel, [])

    def add_message(
        self,
        channel: str,
        ts: str,
        user: str | None,
        text: str,
        thread_ts: str | None = None,
        **fields: Any,
    ) -> None:
        """Store a message; extra ``fields`` (``bot_id``, ``blocks`` ...) are returned as given."""
        self._store(_Message(channel, ts, user, text, thread_ts, dict(fields)))

    def new_ts(self) -> str:
        """A fresh message timestamp, greater than every one handed out before."""
        micros = self._next_ts
        if self._clock is not None:
            micros = max(micros, round(self._clock() * 1_000_000))
        self._next_ts = micros + 1
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # -- failure injection ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (matching ``when``) answer ok=false."""
        self._rules.append(_Rule(method, times, when, error))

    def expire_response_url(self, name: str = "r1") -> None:
        """That response URL answers 404 ``expired_url``, as Slack's do after 30 minutes."""
        self._expired_urls.add(name)

    def rate_limit(self, method: str, retry_after: int = 0, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        self._rules.append(_Rule(method, times, None, "ratelimited", 429, retry_after))

    def rate_limited(self, method: str | None = None, retry_after: int = 1) -> Fault:
        """Until ``end``: HTTP 429 ``ratelimited`` with ``Retry-After: retry_after``."""
        return self._fault(Fault("rate_limited", method, status=429, retry_after=retry_after))

    def server_error(self, method: str | None = None, status: int = 500) -> Fault:
        """Until ``end``: HTTP ``status`` (500 by default) with no Web API answer."""
        return self._fault(Fault("server_error", method, status=status))

    def slow(
        self, method: str | None = None, *, delay: float | None = None, handled: bool = False
    ) -> Fault:
        """Until ``end``: hold each request until ``release`` (or ``delay`` seconds), then
        answer it. ``handled``: do what it asks first (a post is stored at once), so a client
        that gives up meanwhile has posted without knowing it."""
        return self._fault(Fault("slow", method, delay=delay, handled=handled))

    def dropped(self, method: str | None = None, *, handled: bool = False) -> Fault:
        """Until ``end``: read each request and drop the connection without an answer.
        ``handled``: do what it asks first, so a post is stored though its answer is lost."""
        return self._fault(Fault("dropped", method, handled=handled))

    def _fault(self, fault: Fault) -> Fault:
        self._faults = [f for f in self._faults if f.active]
        self._faults.append(fault)
        return fault

    async def refuse_connections(self) -> None:
        """Stop listening, and close the connections open now: every call (response URLs and
        Socket Mode too) fails to connect until ``accept_connections``."""
        if self._site is None or self._runner is None:
            raise RuntimeError("FakeSlack is not listening")
        await self._site.stop()
        self._site = None
        for socket in list(self.sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY)
        server = self._runner.server
        for connection in list(server.connections if server is not None else ()):
            connection.force_close()

    async def accept_connections(self) -> None:
        """Listen again on the same port (and base URL) as before."""
        if self._runner is None or self._port is None:
            raise RuntimeError("FakeSlack is not started")
        if self._site is not None:
            return
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, reuse_address=True)
        await site.start()
        self._site = site

    # -- inspection ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        # Indexed by method: benchmarks wait for thousands of calls, re-checking on each one.
        return list(self._calls_by_method.get(method, ()))

    def posted_texts(self, channel: str | None = None) -> list[str]:
        """The ``text`` of every ``chat.postMessage`` that answered ok, optionally per channel."""
        return [
            str(call.args.get("text", ""))
            for call in self.calls_to("chat.postMessage")
            if call.answered_ok and (channel is None or call.args.get("channel") == channel)
        ]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Everything stored in ``channel`` (posted or added, with metadata), oldest first."""
        return [
            self._render(m, with_metadata=True)
            for m in self._sorted(self._channels.get(channel, []))
        ]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> list[Call]:
        """Return the calls of ``method`` once at least ``count`` were recorded."""
        await self._wait(
            lambda: len(self._calls_by_method.get(method, ())) >= count,
            timeout,
            lambda: (
                f"expected {count} call(s) of {method}; recorded: {[c.method for c in self.calls]}"
            ),
        )
        return self.calls_to(method)

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> list[tuple[str, dict[str, Any]]]:
        """Return the response URL posts once at least ``count`` were recorded."""
        await self._wait(
            lambda: len(self.responses) >= count,
            timeout,
            lambda: (
                f"expected {count} response URL post(s); got {self.responses}; "
                f"Web API calls: {[c.method for c in self.calls]}"
            ),
        )
        return list(self.responses)

    async def _wait(
        self, predicate: Callable[[], bool], seconds: float, describe: Callable[[], str]
    ) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(until(), seconds)
        except TimeoutError:
            raise AssertionError(f"timed out after {seconds}s: {describe()}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- Socket Mode -----------------------------------------------------------------------------

    async def wait_for_socket(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> web.WebSocketResponse:
        """The newest open connection, once at least ``count`` were ever opened."""
        await self._wait(
            lambda: self.socket_connections >= count and bool(self.sockets),
            timeout,
            lambda: (
                f"expected {count} Socket Mode connection(s); opened {self.socket_connections}, "
                f"{len(self.sockets)} open; Web API calls: {[c.method for c in self.calls]}"
            ),
        )
        return self.sockets[-1]

    async def push(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> str:
        """Deliver ``payload`` over the newest connection as Slack does, in an envelope of
        ``envelope_type`` (``slash_commands``, ``events_api`` or ``interactive``); return its
        envelope id. Events API envelopes say ``accepts_response_payload: false`` and carry
        ``retry_attempt``/``retry_reason`` (0 and "" on a first delivery) unless told otherwise;
        the others accept a response payload."""
        socket = await self.wait_for_socket(timeout=timeout)
        envelope_id = envelope_id or f"e{next(self._envelope_ids):04d}-fake-envelope"
        events = envelope_type == "events_api"
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "payload": dict(payload),
            "type": envelope_type,
            "accepts_response_payload": (
                not events if accepts_response_payload is None else accepts_response_payload
            ),
        }
        if events or retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        await socket.send_str(json.dumps(envelope))
        return envelope_id

    async def wait_for_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> JsonDict:
        """The bot's acknowledgement of ``envelope_id``: ``{"envelope_id", "payload"?}``."""
        await self._wait(
            lambda: envelope_id in self.acks,
            timeout,
            lambda: (
                f"no acknowledgement of {envelope_id}; received over the socket: "
                f"{self.socket_received}; Web API calls: {[c.method for c in self.calls]}"
            ),
        )
        return self.acks[envelope_id]

    async def wait_for_sockets_closed(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - a bounded wait is this helper's point
    ) -> None:
        """Return once no Socket Mode connection is open."""
        await self._wait(
            lambda: not self.sockets,
            timeout,
            lambda: f"{len(self.sockets)} Socket Mode connection(s) still open",
        )

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send the newest connection a ``disconnect`` message (the client should open a new
        connection; Slack closes the old one soon after)."""
        socket = await self.wait_for_socket()
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        await socket.send_str(json.dumps(message))

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()  # answers the client's pings (autoping)
        await socket.prepare(request)
        self.sockets.append(socket)
        self.socket_connections += 1
        hello = {
            "type": "hello",
            "num_connections": len(self.sockets),
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }
        await socket.send_str(json.dumps(hello))
        await self._notify()
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                self.socket_received.append(data)
                if isinstance(data, dict) and "envelope_id" in data:
                    self.acks[str(data["envelope_id"])] = data
                await self._notify()
        finally:
            self.sockets.remove(socket)
            await self._notify()
        return socket

    # -- HTTP handlers ---------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        call = Call(
            method=method,
            args=args,
            headers={k.lower(): v for k, v in request.headers.items()},
            http_method=request.method,
        )
        fault = next((f for f in self._faults if f.takes(method)), None)
        if fault is not None:
            return await self._faulty(fault, call, request)
        return await self._answered(call)

    async def _faulty(self, fault: Fault, call: Call, request: web.Request) -> web.Response:
        await fault._took_one()
        if fault.kind in {"rate_limited", "server_error"}:
            await self._record(call, answered_ok=False)
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            if fault.kind == "rate_limited":
                return _json_response({"ok": False, "error": "ratelimited"}, 429, headers)
            return web.Response(status=fault.status, text="Internal Server Error")
        if fault.kind == "slow":
            if fault.handled:
                answer = self._answer(call)
                await self._record(call, answered_ok=bool(answer.get("ok")))
                await fault._hold()
                return _json_response(answer)
            await fault._hold()
            return await self._answered(call)
        # dropped
        if fault.handled:
            await self._record(call, answered_ok=bool(self._answer(call).get("ok")))
        else:
            await self._record(call, answered_ok=False)
        if request.transport is not None:
            request.transport.abort()
        # Ends the handler without an answer; aiohttp treats it as the client having left.
        raise asyncio.CancelledError

    async def _record(self, call: Call, *, answered_ok: bool) -> None:
        call.answered_ok = answered_ok
        self.calls.append(call)
        self._calls_by_method.setdefault(call.method, []).append(call)
        await self._notify()

    async def _answered(self, call: Call) -> web.Response:
        method, args = call.method, call.args
        rule = next((r for r in self._rules if r.matches(method, args)), None)
        headers: dict[str, str] = {}
        if rule is not None:
            rule.times -= 1
            status, body = rule.status, {"ok": False, "error": rule.error}
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
        else:
            status, body = 200, self._answer(call)
        if self.scopes is not None:
            headers["x-oauth-scopes"] = ",".join(self.scopes)
        await self._record(call, answered_ok=bool(body.get("ok")))
        return _json_response(body, status, headers)

    async def _handle_response(self, request: web.Request) -> web.Response:
        if request.match_info["name"] in self._expired_urls:
            return web.Response(status=404, text="expired_url")
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"_raw": raw.decode(errors="replace")}
        if not isinstance(payload, dict):
            payload = {"_json": payload}
        self.responses.append((request.match_info["name"], payload))
        await self._notify()
        return _json_response({"ok": True})

    @staticmethod
    async def _read_args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method in {"POST", "PUT", "PATCH"} and request.can_read_body:
            if request.content_type == "application/json":
                raw = await request.read()
                data = json.loads(raw) if raw else {}
                if isinstance(data, dict):
                    args.update(data)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        args[key] = value.file.read()
                    else:
                        args[key] = value
        return args

    # -- Web API methods -------------------------------------------------------------------------

    def _answer(self, call: Call) -> JsonDict:
        handlers: dict[str, Callable[[Call], JsonDict]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views,
            "views.push": self._views,
            "views.update": self._views,
            "users.info": self._users_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
        }
        handler = handlers.get(call.method)
        return handler(call) if handler is not None else {"ok": True}

    def _auth_test(self, call: Call) -> JsonDict:
        # auth.test as Slack documents it; on Enterprise Grid it adds enterprise_id, and for
        # an org-wide install's token is_enterprise_install (with no single team).
        team_id, enterprise_id = self._token_teams.get(call.token or "", (DEFAULT_TEAM_ID, None))
        answer: JsonDict = {
            "ok": True,
            "url": "https://acme.slack.com/",
            "team": "Acme",
            "user": "feedbackbot",
            "team_id": team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }
        if enterprise_id is not None:
            answer["enterprise_id"] = enterprise_id
            answer["is_enterprise_install"] = team_id is None
        return answer

    def _apps_connections_open(self, call: Call) -> JsonDict:
        # Slack wants the app-level token in the Authorization header, not as a parameter.
        auth = call.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return {"ok": False, "error": "not_authed"}
        if not (call.token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _chat_post_message(self, call: Call) -> JsonDict:
        channel = call.args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        text = call.args.get("text")
        if not text and not call.args.get("blocks") and not call.args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self.new_ts()
        thread_ts = call.args.get("thread_ts") or None
        extra: dict[str, Any] = {"bot_id": BOT_ID}
        if call.args.get("blocks"):
            extra["blocks"] = call.json_arg("blocks")
        metadata = call.json_arg("metadata")
        if isinstance(metadata, dict):
            extra["metadata"] = metadata
        message = _Message(str(channel), ts, BOT_USER_ID, str(text or ""), thread_ts, extra)
        self._store(message)
        rendered = self._render(message, with_metadata=True)
        return {"ok": True, "channel": channel, "ts": ts, "message": rendered}

    def _chat_post_ephemeral(self, call: Call) -> JsonDict:
        if not call.args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not call.args.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self.new_ts()}

    def _chat_update(self, call: Call) -> JsonDict:
        channel, ts = call.args.get("channel"), call.args.get("ts")
        for message in self._channels.get(str(channel), []):
            if message.ts == ts and "text" in call.args:
                message.text = str(call.args["text"])
        return {"ok": True, "channel": channel, "ts": ts, "text": call.args.get("text", "")}

    def _views(self, call: Call) -> JsonDict:
        view = call.json_arg("view")
        view = dict(view) if isinstance(view, dict) else {}
        view.setdefault("type", "modal")
        view.update({"id": "V1", "team_id": DEFAULT_TEAM_ID, "app_id": "A1", "bot_id": BOT_ID})
        return {"ok": True, "view": view}

    def _users_info(self, call: Call) -> JsonDict:
        user = self._users.get(str(call.args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        described: JsonDict = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "real_name": user.real_name,
            "is_bot": False,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "profile": {"display_name": user.display_name, "real_name": user.real_name},
        }
        if user.enterprise_id is not None:
            # users.info of an Enterprise Grid user (Slack's users.info reference): the
            # enterprise, and whether the user administers it, beside their own team's flags.
            described["enterprise_user"] = {
                "id": user.id,
                "enterprise_id": user.enterprise_id,
                "enterprise_name": user.enterprise_id,
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "teams": [user.team_id],
            }
        return {"ok": True, "user": described}

    def _conversations_history(self, call: Call) -> JsonDict:
        channel = str(call.args.get("channel", ""))
        if channel not in self._channels:
            return {"ok": False, "error": "channel_not_found"}
        top = [m for m in self._channels[channel] if not m.is_reply]
        picked = self._window(call.args, top)
        picked.reverse()  # newest first
        limit = self._limit(call.args)
        metadata = _truthy(call.args.get("include_all_metadata", False))
        return {
            "ok": True,
            "messages": [self._render(m, with_metadata=metadata) for m in picked[:limit]],
            "has_more": len(picked) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_replies(self, call: Call) -> JsonDict:
        channel = str(call.args.get("channel", ""))
        if channel not in self._channels:
            return {"ok": False, "error": "channel_not_found"}
        messages = self._channels[channel]
        asked = next((m for m in messages if m.ts == call.args.get("ts")), None)
        if asked is None:
            return {"ok": False, "error": "thread_not_found"}
        parent_ts = asked.thread_ts if asked.is_reply else asked.ts
        parent = next((m for m in messages if m.ts == parent_ts), None)
        replies = self._window(
            call.args, [m for m in messages if m.is_reply and m.thread_ts == parent_ts]
        )
        limit = self._limit(call.args)
        thread = ([parent] if parent is not None else []) + replies
        metadata = _truthy(call.args.get("include_all_metadata", False))
        return {
            "ok": True,
            "messages": [self._render(m, with_metadata=metadata) for m in thread[:limit]],
            "has_more": len(thread) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    # -- message store -----------------------------------------------------------------------

    def _store(self, message: _Message) -> None:
        self._channels.setdefault(message.channel, []).append(message)

    @staticmethod
    def _sorted(messages: list[_Message]) -> list[_Message]:
        return sorted(messages, key=lambda m: _ts_value(m.ts) or Decimal(0))

    def _window(self, args: Mapping[str, Any], messages: list[_Message]) -> list[_Message]:
        """Messages between ``oldest`` and ``latest`` (exclusive unless ``inclusive``), oldest
        first."""
        latest, oldest = _ts_value(args.get("latest")), _ts_value(args.get("oldest"))
        inclusive = _truthy(args.get("inclusive", False))
        picked = []
        for message in self._sorted(messages):
            ts = _ts_value(message.ts) or Decimal(0)
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                continue
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                continue
            picked.append(message)
        return picked

    @staticmethod
    def _limit(args: Mapping[str, Any]) -> int:
        try:
            limit = int(args.get("limit") or 100)
        except (TypeError, ValueError):
            limit = 100
        return max(1, min(limit, 1000))

    def _render(self, message: _Message, *, with_metadata: bool = False) -> JsonDict:
        out: JsonDict = {"type": "message", "text": message.text, "ts": message.ts}
        if message.user is not None:
            out["user"] = message.user
        out.update(message.extra)
        if not with_metadata:
            out.pop("metadata", None)
        if message.is_reply:
            out["thread_ts"] = message.thread_ts
            out["parent_user_id"] = self._user_of(message.channel, message.thread_ts)
        else:
            replies = [
                m
                for m in self._channels.get(message.channel, [])
                if m.is_reply and m.thread_ts == message.ts
            ]
            if replies:
                ordered = self._sorted(replies)
                out["thread_ts"] = message.ts
                out["reply_count"] = len(replies)
                out["reply_users"] = sorted({m.user for m in replies if m.user})
                out["latest_reply"] = ordered[-1].ts
        return out

    def _user_of(self, channel: str, ts: str | None) -> str | None:
        return next((m.user for m in self._channels.get(channel, []) if m.ts == ts), None)


def _json_response(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # Exactly "application/json" (no charset), like Slack.
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers=dict(headers or {}),
        content_type="application/json",
    )
